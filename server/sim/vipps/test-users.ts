/**
 * The sandbox's test users: who signs in on the Login page and who accepts agreements in the
 * pretend app. `funds: 'none'` makes every Recurring charge of that user fail with
 * `user_action_required` once its retry days have passed (RECD: insufficient funds, card blocked).
 */
export interface TestUser {
  /** Stable per sales unit (LOG; TK login): a UUID, as the real `sub`. */
  sub: string;
  name: string;
  givenName: string;
  familyName: string;
  /** MSISDN: country code and number, digits only (UI `phone_number`). */
  phoneNumber: string;
  email: string;
  funds: 'ok' | 'none';
}

export const TEST_USERS: readonly TestUser[] = [
  { sub: 'c0a80101-5b1e-4c7a-9d2e-000000000001', name: 'Kari Nordmann', givenName: 'Kari', familyName: 'Nordmann', phoneNumber: '4791234567', email: 'kari@example.no', funds: 'ok' },
  { sub: 'c0a80101-5b1e-4c7a-9d2e-000000000002', name: 'Ola Nordmann', givenName: 'Ola', familyName: 'Nordmann', phoneNumber: '4798765432', email: 'ola@example.no', funds: 'ok' },
  { sub: 'c0a80101-5b1e-4c7a-9d2e-000000000003', name: 'Per Tomkonto', givenName: 'Per', familyName: 'Tomkonto', phoneNumber: '4790000000', email: 'per@example.no', funds: 'none' }
];

export function userByPhone(phone: string | undefined): TestUser | undefined {
  return TEST_USERS.find((u) => u.phoneNumber === phone);
}

export function userBySub(sub: string | undefined): TestUser | undefined {
  return TEST_USERS.find((u) => u.sub === sub);
}

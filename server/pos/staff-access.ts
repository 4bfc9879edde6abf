/**
 * Who may work the counter (/pos, /pos/scan and /api/pos/*). The one place that decides it: for
 * now whoever holds the operator token (or anyone, in demo mode without one, like the operator
 * console); when operator accounts with a `cashier` role exist, this is where they are checked.
 */
import { operatorAllowed } from '../sessions/operator-access.js';

export interface StaffCheck {
  /** The credential the request carried: the operator token (bearer or the pp_operator cookie). */
  credential: string | undefined;
  /** OPERATOR_TOKEN, unset in demo mode. */
  operatorToken: string | undefined;
}

/** True when the bearer of `credential` may sell at the counter. Constant-time (operator-access.ts). */
export function staffAllowed({ credential, operatorToken }: StaffCheck): boolean {
  return operatorAllowed(credential, operatorToken);
}

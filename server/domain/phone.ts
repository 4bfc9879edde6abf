/**
 * Mobile numbers a cashier types for a customer, in Norway, Denmark and Finland, turned into the
 * MSISDN the ePayment API wants (`customer.phoneNumber`: country code and number, digits only,
 * e.g. `4791234567`; EP `CustomerPhoneNumber`).
 *
 * Numbering rules, kept deliberately simple (the app's own check is final, error 4070):
 * - Norway (+47): 8 digits; mobile numbers start with 4 or 9 (Nkom numbering plan).
 * - Denmark (+45): 8 digits, not starting with 0 or 1 (no trunk prefix in Denmark).
 * - Finland (+358): a trunk 0 is dropped nationally; mobile numbers start with 4 or 50 and have
 *   7 to 10 digits after the country code (Traficom numbering plan).
 */
export type PhoneCountry = 'NO' | 'DK' | 'FI';

export const countryCodes: Record<PhoneCountry, string> = { NO: '47', DK: '45', FI: '358' };

export type PhoneParse = { ok: true; msisdn: string; country: PhoneCountry } | { ok: false; reason: string };

const rules: Record<PhoneCountry, { test: (n: string) => boolean; hint: string }> = {
  NO: { test: (n) => /^[49]\d{7}$/.test(n), hint: 'A Norwegian mobile number has 8 digits and starts with 4 or 9.' },
  DK: { test: (n) => /^[2-9]\d{7}$/.test(n), hint: 'A Danish mobile number has 8 digits.' },
  FI: { test: (n) => /^(4\d{6,9}|50\d{5,8})$/.test(n), hint: 'A Finnish mobile number starts with 04 or 050 and has 8 to 11 digits.' }
};

/**
 * Reads what a cashier typed: `+47 912 34 567`, `0047 91234567`, `91234567` (in the counter's
 * country), `+358 40 123 4567` or `040 123 4567` (in Finland), or an MSISDN without its plus. Spaces, dashes, dots and
 * brackets are ignored; letters are not.
 */
export function parsePhoneNumber(input: string, defaultCountry: PhoneCountry = 'NO'): PhoneParse {
  const compact = input.trim().replace(/[\s\-.()]/g, '');
  if (compact === '') return { ok: false, reason: 'Type the customer\'s mobile number.' };
  let international: string | undefined;
  if (compact.startsWith('+')) international = compact.slice(1);
  else if (compact.startsWith('00')) international = compact.slice(2);
  if (!/^\d+$/.test(international ?? compact)) return { ok: false, reason: 'A phone number holds digits only (and a leading +).' };

  let country: PhoneCountry;
  let national: string;
  if (international !== undefined) {
    const hit = (Object.entries(countryCodes) as [PhoneCountry, string][]).find(([, cc]) => international!.startsWith(cc));
    if (!hit) return { ok: false, reason: 'Only Norwegian (+47), Danish (+45) and Finnish (+358) mobile numbers can pay here.' };
    country = hit[0];
    national = international.slice(hit[1].length);
  } else {
    country = defaultCountry;
    national = country === 'FI' && compact.startsWith('0') ? compact.slice(1) : compact;
    // An MSISDN typed without its plus (4791234567) is not a national number anywhere here.
    if (!rules[country].test(national)) {
      const asMsisdn = parsePhoneNumber(`+${compact}`, defaultCountry);
      if (asMsisdn.ok) return asMsisdn;
    }
  }
  if (!rules[country].test(national)) return { ok: false, reason: rules[country].hint };
  return { ok: true, msisdn: `${countryCodes[country]}${national}`, country };
}

/** `4791234567` → `+47 •• •• 45 67`: enough for the customer to recognise, not to copy. */
export function maskMsisdn(msisdn: string): string {
  const cc = (Object.values(countryCodes) as string[]).find((c) => msisdn.startsWith(c)) ?? msisdn.slice(0, 2);
  const last = msisdn.slice(-4);
  return `+${cc} •• •• ${last.slice(0, 2)} ${last.slice(2)}`;
}

/**
 * The driver's languages: which ones plugpay speaks, how Intl spells them, and how a browser's
 * Accept-Language picks one. Pure functions: the server hook and the tests use them.
 */
export const LOCALES = ['nb', 'sv', 'da', 'fi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';

/** The cookie that remembers a driver's choice (Paraglide's cookie strategy reads it too). */
export const LOCALE_COOKIE = 'PARAGLIDE_LOCALE';

/** Each language in its own words, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = {
  nb: 'Norsk bokmål',
  sv: 'Svenska',
  da: 'Dansk',
  fi: 'Suomi',
  en: 'English'
};

/** The BCP 47 tag Intl formats with: Nordic conventions for each language. */
export const INTL_TAG: Record<Locale, string> = {
  nb: 'nb-NO',
  sv: 'sv-SE',
  da: 'da-DK',
  fi: 'fi-FI',
  en: 'en-GB'
};

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

/** A language tag's primary subtag as plugpay's locale: Norwegian in any spelling is nb. */
function localeOfTag(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  if (primary === 'no' || primary === 'nn' || primary === 'nb') return 'nb';
  return isLocale(primary) ? primary : undefined;
}

/**
 * The best of plugpay's languages for an Accept-Language header, by the header's q-values
 * (ties keep the header's order); undefined when none is acceptable.
 * @example pickLocale('da-DK,da;q=0.9,en;q=0.8') // 'da'
 */
export function pickLocale(header: string | null | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, i) => {
      const [tag, ...params] = part.split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      const weight = q ? Number(q[1]) : 1;
      return { locale: localeOfTag(tag), weight: Number.isFinite(weight) ? weight : 0, i };
    })
    .filter((x): x is { locale: Locale; weight: number; i: number } => x.locale !== undefined && x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.i - b.i);
  return ranked[0]?.locale;
}

/**
 * The driver's language for a request: their own choice (the cookie the language switch sets)
 * first, then the browser's Accept-Language, then English.
 */
export function localeForRequest(cookieHeader: string | null | undefined, acceptLanguage: string | null | undefined): Locale {
  const chosen = cookieHeader
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${LOCALE_COOKIE}=`))
    ?.slice(LOCALE_COOKIE.length + 1);
  if (isLocale(chosen)) return chosen;
  return pickLocale(acceptLanguage) ?? DEFAULT_LOCALE;
}

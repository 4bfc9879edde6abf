/**
 * Days and hours as a Norwegian operator's accountant counts them: in Europe/Oslo time, with
 * its summer time (a day may have 23 or 25 hours). Pure: instants in, instants out.
 */
const ZONE = 'Europe/Oslo';
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const hourFormat = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', hourCycle: 'h23' });
const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' });

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** The Oslo calendar day of an instant, yyyy-mm-dd. */
export function osloDayOf(at: Date): string {
  return dayFormat.format(at);
}

/** The Oslo hour (0–23) of an instant. */
export function osloHour(at: Date): number {
  return Number(hourFormat.format(at));
}

/** Oslo's offset from UTC at an instant, in minutes (60 in winter, 120 in summer). */
function offsetMinutes(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The instant an Oslo day begins. */
function startOf(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const utcMidnight = Date.UTC(y, m - 1, d);
  let start = utcMidnight - offsetMinutes(new Date(utcMidnight)) * 60_000;
  // Near a change of offset the first guess can use the wrong one; one correction settles it.
  start = utcMidnight - offsetMinutes(new Date(start)) * 60_000;
  return new Date(start);
}

/** [from, to) of an Oslo day; throws on a string that is not a real yyyy-mm-dd date. */
export function osloDayBounds(day: string): { from: Date; to: Date } {
  const [y, m, d] = day.split('-').map(Number);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (!DAY_PATTERN.test(day) || check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`not a date: ${day}`);
  }
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return { from: startOf(day), to: startOf(next) };
}

/** The counter's calendar day: sales after midnight in the hub's time zone belong to the next day. */
export function businessDay(at: Date, timeZone = 'Europe/Oslo'): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

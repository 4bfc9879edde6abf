/** Øre → "1 899,00 kr" and basis points → "25 %", for the counter pages (integer arithmetic only). */
export function kr(ore: number): string {
  const sign = ore < 0 ? '−' : '';
  const abs = Math.abs(ore);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${sign}${whole},${String(abs % 100).padStart(2, '0')}\u00a0kr`;
}

export const rate = (bp: number) => `${bp / 100} %`;

/** "12,50" or "12.5" or "12" → 1250 øre; null when it is not an amount. */
export function parseKr(text: string): number | null {
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*(kr)?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

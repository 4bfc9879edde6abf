/** A tariff in the words and amounts a driver reads on the sticker and the landing page (VAT included). */
import type { TariffView } from '$lib/shared/api';
import { formatKr, formatVatRate } from '$lib/format';

export function tariffLines(t: TariffView): string[] {
  const lines = [`${formatKr(t.pricePerKwhOre)} per kWh`];
  if (t.startFeeOre > 0) lines.push(`Start fee ${formatKr(t.startFeeOre)}`);
  if (t.perMinuteOre > 0) lines.push(`${formatKr(t.perMinuteOre)} per minute`);
  if (t.idleFeePerMinuteOre > 0) {
    lines.push(`Idle fee ${formatKr(t.idleFeePerMinuteOre)} per minute${t.idleGraceMinutes > 0 ? ` after ${t.idleGraceMinutes} min fully charged` : ' when fully charged'}`);
  }
  lines.push(`Prices include ${formatVatRate(t.vatRateBp)} VAT`);
  return lines;
}

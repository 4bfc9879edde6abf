/**
 * Sessions as CSV for the accountant (RFC 4180: CRLF line ends, fields with a comma, quote or
 * line break quoted, quotes doubled). Amounts in kroner with two decimals and kWh with three,
 * as plain numbers a spreadsheet reads; times in UTC ISO 8601. A field that a spreadsheet would
 * run as a formula (=, +, -, @ first) is prefixed with a quote mark (OWASP, CSV injection).
 */
import type { SessionSummary } from '$lib/shared/operator-api';

const HEADER = ['session', 'station', 'connector', 'state', 'created_utc', 'started_utc', 'stopped_utc', 'stop_reason', 'energy_kwh', 'reserved_nok', 'cost_nok', 'captured_nok', 'released_nok', 'vipps_reference'];

function field(v: string | number | undefined): string {
  if (v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const kr = (ore?: number) => (ore === undefined ? undefined : (ore / 100).toFixed(2));

export function sessionsCsv(rows: SessionSummary[]): string {
  const lines = [HEADER.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.id,
        r.stationName ?? r.stationId,
        r.connectorId,
        r.state,
        r.createdAt,
        r.startedAt,
        r.stoppedAt,
        r.stopReason,
        (r.energyWh / 1000).toFixed(3),
        kr(r.reservedOre),
        kr(r.costOre),
        kr(r.capturedOre),
        kr(r.cancelledOre),
        r.paymentReference
      ]
        .map(field)
        .join(',')
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

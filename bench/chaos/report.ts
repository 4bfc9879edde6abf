/** The printed table of a chaos run. */
import type { ChaosReport } from './harness.js';
import type { ProblemKind } from './verify.js';

const kr = (ore: number) => `${(ore / 100).toFixed(2)} kr`;

function row(label: string, value: string | number, extra = ''): string {
  return `  ${label.padEnd(34)} ${String(value).padStart(12)}  ${extra}`.trimEnd();
}

export function formatReport(r: ChaosReport): string {
  const v = r.verdict;
  const byKind = (k: ProblemKind) => v.problems.filter((p) => p.kind === k).length;
  const payment = (what: string) => r.drivers.filter((d) => d.payment === what).length;
  const stops = (what: string) => r.drivers.filter((d) => d.stops.includes(what)).length;
  const lines: string[] = [];
  lines.push(`plugpay chaos run: seed ${r.seed}, ${r.sessions} sessions, store ${r.store}, ${Math.round(r.durationMs / 1000)} s (settled in ${Math.round(r.settleMs / 1000)} s)`);
  lines.push('');
  lines.push('faults');
  lines.push(row('kill -9 of plugpay', r.kills, `(plugpay started ${r.plugpayStarts} times, seeding start included)`));
  for (const [name, n] of Object.entries(r.faults).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(row(name, n, name === 'charger clock skew' ? 'chargers, 1–6 h off' : ''));
  }
  lines.push('');
  lines.push('drivers');
  lines.push(row('approved / rejected / abandoned', `${payment('approved')} / ${payment('rejected')} / ${payment('abandoned')}`));
  lines.push(row('approval refused, not reserved', `${payment('approve-refused')} / ${payment('not-created')}`));
  lines.push(row('stopped from phone / charger / unplug', `${stops('phone')} / ${stops('charger')} / ${stops('unplug')}`, `(both phone and charger: ${r.drivers.filter((d) => d.stops.includes('phone') && d.stops.includes('charger')).length})`));
  lines.push('');
  lines.push('money (ground truth: the sandbox state file and the chargers\' meters)');
  lines.push(row('sessions checked against Vipps', v.totals.priced, `(+ ${v.orphanPayments} payments no driver knew of)`));
  lines.push(row('authorized', kr(v.totals.authorizedOre)));
  lines.push(row('cost of what was delivered', kr(v.totals.costOre)));
  lines.push(row('expected capture', kr(v.totals.expectedOre), 'sum of min(cost, authorized)'));
  lines.push(row('captured', kr(v.totals.capturedOre)));
  lines.push(row('captures exactly as expected', `${v.totals.exact}/${v.totals.priced}`));
  lines.push(row('mismatches beyond tolerance', byKind('wrong-capture')));
  lines.push(row('open reservations', byKind('open-reservation'), '(authorized, neither captured nor released in full)'));
  lines.push(row('double captures', byKind('double-capture'), '(more than one CAPTURED event per reference)'));
  lines.push(row('energy without authorization', byKind('unpaid-energy')));
  lines.push(row('charger started twice for a session', byKind('double-start')));
  lines.push(row('plugpay\'s books ≠ Vipps', byKind('books-disagree')));
  lines.push(row('orphan payments captured', byKind('orphan')));
  lines.push(row('sessions stuck in a non-final state', byKind('stuck')));
  lines.push(row('outbox jobs pending / dead-lettered', r.outbox ? `${r.outbox.pending} / ${r.outbox.dead}` : 'not visible', '(plugpay_outbox_jobs at /metrics, after settling)'));
  lines.push('');
  lines.push(`tolerance: ${r.tolerance}`);
  if (v.problems.length > 0) {
    lines.push('');
    lines.push('problems');
    for (const p of v.problems) {
      const d = p.session !== undefined ? r.drivers[p.session] : undefined;
      const who = d ? `#${p.session} ${d.connectorId} ${d.sessionId ?? ''} [${describePlan(r, p.session!)}]` : (p.reference ?? '');
      lines.push(`  ${p.kind}: ${who}`);
      lines.push(`      ${p.detail}`);
    }
  }
  if (r.errors.length > 0) {
    lines.push('');
    lines.push('errors');
    for (const e of r.errors) lines.push(`  ${e}`);
  }
  if (r.notes.length > 0) {
    lines.push('');
    lines.push('notes');
    for (const n of r.notes) lines.push(`  ${n}`);
  }
  lines.push('');
  lines.push(r.ok ? 'RESULT: OK' : `RESULT: FAILED (seed ${r.seed})${r.kept ? `; data, sandbox state and logs kept in ${r.workDir}` : ''}`);
  return lines.join('\n');
}

function describePlan(r: ChaosReport, index: number): string {
  const s = r.plan.sessions[index];
  const ch = r.plan.chargers[s.chargerIndex];
  const skew = ch.clockSkewMs ? ` skew ${(ch.clockSkewMs / 3_600_000).toFixed(1)} h` : '';
  return `${s.payment}, stop ${s.stop}, start ${s.charger.remoteStart}, remote stop ${s.charger.remoteStop}, ${s.charger.powerW / 1000} kW, reserve ${s.amountOre / 100} kr${s.charger.offlineAtStartMs ? `, offline at start ${s.charger.offlineAtStartMs} ms` : ''}${skew}`;
}

/** One line per session: what the driver and charger did, what Vipps holds, what was expected. */
export function formatSessions(r: ChaosReport): string {
  const head = ['#', 'connector', 'session', 'plan', 'plugpay', 'Wh', 's', 'cost', 'auth', 'captured', 'expected', 'tol'];
  const rows = r.verdict.checks.map((c) => [
    String(c.index),
    c.connectorId,
    c.sessionId ?? '-',
    describePlan(r, c.index),
    `${c.state ?? '-'} ${c.stopReason ?? ''}`.trim(),
    String(c.deliveredWh),
    String(c.durationSeconds),
    String(c.costOre),
    String(c.authorizedOre),
    String(c.capturedOre),
    String(c.expectedOre),
    c.exact ? '=' : `±${c.toleranceOre}`
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  return [head, ...rows].map((row) => row.map((v, i) => v.padEnd(widths[i])).join('  ')).join('\n');
}

/** What `npm start` prints: where to go, one line each, and a QR code a phone can scan. */
import QRCode from 'qrcode';
import type { Plugpay } from './main.js';
import { StationRepository } from './store/station-repository.js';

export async function printBanner(p: Plugpay, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const connectors = await new StationRepository().connectors(p.db);
  out('');
  out(`plugpay is running on ${p.url}`);
  out(`operator console: ${p.url}/operator`);
  if (p.demoLogin) out(`demo login: ${p.demoLogin.username} / ${p.demoLogin.password}`);
  for (const c of connectors) out(`connector ${c.id}${c.station ? ` (${[c.station.name, c.station.city].filter(Boolean).join(', ')})` : ''}: ${p.url}/c/${encodeURIComponent(c.id)}`);
  if (p.sandbox) out(`Vipps MobilePay sandbox: ${p.url}/sandbox/vipps (test credentials in the README)`);
  const first = connectors.find((c) => c.station);
  if (first) {
    const url = `${p.url}/c/${encodeURIComponent(first.id)}`;
    out('');
    out(`scan to try ${first.id} from a phone on the same network${p.config.publicUrlSet ? '' : ' (set PUBLIC_URL to this machine\'s address first)'}:`);
    out(await QRCode.toString(url, { type: 'terminal', small: true }));
  }
}

/**
 * Standalone sandbox: `npm run sandbox -- --port N [--state file] [--public-url URL]`.
 * Listens on 127.0.0.1 only and prints its base URL on the first line of stdout.
 */
import { serve } from '@hono/node-server';
import { parseArgs } from 'node:util';
import { createLogger } from '../../log.js';
import { createVippsSandbox } from './sandbox.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    state: { type: 'string' },
    'public-url': { type: 'string' },
    'expiry-ms': { type: 'string' },
    'webhook-retry-base-ms': { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be 0..65535, got ${values.port}`);
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', { component: 'vipps-sandbox' });
let sandbox: ReturnType<typeof createVippsSandbox> | undefined;

const server = serve({ fetch: (req) => sandbox!.app.fetch(req), port, hostname: '127.0.0.1' }, (info) => {
  const base = values['public-url'] ?? `http://127.0.0.1:${info.port}`;
  sandbox = createVippsSandbox({
    publicBaseUrl: base,
    stateFile: values.state,
    expiryMs: num(values['expiry-ms']),
    webhookRetryBaseMs: num(values['webhook-retry-base-ms']),
    logger,
  });
  console.log(`Vipps sandbox listening on ${base}`);
});

async function shutdown() {
  await sandbox?.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

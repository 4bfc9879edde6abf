/**
 * plugpay as a child process on an injected clock: what `server/main.ts` does when run, but with
 * `startPlugpay({ clock })`, the clock running `PLUGPAY_TEST_CLOCK_OFFSET_MS` apart from the
 * host's. Each child of one test gets the same offset, so a restarted plugpay goes on from where
 * the killed one was on the same timeline. Started by startPlugpayChild({ clockOffsetMs }).
 */
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { startPlugpay } from '../../server/main.js';
import type { Clock } from '../../server/sessions/ports.js';

const offsetMs = Number(process.env.PLUGPAY_TEST_CLOCK_OFFSET_MS);
if (!Number.isFinite(offsetMs)) throw new Error('PLUGPAY_TEST_CLOCK_OFFSET_MS must be a number of milliseconds');
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

const config = loadConfig();
const logger = createLogger(config.logLevel, { node: config.nodeId });
const plugpay = await startPlugpay({ config, logger, clock });
const stop = () => void plugpay.close().finally(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

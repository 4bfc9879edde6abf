/**
 * plugpay as a child process on an injected clock: `server/main.ts`'s own `main()`, given a
 * clock running `PLUGPAY_TEST_CLOCK_OFFSET_MS` apart from the
 * host's. Each child of one test gets the same offset, so a restarted plugpay goes on from where
 * the killed one was on the same timeline. Started by startPlugpayChild({ clockOffsetMs }).
 */
import { main } from '../../server/main.js';
import type { Clock } from '../../server/sessions/ports.js';

const offsetMs = Number(process.env.PLUGPAY_TEST_CLOCK_OFFSET_MS);
if (!Number.isFinite(offsetMs)) throw new Error('PLUGPAY_TEST_CLOCK_OFFSET_MS must be a number of milliseconds');
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

await main({ clock });

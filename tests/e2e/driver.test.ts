/**
 * The driver's whole way in a real browser (Chromium via playwright-core) against a whole
 * plugpay: landing page → reserve → the sandbox's Vipps app page → back → charging with a
 * simulated charger → Stop → receipt; plus the reject, charger-refuses, stop-at-the-charger and
 * auto-stop paths. Chromium comes from Debian's package (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoChargers } from '../../server/sim/demo.js';
import { eventually, startTestPlugpay, type TestPlugpay } from '../helpers/plugpay.js';
import { revealStation, signInOperator } from '../helpers/operator-browser.js';

// Whole charges in a browser on a shared two-core machine: minutes, not the 30 s unit default.
vi.setConfig({ testTimeout: 180_000 });

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let pp: TestPlugpay;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`);
  pp = await startTestPlugpay({ RESERVE_MIN_ORE: '500', RESERVE_PRESETS_ORE: '20000,35000,50000' }, {
    demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01')
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pp?.stop();
});

const ore = async (page: Page, selector: string) => Number(await page.locator(selector).getAttribute('data-ore'));

/** Landing → amount → pay → the sandbox's app page. Returns the page, on the app page. */
async function reserve(connectorId: string, amount: { preset?: number; customKr?: string } = { preset: 35000 }): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${pp.url}/c/${connectorId}`);
  expect((await page.locator('#station-name').textContent())?.trim()).toBe('Grønland P-hus');
  if (amount.customKr) await page.fill('#custom-amount', amount.customKr);
  else await page.locator(`[data-testid="preset-${amount.preset}"]`).click();
  await page.click('#pay-button');
  await page.waitForURL(/\/sandbox\/vipps\//);
  return page;
}

async function sessionIdOf(page: Page): Promise<string> {
  await page.waitForURL(/\/s\/[0-9a-f]+/);
  return new URL(page.url()).pathname.split('/').pop()!;
}

const state = (page: Page) => page.locator('#session-state').getAttribute('data-state');

/** Stop asks first; the driver confirms. */
async function stopCharging(page: Page) {
  await page.click('#stop-button');
  await page.click('#stop-confirm-yes');
}

describe('an operator and a second driver in the browser', () => {
  it('see a connector become busy live, on the landing page and on the map', async () => {
    const operator = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await signInOperator(operator, pp);
    const dot = await revealStation(operator, 'oslo-gronland');
    await eventually(async () => (await dot.getAttribute('data-status')) === 'available', 15_000, 'station available');

    await pp.addCharger('TEST-LIVE');
    await eventually(async () => (await pp.charging.connectorView('TEST-LIVE-1'))?.available, 10_000, 'connector available');
    const landing = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await landing.goto(`${pp.url}/c/TEST-LIVE-1`);
    expect(await landing.locator('#pay-button').count()).toBe(1);

    // A first driver takes the connector; both screens change without a reload.
    const page = await reserve('TEST-LIVE-1');
    await page.click('#approve');
    await eventually(async () => (await landing.locator('#unavailable-reason').count()) === 1, 15_000, 'landing page to say the connector is taken');
    expect(await landing.locator('#pay-button').count()).toBe(0);
    await eventually(async () => (await dot.getAttribute('data-status')) !== 'available', 15_000, 'map to change');
    await dot.click();
    await eventually(async () => (await operator.locator('#station-panel [data-session-id]').count()) === 1, 15_000, 'live session in the panel');

    await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
    await stopCharging(page);
    await eventually(async () => (await state(page)) === 'completed', 20_000, 'completed');
    for (const p of [operator, landing, page]) await p.close();
  });
});

describe('a driver in the browser', () => {
  it('reserves, charges, watches the numbers grow, stops, and gets a receipt that matches the sandbox', async () => {
    const page = await reserve('OSL-GRO-01-1');
    expect(await page.locator('body').textContent()).toMatch(/350/);
    await page.click('#approve');
    const id = await sessionIdOf(page);
    await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
    const first = Number(await page.locator('#energy-kwh').getAttribute('data-wh'));
    await eventually(async () => Number(await page.locator('#energy-kwh').getAttribute('data-wh')) > first + 5, 15_000, 'energy to grow');
    expect(await ore(page, '#running-cost')).toBeGreaterThan(0);
    expect(Number(await page.locator('#power-kw').getAttribute('data-w'))).toBeGreaterThan(0);

    // The phone loses its connection: every socket's transport drops. The page reconnects,
    // takes a fresh snapshot and keeps counting.
    const dropped = [...pp.realtime.io.sockets.sockets.values()];
    expect(dropped.length).toBeGreaterThan(0);
    for (const s of dropped) s.conn.close();
    const beforeDrop = Number(await page.locator('#energy-kwh').getAttribute('data-wh'));
    await eventually(async () => Number(await page.locator('#energy-kwh').getAttribute('data-wh')) > beforeDrop + 5, 15_000, 'updates after reconnecting');
    expect(await page.locator('#connection-banner').count()).toBe(0);
    expect([...pp.realtime.io.sockets.sockets.values()].some((s) => !dropped.includes(s) || s.recovered)).toBe(true);

    await stopCharging(page);
    await eventually(async () => (await state(page)) === 'completed', 20_000, 'completed');
    await page.locator('#receipt').waitFor();
    const cost = await ore(page, '#receipt-cost');
    const captured = await ore(page, '#receipt-captured');
    const released = await ore(page, '#receipt-released');
    expect(cost).toBeGreaterThan(0);
    expect(captured).toBe(cost);
    expect(released).toBe(35000 - cost);

    const record = await pp.sandboxPayment(`plugpay-${id}`);
    expect(record.state).toBe('AUTHORIZED');
    expect(record.aggregate.authorizedAmount.value).toBe(35000);
    expect(record.aggregate.capturedAmount.value).toBe(captured);
    expect(record.aggregate.cancelledAmount.value).toBe(released);
    await page.close();
  });

  it('shows a clear message and charges nothing when the driver rejects in the app', async () => {
    const page = await reserve('OSL-GRO-01-2', { preset: 20000 });
    await page.click('#reject');
    const id = await sessionIdOf(page);
    await eventually(async () => (await state(page)) === 'failed', 15_000, 'failed');
    expect(await page.locator('#session-message').textContent()).toMatch(/declined/i);
    const record = await pp.sandboxPayment(`plugpay-${id}`);
    expect(record.state).toBe('ABORTED');
    expect(record.aggregate.capturedAmount.value).toBe(0);
    await page.close();
  });

  it('releases the reservation and says why when the charger refuses to start', async () => {
    await pp.addCharger('TEST-REFUSE', { behaviour: { rejectRemoteStart: true } });
    const page = await reserve('TEST-REFUSE-1');
    await page.click('#approve');
    const id = await sessionIdOf(page);
    await eventually(async () => (await state(page)) === 'failed', 15_000, 'failed');
    expect(await page.locator('#session-message').textContent()).toMatch(/refused/i);
    await eventually(async () => (await pp.sandboxPayment(`plugpay-${id}`)).aggregate.cancelledAmount.value === 35000, 15_000, 'release');
    expect((await pp.sandboxPayment(`plugpay-${id}`)).aggregate.capturedAmount.value).toBe(0);
    await page.close();
  });

  it('bills what the charger measured when the driver stops at the charger', async () => {
    const sim = await pp.addCharger('TEST-BUTTON');
    const page = await reserve('TEST-BUTTON-1');
    await page.click('#approve');
    const id = await sessionIdOf(page);
    await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
    await eventually(() => sim.meterWh(1) > 10, 15_000, 'energy');
    sim.pressStop(1);
    await eventually(async () => (await state(page)) === 'completed', 20_000, 'completed');
    const captured = await ore(page, '#receipt-captured');
    const record = await pp.sandboxPayment(`plugpay-${id}`);
    expect(record.aggregate.capturedAmount.value).toBe(captured);
    expect(record.aggregate.capturedAmount.value + record.aggregate.cancelledAmount.value).toBe(35000);
    await page.close();
  });

  it('stops by itself before the cost can pass a small reservation', async () => {
    // A fast charger and a car that takes 350 kW: 5 kr lasts a few seconds at 3.49 kr/kWh.
    await pp.addCharger('TEST-AUTO', { connectors: [{ maxPowerW: 350000 }], car: { maxPowerW: 350000, capacityKWh: 100, startSocPercent: 10 } });
    const page = await reserve('TEST-AUTO-1', { customKr: '5' });
    await page.click('#approve');
    const id = await sessionIdOf(page);
    await eventually(async () => (await state(page)) === 'completed', 40_000, 'completed');
    const captured = await ore(page, '#receipt-captured');
    expect(captured).toBeGreaterThan(0);
    expect(captured).toBeLessThanOrEqual(500);
    const s = (await pp.charging.sessionView(id, new URL(page.url()).searchParams.get('t') ?? undefined).catch(() => null)) ?? null;
    if (s) expect(s.stopReason).toBe('auto-stop');
    const record = await pp.sandboxPayment(`plugpay-${id}`);
    expect(record.aggregate.capturedAmount.value).toBe(captured);
    expect(record.aggregate.capturedAmount.value + record.aggregate.cancelledAmount.value).toBe(500);
    await page.close();
  });
});

/**
 * The operator console in a real browser (Chromium via playwright-core) against a whole plugpay
 * with its simulated demo fleet: signing in (and being kept out without it), CSRF on forms, the
 * account lock, the live map, and a remote stop from the station panel that settles the money.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { io as ioClient } from 'socket.io-client';
import { StaffAccounts } from '../../server/operators/staff-accounts.js';
import { silentLogger } from '../../server/log.js';
import { systemClock } from '../../server/sessions/ports.js';
import { demoStations, demoTariffs } from '../../server/sim/demo.js';
import { registerCharger } from '../../server/chargers/registration.js';
import { StationRepository } from '../../server/store/station-repository.js';
import { eventually, startTestPlugpay, type TestPlugpay } from '../helpers/plugpay.js';
import { revealStation, signInOperator, stationsOnMap } from '../helpers/operator-browser.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let pp: TestPlugpay;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`);
  pp = await startTestPlugpay();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pp?.stop();
});

/** Asks to join the operators' room from Node, with the cookies given; resolves with the ack. */
async function joinOperators(cookie?: string, origin?: string): Promise<{ ok: boolean }> {
  const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) };
  const socket = ioClient(pp.url, { transports: ['websocket'], extraHeaders: headers, reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return (await socket.timeout(10_000).emitWithAck('operator:join', {})) as { ok: boolean };
  } finally {
    socket.close();
  }
}

describe('signing in', () => {
  it('keeps everyone out of the console, its API and its socket room until they sign in', async () => {
    const page = await browser.newPage();
    await page.goto(`${pp.url}/operator`);
    expect(new URL(page.url()).pathname).toBe('/operator/login');
    expect(await page.locator('#station-panel').count()).toBe(0);
    expect((await fetch(`${pp.url}/api/operator/stations`)).status).toBe(403);
    expect((await fetch(`${pp.url}/operator/sessions`, { redirect: 'manual' })).status).toBe(303);
    expect(await joinOperators()).toMatchObject({ ok: false });
    expect(await joinOperators('pp_staff=made-up-session')).toMatchObject({ ok: false });

    await signInOperator(page, pp);
    const cookies = await page.context().cookies();
    const staff = cookies.find((c) => c.name === 'pp_staff');
    expect(staff).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await joinOperators(`pp_staff=${staff!.value}`)).toMatchObject({ ok: true });
    expect(await joinOperators(`pp_staff=${staff!.value}`, pp.url)).toMatchObject({ ok: true });
    // Another site's page cannot ride on the cookie (cross-site WebSocket hijacking).
    expect(await joinOperators(`pp_staff=${staff!.value}`, 'https://evil.example')).toMatchObject({ ok: false });
    expect((await fetch(`${pp.url}/api/operator/stations`, { headers: { cookie: `pp_staff=${staff!.value}` } })).status).toBe(200);
    await page.close();
  });

  it('refuses a form posted without its CSRF token, and changes nothing', async () => {
    const page = await browser.newPage();
    // The sign-in form itself: without the token, even the right password does not sign in.
    // Once the page's script has run: hydrating a page whose token was already taken out put it back.
    await page.goto(`${pp.url}/operator/login`, { waitUntil: 'networkidle' });
    await page.locator('#sign-in-form input[name="csrf"]').evaluate((el) => el.remove());
    await page.fill('#username', pp.demoLogin!.username);
    await page.fill('#password', pp.demoLogin!.password);
    expect(await page.locator('#sign-in-form input[name="csrf"]').count()).toBe(0);
    const refused = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.click('#login-button');
    expect((await refused).status()).toBe(403);
    expect((await page.context().cookies()).some((c) => c.name === 'pp_staff')).toBe(false);

    // Signed in, the sign-out form without its token is refused and the session stays.
    await signInOperator(page, pp);
    await page.waitForLoadState('networkidle');
    await page.locator('.console-nav input[name="csrf"]').evaluate((el) => el.remove());
    expect(await page.locator('.console-nav input[name="csrf"]').count()).toBe(0);
    const signOut = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.click('#sign-out');
    expect((await signOut).status()).toBe(403);
    await page.goto(`${pp.url}/operator`);
    expect(new URL(page.url()).pathname).toBe('/operator');
    await page.close();
  });

  it('locks an account for a while after ten wrong passwords', async () => {
    await new StaffAccounts({ db: pp.db, clock: systemClock, logger: silentLogger }).add({ username: 'lock-me', password: 'the right password', role: 'operator' });
    const page = await browser.newPage();
    await page.goto(`${pp.url}/operator/login`);
    for (let i = 1; i <= 10; i++) {
      await page.fill('#username', 'lock-me');
      await page.fill('#password', `wrong password ${i}`);
      await page.click('#login-button');
      await page.locator('#login-error').waitFor();
      await eventually(async () => (await page.locator('#password').inputValue()) === '', 5_000, 'the form to come back');
    }
    expect(await page.locator('#login-error').getAttribute('data-locked')).toBe('true');
    await page.fill('#username', 'lock-me');
    await page.fill('#password', 'the right password');
    await page.click('#login-button');
    await eventually(async () => (await page.locator('#login-error').textContent())?.includes('locked'), 5_000, 'the lock message');
    expect(new URL(page.url()).pathname).toBe('/operator/login');
    await page.close();
  });
});

describe('the live map', () => {
  it('shows the simulated fleet, recolours a marker when a session starts, and stops it from the panel with the money settled', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    await signInOperator(page, pp);
    await page.locator('#operator-map[data-ready="true"]').waitFor();
    await eventually(async () => (await stationsOnMap(page)) === demoStations.length, 15_000, 'every demo station on the map');

    const pin = await revealStation(page, 'oslo-gronland');
    await eventually(async () => (await pin.getAttribute('data-status')) === 'available', 20_000, 'station available');

    await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-1'))?.available, 15_000, 'connector available');
    const started = await pp.charging.startSession({ connectorId: 'OSL-GRO-01-1', amountOre: 35000 });
    await pp.sandboxApprove(`plugpay-${started.sessionId}`);
    await eventually(async () => (await pin.getAttribute('data-status')) === 'charging', 20_000, 'the marker to turn to charging');

    const row = page.locator(`#station-panel [data-session-id="${started.sessionId}"]`);
    await row.waitFor();
    // Something to capture: the first reading comes at once (TriggerMessage), before any cost.
    await eventually(async () => (await pp.charging.sessionView(started.sessionId, started.token)).costOre > 0, 20_000, 'a cost to capture');
    await page.locator(`#station-panel [data-connector-id="OSL-GRO-01-1"] [data-action="stop-session"]`).click();
    await page.locator('#panel-message').waitFor();

    const view = await eventually(async () => {
      const v = await pp.charging.sessionView(started.sessionId, started.token);
      return v.state === 'completed' ? v : undefined;
    }, 30_000, 'the session to complete');
    expect(view.stopReason).toBe('operator');
    const receipt = view.receipt!;
    expect(receipt.capturedOre).toBeGreaterThan(0);
    expect(receipt.capturedOre + receipt.releasedOre).toBe(35000);
    const record = await eventually(async () => {
      const r = await pp.sandboxPayment(`plugpay-${started.sessionId}`);
      return r.aggregate.capturedAmount.value === receipt.capturedOre && r.aggregate.cancelledAmount.value === receipt.releasedOre ? r : undefined;
    }, 20_000, 'the sandbox to hold the capture and the release');
    expect(record.aggregate.authorizedAmount.value).toBe(35000);
    await eventually(async () => (await pin.getAttribute('data-status')) !== 'charging', 20_000, 'the marker to leave charging');

    // The operator finds it in the sessions list, with its payment timeline and receipt.
    await page.goto(`${pp.url}/operator/sessions?station=oslo-gronland&state=completed`);
    await page.locator(`[data-session-row="${started.sessionId}"] a`).click();
    await page.waitForURL(new RegExp(`/operator/sessions/${started.sessionId}$`));
    const kinds = await page.locator('#payment-timeline li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds[0]).toBe('created');
    expect(kinds).toContain('authorized');
    expect(kinds).toContain('settled');
    expect(Number(await page.locator('#payment-timeline li[data-kind="settled"] [data-ore]').getAttribute('data-ore'))).toBe(receipt.capturedOre);
    expect(Number(await page.locator('#receipt-captured').getAttribute('data-ore'))).toBe(receipt.capturedOre);
    expect(await page.locator('#meter-chart').count()).toBe(1);

    // And the accountant's CSV has it, in kroner.
    const staff = (await page.context().cookies()).find((c) => c.name === 'pp_staff')!;
    const csv = await (await fetch(`${pp.url}/operator/sessions.csv?station=oslo-gronland`, { headers: { cookie: `pp_staff=${staff.value}` } })).text();
    const line = csv.split('\r\n').find((l) => l.startsWith(started.sessionId));
    expect(line).toContain(`,${(receipt.capturedOre / 100).toFixed(2)},`);
    expect((await fetch(`${pp.url}/operator/sessions.csv`, { redirect: 'manual' })).status).toBe(303);
    await page.close();
  }, 180_000);
});

describe('a fleet of fifty', () => {
  it('lets every station be seen and clicked, however close they stand', async () => {
    // 46 more stations packed into a few Oslo blocks, each with a (not connected) charger.
    const stations = new StationRepository();
    for (let i = 1; i <= 46; i++) {
      const id = `oslo-block-${i}`;
      await stations.upsertStation(pp.db, { id, name: `Oslo block ${i}`, address: `Storgata ${i}`, city: 'Oslo', lat: 59.913 + (i % 7) * 0.0008, lng: 10.75 + Math.floor(i / 7) * 0.0012, tariffId: demoTariffs[1].id });
      await registerCharger(pp.db, { id: `OSL-BLK-${i}`, password: 'block-charger-password', connectors: 1, stationId: id });
    }
    const total = (await stations.stations(pp.db)).length;
    expect(total).toBeGreaterThanOrEqual(50);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInOperator(page, pp);
    await eventually(async () => (await stationsOnMap(page)) === total, 20_000, 'every station accounted for on the map');
    // The list is in natural order: block 2 before block 10.
    const names = await page.locator('#station-table [data-row-station-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row-station-id')));
    expect(names.indexOf('oslo-block-2')).toBeLessThan(names.indexOf('oslo-block-10'));
    for (const i of [3, 17, 40]) {
      const pin = await revealStation(page, `oslo-block-${i}`);
      await page.locator('#station-panel .close').click();
      await pin.click();
      await eventually(async () => (await page.locator('#station-panel h2').textContent()) === `Oslo block ${i}`, 10_000, `the panel of block ${i}`);
      expect(await pin.getAttribute('data-status')).toBe('offline');
    }
    await page.close();
  }, 120_000);
});

describe('stations, tariffs and stickers', () => {
  it('adds a tariff and a station, registers a charger, and prints its stickers made through the QR API', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInOperator(page, pp);
    await page.goto(`${pp.url}/operator/setup`);

    await page.fill('#tariff-form [name="id"]', 'depot-dc');
    await page.fill('#tariff-form [name="pricePerKwh"]', '4,99');
    await page.fill('#tariff-form [name="startFee"]', '5');
    await page.fill('#tariff-form [name="idleFeePerMinute"]', '1,50');
    await page.fill('#tariff-form [name="idleGraceMinutes"]', '20');
    await page.click('#tariff-form button');
    await page.locator('#tariff-message').waitFor();
    expect(await page.locator('#tariff-message').textContent()).toContain('saved');

    await page.fill('#station-form [name="id"]', 'tromso-depot');
    await page.fill('#station-form [name="name"]', 'Tromsø depot');
    await page.fill('#station-form [name="address"]', 'Storgata 1, 9008 Tromsø');
    await page.fill('#station-form [name="city"]', 'Tromsø');
    await page.fill('#station-form [name="lat"]', '69.6492');
    await page.fill('#station-form [name="lng"]', '18.9553');
    await page.selectOption('#station-form [name="tariffId"]', 'depot-dc');
    await page.click('#station-form button');
    await page.locator('#station-message').waitFor();
    expect(await page.locator('#station-message').textContent()).toContain('saved');

    await page.fill('#charger-form [name="id"]', 'TOS-DEP-01');
    await page.fill('#charger-form [name="password"]', 'a-long-ocpp-password');
    await page.fill('#charger-form [name="connectors"]', '2');
    await page.selectOption('#charger-form [name="stationId"]', 'tromso-depot');
    await page.fill('#charger-form [name="maxPowerKw"]', '50');
    await page.click('#charger-form button');
    await page.locator('#charger-message').waitFor();
    expect(await page.locator('#charger-message').textContent()).toContain('TOS-DEP-01-1');
    expect((await pp.db.query('select price_per_kwh_ore, start_fee_ore, idle_fee_per_minute_ore from tariffs where id = $1', ['depot-dc'])).rows[0]).toEqual({
      price_per_kwh_ore: 499,
      start_fee_ore: 500,
      idle_fee_per_minute_ore: 150
    });

    await page.goto(`${pp.url}/operator/stickers?station=tromso-depot`);
    const stickers = page.locator('#sticker-sheet figure');
    expect(await stickers.count()).toBe(2);
    const first = page.locator('#sticker-sheet figure[data-connector-id="TOS-DEP-01-1"]');
    expect(await first.getAttribute('data-qr-id')).toBe('plugpay-TOS-DEP-01-1');
    expect(await first.textContent()).toMatch(/4,99 per kWh/);
    expect(await first.textContent()).toMatch(/Start fee kr.5,00/);
    // The image comes from the QR API, and its code leads to the connector's landing page.
    const src = await first.locator('img').getAttribute('src');
    expect(src).toMatch(/\/sandbox\/vipps\/qr-image\/merchant-redirect\/.+\.svg$/);
    expect(await first.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const sandboxApi = await fetch(`${pp.url}/sandbox/vipps/qr/r/${pp.config.vipps.merchantSerialNumber}/plugpay-TOS-DEP-01-1`, { redirect: 'manual' });
    expect(sandboxApi.status).toBe(302);
    expect(sandboxApi.headers.get('location')).toBe(`${pp.url}/c/TOS-DEP-01-1`);

    await page.close();
  }, 120_000);

  it('keeps setup to admins', async () => {
    await new StaffAccounts({ db: pp.db, clock: systemClock, logger: silentLogger }).add({ username: 'plain-operator', password: 'operator password', role: 'operator' });
    const page = await browser.newPage();
    await signInOperator(page, pp, { username: 'plain-operator', password: 'operator password' });
    const res = await page.goto(`${pp.url}/operator/setup`);
    expect(res?.status()).toBe(403);
    await page.close();
  }, 60_000);
});


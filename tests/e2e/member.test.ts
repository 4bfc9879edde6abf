/**
 * Pay-as-you-go in a real browser (Chromium via playwright-core) against a whole plugpay: become a
 * member from the landing page with the sandbox's Vipps Login, accept the daily agreement in the
 * sandbox's app page, charge twice with no reservation, move the clocks a day on and run the
 * daily job, and find ONE captured charge at the sandbox whose receipt lists both sessions; the
 * member page shows it. Then: the member stops the agreement in the app, and the page follows.
 * Also: a session stopped at the day's limit, and a failed charge that blocks member starts until
 * it is paid with a one-off payment.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoChargers } from '../../server/sim/demo.js';
import { movableClock, sandboxApis } from '../helpers/member.js';
import { eventually, startTestPlugpay, type TestPlugpay } from '../helpers/plugpay.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DAY = 86_400_000;
const clock = movableClock();

let pp: TestPlugpay;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`);
  pp = await startTestPlugpay({ MEMBER_SCHEDULER: 'false', MEMBER_DAILY_CHARGE_TIME: '00:00', MEMBER_LIMIT_PRESETS_ORE: '500,150000,300000' }, { clock, demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pp?.stop();
});

const state = (page: Page) => page.locator('#session-state').getAttribute('data-state');

/** From the landing page: "Start charging" (no reservation), let it charge, stop; back to the landing page. */
async function chargeAsMember(page: Page, connectorId: string, minWh: number): Promise<string> {
  await eventually(async () => (await pp.charging.connectorView(connectorId))?.available, 15_000, 'connector available');
  await page.goto(`${pp.url}/c/${connectorId}`);
  await page.locator('#member-start').click();
  await page.waitForURL(/\/s\/[0-9a-f]+/);
  const id = new URL(page.url()).pathname.split('/').pop()!;
  await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
  await eventually(async () => Number(await page.locator('#energy-kwh').getAttribute('data-wh')) >= minWh, 30_000, 'energy');
  await page.click('#stop-button');
  await page.click('#stop-confirm-yes'); // Stop asks first (a mis-tap costs an unplug and a new start)
  await eventually(async () => (await state(page)) === 'completed', 20_000, 'completed');
  // No reservation, nothing released: the cost goes on the day's charge.
  await page.locator('#receipt-member').waitFor();
  expect(await page.locator('#receipt-released').count()).toBe(0);
  return id;
}

describe('a member in the browser', () => {
  it('signs up with Login, accepts the agreement, charges twice, and finds one captured charge listing both sessions', async () => {
    await pp.addCharger('E2E-MEM', { connectors: [{ maxPowerW: 350000 }], car: { maxPowerW: 350000, capacityKWh: 100, startSocPercent: 10 } });
    await eventually(async () => (await pp.charging.connectorView('E2E-MEM-1'))?.available, 15_000, 'connector available');
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${pp.url}/c/E2E-MEM-1`);
    await page.locator('#become-member').click();

    // The sandbox's Vipps Login: pick the first test user.
    await page.waitForURL(/\/sandbox\/vipps\/access-management-1\.0\/access\/oauth2\/auth/);
    await page.click('#user-0');
    await page.waitForURL(/\/c\/E2E-MEM-1/);
    await page.locator('#member-panel[data-member="none"]').waitFor();
    expect(await page.locator('#member-start').count()).toBe(0);

    // The member page: pick the 1 500 kr limit and accept in the app.
    await page.goto(`${pp.url}/member`);
    await page.locator('#member-name').waitFor();
    expect((await page.locator('#member-name').textContent())?.trim()).toBe('Kari Nordmann');
    await page.locator('[data-testid="limit-150000"]').click();
    await page.click('#join-button');
    await page.waitForURL(/\/sandbox\/vipps\/app\/agreements\//);
    expect(await page.locator('#max-amount').inputValue()).toBe('1500');
    await page.click('#accept');
    await page.waitForURL(/\/member/);
    await eventually(async () => (await page.locator('#agreement-state').getAttribute('data-state')) === 'active', 15_000, 'agreement active');
    expect(Number(await page.locator('#today-limit').getAttribute('data-ore'))).toBe(150000);

    const first = await chargeAsMember(page, 'E2E-MEM-1', 400);
    const second = await chargeAsMember(page, 'E2E-MEM-1', 400);
    // No reservation was made for either.
    await expect(pp.sandboxPayment(`member-${first}`)).rejects.toThrow();

    // The next morning: the daily job runs; Vipps takes the money on the due date, the day after.
    // The sandbox keeps plugpay's clock, so moving that clock moves Vipps's day too (an extra
    // sandbox-only day here would stay ahead for the rest of the file).
    clock.advance(DAY);
    await pp.membership.scheduler.tick();
    clock.advance(DAY);
    await eventually(async () => {
      await pp.membership.scheduler.tick();
      return (await pp.db.query<{ status: string }>('select status from member_charges')).rows[0]?.status === 'charged';
    }, 20_000, 'charge captured');

    const rows = (await pp.db.query<{ agreement_id: string; vipps_charge_id: string; amount_ore: number }>('select agreement_id, vipps_charge_id, amount_ore from member_charges')).rows;
    expect(rows).toHaveLength(1);
    const vipps = sandboxApis(pp);
    const charges = await vipps.recurring.getCharge(rows[0]!.agreement_id, rows[0]!.vipps_charge_id);
    expect(charges).toMatchObject({ status: 'CHARGED', amount: rows[0]!.amount_ore, summary: { captured: rows[0]!.amount_ore } });
    const order = await vipps.orderManagement.getOrder('RECURRING', rows[0]!.vipps_charge_id);
    expect(order.receipt!.orderLines.map((l) => l.id).sort()).toEqual([first, second].sort());
    expect(order.receipt!.orderLines.reduce((s, l) => s + l.totalAmount, 0)).toBe(rows[0]!.amount_ore);

    // The member page shows the paid day with both sessions.
    await page.goto(`${pp.url}/member`);
    const charge = page.locator('#charges .charge');
    await charge.first().waitFor();
    expect(await charge.count()).toBe(1);
    await eventually(async () => (await charge.getAttribute('data-state')) === 'charged', 10_000, 'page shows paid');
    expect((await charge.locator('[data-session-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id')))).sort()).toEqual([first, second].sort());

    // The member stops the agreement in the app: the member page follows, and starts are refused.
    await page.goto((await pp.db.query<{ confirmation_url: string }>('select confirmation_url from member_agreements')).rows[0]!.confirmation_url);
    await page.click('#stop');
    await page.goto(`${pp.url}/member`);
    await eventually(async () => (await page.locator('#agreement-state').getAttribute('data-state')) === 'stopped', 15_000, 'member page follows the stop');
    await eventually(async () => (await pp.charging.connectorView('E2E-MEM-1'))?.available, 15_000, 'connector available');
    await page.goto(`${pp.url}/c/E2E-MEM-1`);
    await page.locator('#member-blocked[data-reason="agreement-ended"]').waitFor();
    expect(await page.locator('#member-start').count()).toBe(0);
    // The other way on: pay this session with a reservation.
    await page.locator('#pay-button').waitFor();
    await page.close();
  }, 240_000);

  it('is stopped before the day passes a small limit, told why, and offered the two ways on', async () => {
    await pp.addCharger('E2E-LIM', { connectors: [{ maxPowerW: 350000 }], car: { maxPowerW: 350000, capacityKWh: 100, startSocPercent: 10 } });
    const page = await signUp(1, 500);
    await eventually(async () => (await pp.charging.connectorView('E2E-LIM-1'))?.available, 15_000, 'connector available');
    await page.goto(`${pp.url}/c/E2E-LIM-1`);
    await page.locator('#member-start').click();
    await page.waitForURL(/\/s\/[0-9a-f]+/);
    await eventually(async () => (await state(page)) === 'completed', 40_000, 'stopped by itself');
    await page.locator('#limit-stop').waitFor();
    const cost = Number(await page.locator('#receipt-member').getAttribute('data-ore'));
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeLessThanOrEqual(500);

    await eventually(async () => (await pp.charging.connectorView('E2E-LIM-1'))?.available, 15_000, 'connector available');
    await page.goto(`${pp.url}/c/E2E-LIM-1`);
    await page.locator('#member-blocked[data-reason="limit-reached"]').waitFor();
    expect(await page.locator('#member-start').count()).toBe(0);
    expect(await page.locator('#member-raise-limit').getAttribute('href')).toBe('/member');
    await page.locator('#pay-button').waitFor();
    await page.close();
  }, 120_000);

  it('cannot start as a member after a failed daily charge, until it is paid with a one-off payment', async () => {
    await pp.addCharger('E2E-DEBT', { connectors: [{ maxPowerW: 350000 }], car: { maxPowerW: 350000, capacityKWh: 100, startSocPercent: 10 } });
    // The third test user has no funds: every Recurring charge of theirs fails after its retries.
    const page = await signUp(2, 150000);
    await chargeAsMember(page, 'E2E-DEBT-1', 400);
    clock.advance(DAY);
    await pp.membership.scheduler.tick();
    pp.sandbox!.advanceRecurringClock(4 * DAY);
    await eventually(async () => {
      await pp.membership.scheduler.tick();
      return (await pp.db.query<{ status: string }>(`select c.status from member_charges c join members m on m.id = c.member_id where m.phone_number = '4790000000'`)).rows[0]?.status === 'failed';
    }, 20_000, 'charge failed');

    await eventually(async () => (await pp.charging.connectorView('E2E-DEBT-1'))?.available, 15_000, 'connector available');
    await page.goto(`${pp.url}/c/E2E-DEBT-1`);
    await page.locator('#member-blocked[data-reason="debt"]').waitFor();
    expect(await page.locator('#member-start').count()).toBe(0);
    await page.click('#member-pay-debt');
    await page.waitForURL(/\/member/);
    await page.locator('#blocked[data-reason="debt"]').waitFor();
    await page.click('#pay-debt');
    await page.waitForURL(/\/sandbox\/vipps\/app\/payments\//);
    await page.click('#approve');
    await page.waitForURL(/\/member\?paid=/);
    await eventually(async () => (await page.locator('#charges .charge').getAttribute('data-state')) === 'settled', 20_000, 'debt settled');
    expect(await page.locator('#blocked').count()).toBe(0);

    // Captured in full at the sandbox, once.
    const ref = (await pp.db.query<{ debt_reference: string; amount_ore: number }>(`select debt_reference, amount_ore from member_charges where status = 'settled'`)).rows[0]!;
    const payment = await pp.sandboxPayment(ref.debt_reference);
    expect(payment.aggregate.capturedAmount.value).toBe(ref.amount_ore);
    await page.goto(`${pp.url}/c/E2E-DEBT-1`);
    await page.locator('#member-start').waitFor();
    await page.close();
  }, 180_000);
});

/** A new browser (its own cookies): sign in as test user `user`, accept a daily limit of `limitOre` in the app. */
async function signUp(user: number, limitOre: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${pp.url}/member`);
  await page.click('#member-signin');
  await page.waitForURL(/\/oauth2\/auth/);
  await page.click(`#user-${user}`);
  await page.waitForURL(/\/member/);
  await page.locator(`[data-testid="limit-${limitOre}"]`).click();
  await page.click('#join-button');
  await page.waitForURL(/\/sandbox\/vipps\/app\/agreements\//);
  await page.click('#accept');
  await page.waitForURL(/\/member/);
  await eventually(async () => (await page.locator('#agreement-state').getAttribute('data-state')) === 'active', 15_000, 'agreement active');
  return page;
}

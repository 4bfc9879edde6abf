/**
 * The cashier's counter in a real browser (Chromium via playwright-core) against a whole plugpay
 * and its Vipps MobilePay sandbox: sign in, "scan" the customer's personal QR as a keyboard-wedge
 * scanner types it, sell a coffee and a cable (15 % and 25 % VAT), the customer approves in the
 * sandbox app and the sale is captured with the right receipt; then the reject and expiry paths,
 * which capture nothing; then a connector started from the counter for a customer's phone number,
 * which captures only what was used and releases the rest.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { silentLogger } from '../../server/log.js';
import { StaffAccounts } from '../../server/operators/staff-accounts.js';
import { demoChargers } from '../../server/sim/demo.js';
import { eventually, startTestPlugpay, type TestPlugpay } from '../helpers/plugpay.js';
import { writeQrVideo } from '../helpers/qr-video.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'counter-e2e-operator-token';
const PHONE = '4791234567';

let pp: TestPlugpay;
let browser: Browser;
let cashier: Page;
let phone: Page;

async function addItem(name: string, priceOre: number, vatRateBp: number) {
  const res = await fetch(`${pp.url}/api/pos/catalogue`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, priceOre, vatRateBp })
  });
  if (res.status !== 201) throw new Error(`catalogue: ${res.status}`);
  return ((await res.json()) as { id: string }).id;
}

const saleState = () => cashier.locator('#sale').getAttribute('data-state');
const waitForSale = (state: string) => eventually(async () => (await saleState()) === state, 20_000, `sale ${state}`);
/** The reference of the request waiting in the customer's app (the newest one). */
async function waitingRequest(msisdn = PHONE): Promise<string> {
  return eventually(
    async () => {
      await phone.goto(`${pp.url}/sandbox/vipps/app/phone/${msisdn}`);
      return phone.locator('.request[data-state="CREATED"]').first().getAttribute('data-reference', { timeout: 500 }).catch(() => null);
    },
    15_000,
    'a request in the app'
  );
}

/** A cashier's own account (the counter takes the cashier role or above). */
const CASHIER = { username: 'cashier-ola', password: 'counter-password-1', displayName: 'Ola', role: 'cashier' as const };

/** Signs a page in with the cashier's account, then opens `path` (the till is in its query). */
async function signInAtCounter(page: Page, path: string): Promise<void> {
  await page.goto(`${pp.url}/operator/login?next=/pos`);
  await page.fill('#username', CASHIER.username);
  await page.fill('#password', CASHIER.password);
  await page.click('#login-button');
  await page.waitForURL(/\/pos$/);
  await page.goto(`${pp.url}${path}`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`);
  pp = await startTestPlugpay({ OPERATOR_TOKEN: TOKEN }, { demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
  await new StaffAccounts({ db: pp.db, clock: { now: () => new Date() }, logger: silentLogger }).add(CASHIER);
  await addItem('Coffee', 4500, 1500);
  await addItem('Type 2 cable', 189900, 2500);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
  cashier = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pp?.stop();
});

describe('a sale at the counter', () => {
  it('a cashier signs in, scans a personal QR, sells a coffee and a cable, the customer approves, the sale is captured', async () => {
    // Not signed in: the counter sends the cashier to the staff sign-in, and back.
    await cashier.goto(`${pp.url}/pos?till=kiosk-1`);
    await cashier.waitForURL(/\/operator\/login\?next=%2Fpos$/);
    await cashier.fill('#username', CASHIER.username);
    await cashier.fill('#password', 'not-the-password');
    await cashier.click('#login-button');
    await cashier.locator('#login-error').waitFor();
    await signInAtCounter(cashier, '/pos?till=kiosk-1');
    await cashier.locator('#scan-input').waitFor();
    expect(await cashier.locator('#till-id').textContent()).toBe('kiosk-1');

    // The customer shows "My QR code"; the cashier's wedge scanner types its content and Enter.
    await phone.goto(`${pp.url}/sandbox/vipps/app/phone/${PHONE}`);
    const code = (await phone.locator('#personal-qr-content').textContent())!;
    expect(await phone.locator('#personal-qr svg').count()).toBe(1);
    await cashier.focus('#scan-input');
    await cashier.keyboard.type(code, { delay: 5 });
    await cashier.keyboard.press('Enter');
    await eventually(async () => (await cashier.locator('#customer-masked').textContent()) === '+47 •• •• 45 67', 10_000, 'customer identified');
    expect(await cashier.inputValue('#scan-input')).toBe('');

    await cashier.click('.item:has-text("Coffee")');
    await cashier.click('.item:has-text("Coffee")');
    await cashier.click('.item:has-text("Type 2 cable")');
    expect(await cashier.locator('#basket-total').textContent()).toBe('1\u00a0989,00\u00a0kr');
    await cashier.click('#send-button');
    await waitForSale('waiting');
    expect(await cashier.locator('#sale-status').textContent()).toBe('Waiting for the customer');
    expect(await cashier.locator('#cancel-sale').count()).toBe(1);

    // The request reaches the customer's app with the receipt and its VAT per rate.
    const reference = await waitingRequest();
    const request = phone.locator(`.request[data-reference="${reference}"]`);
    expect(await request.locator('[data-vat-rate="2500"]').textContent()).toBe('VAT 25 %: 379,80\u00a0kr');
    expect(await request.locator('[data-vat-rate="1500"]').textContent()).toBe('VAT 15 %: 11,74\u00a0kr');
    await phone.click(`#approve-${reference}`);

    await waitForSale('captured');
    expect(await cashier.locator('#sale-status').textContent()).toBe('Paid');
    expect(await cashier.locator('#sale [data-line]').allTextContents()).toEqual(['Coffee × 215 %90,00\u00a0kr', 'Type 2 cable25 %1\u00a0899,00\u00a0kr']);
    expect(await cashier.locator('#sale [data-vat-rate="2500"]').textContent()).toContain('379,80');
    expect(await cashier.locator('#sale [data-vat-rate="1500"]').textContent()).toContain('11,74');

    // Vipps: the full amount captured, once; the receipt's lines carry their own rates.
    const vipps = await pp.sandboxPayment(reference);
    expect(vipps.aggregate.capturedAmount.value).toBe(198900);
    const p = Object.values(pp.sandbox!.state.payments).find((x) => x.reference === reference)!;
    expect(p).toMatchObject({ userFlow: 'PUSH_MESSAGE', customerInteraction: 'CUSTOMER_PRESENT', customer: { personalQr: code } });
    const receipt = pp.sandbox!.state.orders[`${p.msn}:ECOM:${reference}`]!.initialReceipt as { orderLines: { name: string; taxRate: number; totalAmount: number; totalTaxAmount: number }[]; bottomLine: { posId: string } };
    expect(receipt.orderLines.map((l) => [l.name, l.taxRate, l.totalAmount, l.totalTaxAmount])).toEqual([
      ['Coffee', 1500, 9000, 1174],
      ['Type 2 cable', 2500, 189900, 37980]
    ]);
    expect(receipt.bottomLine.posId).toBe('kiosk-1');
    await phone.goto(`${pp.url}/sandbox/vipps/app/phone/${PHONE}`);
    expect(await phone.locator(`.request[data-reference="${reference}"]`).getAttribute('data-state')).toBe('AUTHORIZED');

    await cashier.click('#next-sale');
    await cashier.locator('#basket-empty').waitFor();
  });

  it('a rejected request shows clearly and captures nothing', async () => {
    await cashier.fill('#phone-input', '912 34 567');
    await cashier.click('#phone-button');
    await cashier.locator('#customer-masked').waitFor();
    await cashier.click('.item:has-text("Coffee")');
    await cashier.click('#send-button');
    await waitForSale('waiting');
    const reference = await waitingRequest();
    await phone.click(`#reject-${reference}`);
    await waitForSale('rejected');
    expect(await cashier.locator('#sale-status').textContent()).toBe('The customer rejected the payment');
    const vipps = await pp.sandboxPayment(reference);
    expect(vipps.state).toBe('ABORTED');
    expect(vipps.aggregate.capturedAmount.value).toBe(0);
    // Back to the same basket and customer, to try again.
    await cashier.click('#next-sale');
    expect(await cashier.locator('#customer-masked').textContent()).toBe('+47 •• •• 45 67');
  });

  it('an expired request shows clearly and captures nothing', async () => {
    await cashier.click('#send-button');
    await waitForSale('waiting');
    const reference = await waitingRequest();
    // The customer never answers: the request's time runs out in the sandbox.
    const p = Object.values(pp.sandbox!.state.payments).find((x) => x.reference === reference)!;
    p.expiresAt = new Date(Date.now() - 1000).toISOString();
    await waitForSale('expired');
    expect(await cashier.locator('#sale-status').textContent()).toBe('The payment request expired');
    const vipps = await pp.sandboxPayment(reference);
    expect(vipps.state).toBe('EXPIRED');
    expect(vipps.aggregate.capturedAmount.value).toBe(0);
  });

  it('the cashier cancels a request while waiting; nothing is captured', async () => {
    await cashier.click('#next-sale');
    await cashier.click('#send-button');
    await waitForSale('waiting');
    const reference = await waitingRequest();
    await cashier.click('#cancel-sale');
    await waitForSale('cancelled');
    expect(await cashier.locator('#sale-status').textContent()).toBe('Cancelled');
    const vipps = await pp.sandboxPayment(reference);
    expect(vipps.state).toBe('TERMINATED');
    expect(vipps.aggregate.capturedAmount.value).toBe(0);
    await phone.goto(`${pp.url}/sandbox/vipps/app/phone/${PHONE}`);
    expect(await phone.locator(`#approve-${reference}`).count()).toBe(0);
  });

  it("the customer scans their own code at the counter's tablet, and the cashier's basket picks it up", async () => {
    const tablet = await browser.newPage({ viewport: { width: 800, height: 1000 } });
    // Staff sign the tablet in once when they set it up.
    await signInAtCounter(tablet, '/pos/scan?till=kiosk-1');
    await tablet.locator('#customer-scan').waitFor();
    await cashier.click('#next-sale');
    await cashier.click('#customer button.link'); // "Change": the basket has no customer now
    expect(await cashier.locator('#customer').count()).toBe(0);
    await tablet.focus('#customer-scan');
    await tablet.keyboard.type('vipps-sandbox://personal-qr/4798765432', { delay: 5 });
    await tablet.keyboard.press('Enter');
    await tablet.locator('#scan-result').waitFor();
    expect(await tablet.locator('#scan-result').textContent()).toMatch(/The cashier has your code/);
    await eventually(async () => (await cashier.locator('#customer-masked').textContent().catch(() => null)) === '+47 •• •• 54 32', 15_000, 'the basket to pick up the code');
    await tablet.close();
  });

  it("the day's summary shows the till's sales with the VAT split", async () => {
    await cashier.goto(`${pp.url}/pos/day`);
    const till = cashier.locator('[data-till="kiosk-1"]');
    await till.waitFor();
    expect(await till.locator('[data-sales-rate="2500"]').textContent()).toContain('1\u00a0899,00');
    expect(await till.locator('[data-sales-rate="1500"]').textContent()).toContain('90,00');
    expect(await till.locator('[data-takings-gross]').getAttribute('data-takings-gross')).toBe('198900');
  });

  it('refunds part of a captured sale from the day page; the takings and Vipps follow', async () => {
    cashier.on('dialog', (d) => void d.accept());
    const row = cashier.locator('[data-sale][data-state="captured"]').first();
    const saleId = (await row.getAttribute('data-sale'))!;
    await row.locator('input.amount').fill('45');
    await row.locator('button:has-text("Refund part")').click();
    const refunded = cashier.locator(`[data-sale="${saleId}"][data-state="partly_refunded"]`);
    await refunded.waitFor();
    expect(await cashier.locator('[data-till="kiosk-1"] [data-takings-gross]').getAttribute('data-takings-gross')).toBe('194400');
    const p = Object.values(pp.sandbox!.state.payments).find((x) => x.reference === `pos-${saleId}`)!;
    expect(p.refunded).toBe(4500);
  });
});

describe('charging started at the counter', () => {
  const CUSTOMER = '4798765432';

  it('pushes the reservation to the phone, the cashier follows it live and stops it, only what was used is captured', async () => {
    await eventually(async () => (await pp.charging.connectorView('OSL-GRO-01-1'))?.available, 20_000, 'connector available');
    await cashier.goto(`${pp.url}/pos?till=kiosk-1`);
    await cashier.fill('#charging-connector', 'OSL-GRO-01-1');
    await cashier.fill('#charging-amount', '350');
    await cashier.fill('#charging-phone', '987 65 432');
    await cashier.click('#charging-start');
    const live = cashier.locator('#charging-session');
    await live.waitFor();
    expect(await live.getAttribute('data-state')).toBe('awaiting_payment');
    const sessionId = (await live.getAttribute('data-session-id'))!;
    const reference = `plugpay-${sessionId}`;

    // The reservation reaches the customer's phone (PUSH_MESSAGE, customer present), not a browser.
    expect(await waitingRequest(CUSTOMER)).toBe(reference);
    const p = Object.values(pp.sandbox!.state.payments).find((x) => x.reference === reference)!;
    expect(p).toMatchObject({ userFlow: 'PUSH_MESSAGE', customerInteraction: 'CUSTOMER_PRESENT', customer: { phoneNumber: CUSTOMER }, amount: { value: 35000 } });
    await phone.click(`#approve-${reference}`);

    await eventually(async () => (await live.getAttribute('data-state')) === 'charging', 30_000, 'charging');
    await eventually(async () => Number(await cashier.locator('#charging-cost').getAttribute('data-ore')) > 0, 30_000, 'some energy');
    await cashier.click('#charging-stop');
    await eventually(async () => (await live.getAttribute('data-state')) === 'completed', 30_000, 'completed');
    const receipt = cashier.locator('#charging-receipt');
    await receipt.waitFor();
    const captured = Number(await receipt.getAttribute('data-captured'));
    const released = Number(await receipt.getAttribute('data-released'));
    expect(captured).toBeGreaterThan(0);
    expect(captured + released).toBe(35000);

    const vipps = await pp.sandboxPayment(reference);
    expect(vipps.aggregate.capturedAmount.value).toBe(captured);
    expect(vipps.aggregate.cancelledAmount.value).toBe(35000 - captured);

    // Its receipt appears in the customer's app with its VAT.
    await eventually(
      async () => {
        await phone.goto(`${pp.url}/sandbox/vipps/app/phone/${CUSTOMER}`);
        return (await phone.locator(`.request[data-reference="${reference}"] [data-vat-rate="2500"]`).count()) === 1;
      },
      20_000,
      'the charging receipt in the app'
    );
  });

  it('refuses a phone number outside NO/DK/FI and reserves nothing', async () => {
    await cashier.goto(`${pp.url}/pos?till=kiosk-1`);
    await cashier.fill('#charging-connector', 'OSL-GRO-01-1');
    await cashier.fill('#charging-phone', '+46 70 123 45 67');
    await cashier.click('#charging-start');
    await cashier.locator('#charging-error').waitFor();
    expect(await cashier.locator('#charging-error').textContent()).toMatch(/Only Norwegian/);
    expect(await cashier.locator('#charging-session').count()).toBe(0);
  });
});

describe("the counter's camera", () => {
  it('reads the personal QR from the camera when the browser has no BarcodeDetector, and identifies the customer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugpay-camera-'));
    const video = join(dir, 'qr.y4m');
    writeQrVideo(video, 'vipps-sandbox://personal-qr/4791112223');
    const withCamera = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`
      ]
    });
    try {
      const page = await withCamera.newPage({ viewport: { width: 1200, height: 900 } });
      // As on Firefox, Safari and desktop Linux Chromium: no BarcodeDetector, so the library reads it.
      await page.addInitScript(() => {
        delete (globalThis as { BarcodeDetector?: unknown }).BarcodeDetector;
      });
      await signInAtCounter(page, '/pos?till=kiosk-2');
      await page.locator('#scan-input').waitFor();
      expect(await page.evaluate(() => 'BarcodeDetector' in globalThis)).toBe(false);
      await page.click('#camera-button');
      await eventually(async () => (await page.locator('#customer-masked').textContent().catch(() => null)) === '+47 •• •• 22 23', 30_000, 'the camera to read the code');
      expect(await page.locator('#pos-error').count()).toBe(0);
    } finally {
      await withCamera.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

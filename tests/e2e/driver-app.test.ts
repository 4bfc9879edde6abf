/**
 * The driver's app in a phone-sized Chromium: languages, the driver's own session (leave the
 * Vipps page and come back, close the tab and find the charge again), an honest live page
 * (network lost, stop while offline, reload offline), "my charging", installability, and
 * WCAG 2.2 AA (axe-core), large text, 320 px, dark mode and touch targets on every driver page.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { demoChargers } from '../../server/sim/demo.js';
import { eventually, startTestPlugpay, type TestPlugpay } from '../helpers/plugpay.js';
import { axeViolations, CHROMIUM, CHROMIUM_ARGS, describeViolations, launchChromium, layoutProblems, smallTargets, toVipps } from '../helpers/browser.js';

// Whole charges in a browser on a shared two-core machine: minutes, not the 30 s unit default.
vi.setConfig({ testTimeout: 180_000 });

let pp: TestPlugpay;
let browser: Browser;

beforeAll(async () => {
  pp = await startTestPlugpay(
    { RESERVE_MIN_ORE: '500', RESERVE_PRESETS_ORE: '20000,35000,50000', SELLER_NAME: 'Ladeselskapet AS', SELLER_ORG_NUMBER: '912 345 678' },
    { demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') }
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pp?.stop();
});

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function phone(locale = 'en-GB', extra: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({ ...PHONE, locale, ...extra });
}

const state = (page: Page) => page.locator('#session-state').getAttribute('data-state');
const sessionIdOf = (page: Page) => new URL(page.url()).pathname.split('/').pop()!;

async function expectAccessible(page: Page, what: string) {
  const v = await axeViolations(page);
  expect(v, `${what}:\n${describeViolations(v)}`).toEqual([]);
}

/** The service worker controls the page (it registers on the first page a driver opens). */
async function swReady(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
}

describe('languages', () => {
  const cases = [
    { accept: 'nb-NO', lang: 'nb', pay: 'Betal med Vipps MobilePay', money: /350 kr/ },
    { accept: 'sv-SE', lang: 'sv', pay: 'Betala med Vipps MobilePay', money: /350 Nkr/ },
    { accept: 'da-DK', lang: 'da', pay: 'Betal med Vipps MobilePay', money: /350 kr\.|350 NOK/ },
    { accept: 'fi-FI', lang: 'fi', pay: 'Maksa Vipps MobilePaylla', money: /350 NOK|350 kr/ },
    { accept: 'en-GB', lang: 'en', pay: 'Pay with Vipps MobilePay', money: /NOK 350/ }
  ];

  it.each(cases)('picks $lang from Accept-Language ($accept), with the right <html lang> and money', async ({ accept, lang, pay, money }) => {
    const ctx = await phone(accept);
    const page = await ctx.newPage();
    const wordsLoaded: string[] = [];
    page.on('request', (r) => {
      const m = /\/_app\/immutable\/words\/[^/]+\.js$/.exec(new URL(r.url()).pathname);
      if (m) wordsLoaded.push(m[0]);
    });
    const res = await page.goto(`${pp.url}/c/OSL-GRO-01-1`);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect((await page.locator('#pay-button').textContent())?.trim()).toBe(pay);
    // The page's words are preloaded with its chunks (Link header), in its own language only,
    // and the page loads no words it did not name up front.
    const preloaded = [...(res!.headers()['link'] ?? '').matchAll(/<([^>]*\/words\/[^>]+\.js)>/g)].map((m) => new URL(m[1], pp.url).pathname);
    expect(preloaded.length).toBeGreaterThan(0);
    expect(preloaded.every((p) => p.endsWith(`.${lang}.js`)), preloaded.join(' ')).toBe(true);
    expect(wordsLoaded.length).toBeGreaterThan(0);
    expect(wordsLoaded.filter((w) => !preloaded.includes(w))).toEqual([]);
    const presets = (await page.locator('.presets').textContent())!.replace(/[\u00a0\u202f]/g, ' ');
    expect(presets).toMatch(money);
    await ctx.close();
  });

  it('switches language, remembers it, and says it in <html lang>, on every page', async () => {
    const ctx = await phone('en-GB');
    const page = await ctx.newPage();
    await page.goto(`${pp.url}/c/OSL-GRO-01-1`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    for (const lang of ['fi', 'da', 'sv', 'nb']) {
      await page.selectOption('#language-select', lang);
      await page.click('#language-submit');
      await eventually(async () => (await page.getAttribute('html', 'lang')) === lang, 15_000, `lang=${lang}`);
    }
    expect((await page.locator('#pay-button').textContent())?.trim()).toBe('Betal med Vipps MobilePay');
    // Remembered: another page, a new tab.
    const again = await ctx.newPage();
    await again.goto(`${pp.url}/`);
    expect(await again.getAttribute('html', 'lang')).toBe('nb');
    expect(await again.locator('#my-charging-heading').textContent()).toBe('Min lading');
    await ctx.close();
  });

  it('refuses a language it does not speak, and a redirect off the site', async () => {
    const res = await fetch(`${pp.url}/lang`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: pp.url }, body: 'locale=de&back=/' });
    expect(res.status).toBe(400);
    const off = await fetch(`${pp.url}/lang`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: pp.url }, body: 'locale=sv&back=//evil.example/' });
    expect(off.status).toBe(303);
    expect(off.headers.get('location')).toBe('/');
  });
});

describe('the driver\'s own session', () => {
  it('leaves the Vipps page, comes back to the same payment, and charges', async () => {
    await pp.addCharger('APP-BACK');
    const ctx = await phone('nb-NO');
    const page = await ctx.newPage();
    await toVipps(page, pp.url, 'APP-BACK-1');
    const vippsUrl = page.url();
    await page.goBack();
    await page.waitForURL(/\/c\/APP-BACK-1/);
    // Held for this phone: no "in use", no busy badge, but continue or cancel.
    await page.reload();
    await page.locator('#own-payment').waitFor();
    expect(await page.locator('#unavailable-reason').count()).toBe(0);
    expect(await page.locator('#connector-status').getAttribute('data-status')).toBe('reserved');
    await expectAccessible(page, 'landing page with a waiting payment');
    await page.click('#resume-button');
    await page.waitForURL(/\/sandbox\/vipps\//);
    expect(new URL(page.url()).pathname).toBe(new URL(vippsUrl).pathname); // the same payment
    await page.click('#approve');
    await page.waitForURL(/\/s\//);
    await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
    // The token leaves the address bar as soon as the page (and its cookie) has loaded.
    await eventually(() => !new URL(page.url()).searchParams.has('t'), 5_000, 'token out of the URL');
    await page.reload();
    expect(await state(page)).toBe('charging');
    await ctx.close();
  });

  it('cancels a payment it left, and the connector is free again at once', async () => {
    await pp.addCharger('APP-CANCEL');
    const ctx = await phone('en-GB');
    const page = await ctx.newPage();
    await toVipps(page, pp.url, 'APP-CANCEL-1');
    await page.goto(`${pp.url}/c/APP-CANCEL-1`);
    await page.click('#cancel-button');
    await page.locator('#cancelled-notice').waitFor();
    expect(await page.locator('#pay-button').count()).toBe(1);
    const id = (await pp.charging.sessionOnConnector('APP-CANCEL-1')) ?? null;
    expect(id).toBeNull();
    await ctx.close();
  });

  it('closes the tab and finds the running charge again by scanning, and under "my charging"', async () => {
    await pp.addCharger('APP-TAB');
    const ctx = await phone('en-GB');
    const page = await ctx.newPage();
    await toVipps(page, pp.url, 'APP-TAB-1');
    await page.click('#approve');
    await page.waitForURL(/\/s\//);
    const id = sessionIdOf(page);
    await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
    await page.close();

    const rescan = await ctx.newPage();
    await rescan.goto(`${pp.url}/c/APP-TAB-1`);
    await rescan.waitForURL(new RegExp(`/s/${id}$`));
    expect(await state(rescan)).toBe('charging');
    await rescan.close();

    const home = await ctx.newPage();
    await home.goto(`${pp.url}/`);
    const link = home.locator(`#my-running a[data-session-id="${id}"]`);
    await link.waitFor();
    await link.click();
    await home.waitForURL(new RegExp(`/s/${id}$`));
    // Someone else scanning the same connector is told it is in use, and where a free one is.
    const other = await (await phone('en-GB')).newPage();
    await other.goto(`${pp.url}/c/APP-TAB-1`);
    await other.locator('#unavailable-reason').waitFor();
    expect(await other.locator('#connector-status').getAttribute('data-status')).not.toBe('available');
    expect(await other.locator('.free a[data-connector-id]').count()).toBeGreaterThan(0);
    await expectAccessible(other, 'busy connector');
    await other.context().close();
    await ctx.close();
  });
});

describe('an honest live page', () => {
  it('shows a lost network within 5 s, keeps a stop made offline, sends it when the network is back, and reloads offline', async () => {
    await pp.addCharger('APP-NET');
    const ctx = await phone('en-GB');
    const page = await ctx.newPage();
    await page.goto(`${pp.url}/`);
    await swReady(page);
    await toVipps(page, pp.url, 'APP-NET-1');
    await page.click('#approve');
    await page.waitForURL(/\/s\//);
    await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
    await eventually(async () => Number(await page.locator('#energy-kwh').getAttribute('data-wh')) > 0, 15_000, 'first energy');
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

    // The network goes: the page says so within 5 s, with the figures' age.
    await ctx.setOffline(true);
    const lost = Date.now();
    await page.locator('#connection-banner').waitFor({ timeout: 5_000 });
    expect(Date.now() - lost).toBeLessThan(5_000);
    expect(await page.locator('#connection-banner').getAttribute('data-mode')).toBe('offline');
    await page.locator('#figures-age').waitFor();

    // Reload without a network: the page comes back from the phone, with the last figures.
    const energyBefore = Number(await page.locator('#energy-kwh').getAttribute('data-wh'));
    await page.reload();
    await page.locator('#connection-banner').waitFor();
    expect(await state(page)).toBe('charging');
    expect(Number(await page.locator('#energy-kwh').getAttribute('data-wh'))).toBeGreaterThanOrEqual(energyBefore);

    // Stop while offline: explained, kept, never the browser's error page.
    await page.click('#stop-button');
    await page.click('#stop-confirm-yes');
    await page.locator('#stop-queued').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('stop-button');
    const id = sessionIdOf(page);
    expect((await pp.charging.sessionView(id, await page.locator('input[name=t]').inputValue())).state).toBe('charging');

    // The network is back: the stop goes through by itself.
    await ctx.setOffline(false);
    await eventually(async () => (await state(page)) === 'completed', 30_000, 'completed after the network came back');
    expect(await page.locator('#connection-banner').count()).toBe(0);
    await ctx.close();
  });

  it('shows the charger going away mid-session instead of "charging" at the last power', async () => {
    const sim = await pp.addCharger('APP-GONE', { meterIntervalSeconds: 1 });
    const ctx = await phone('en-GB');
    const page = await ctx.newPage();
    await toVipps(page, pp.url, 'APP-GONE-1');
    await page.click('#approve');
    await page.waitForURL(/\/s\//);
    await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
    await sim.close();
    await eventually(async () => (await page.locator('#connection-banner').getAttribute('data-mode')) === 'charger', 15_000, 'charger-offline banner');
    expect(Number(await page.locator('#power-kw').getAttribute('data-w'))).toBe(0);
    await page.locator('#figures-age').waitFor();
    await ctx.close();
  });
});

describe('receipts and "my charging"', () => {
  it('gives a full receipt in Norwegian, and keeps every receipt under "my charging"', async () => {
    await pp.addCharger('APP-RCPT');
    const ctx = await phone('nb-NO');
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const page = await ctx.newPage();
      await toVipps(page, pp.url, 'APP-RCPT-1');
      await page.click('#approve');
      await page.waitForURL(/\/s\//);
      ids.push(sessionIdOf(page));
      await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
      // Enough energy to cost something (a receipt is issued for what was captured): the first
      // reading now comes at once, at a watt-hour or two.
      await eventually(async () => Number(await page.locator('#energy-kwh').getAttribute('data-wh')) >= 20, 30_000, 'energy');
      await page.click('#stop-button');
      // The confirmation takes the focus; "keep charging" gives it back to Stop.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('stop-confirm-yes');
      await page.click('#stop-confirm-no');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('stop-button');
      expect(await state(page)).toBe('charging');
      await page.click('#stop-button');
      await page.click('#stop-confirm-yes');
      await eventually(async () => (await state(page)) === 'completed', 20_000, 'completed');
      await page.locator('#receipt').waitFor();
      const text = (await page.locator('#receipt').textContent())!.replace(/[\u00a0\u202f]/g, ' ');
      expect(text).toContain('Kvittering');
      expect(text).toContain('Ladeselskapet AS');
      expect(text).toContain('Org.nr. 912 345 678');
      expect(text).toContain(`plugpay-${ids[i]}`);
      expect(text).toContain('Vipps MobilePay');
      expect(text).toContain('Ladeenergi');
      expect(await page.locator('#receipt-address').textContent()).toMatch(/Grønland/);
      expect(await page.locator('#receipt-date').textContent()).toMatch(/\d{2}[:.]\d{2}/);
      expect(await page.locator('#receipt-cost').textContent()).toMatch(/\d+,\d{2}\s?kr/);
      await expectAccessible(page, 'receipt');
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('#stop-button, .site-header').evaluateAll((els) => els.filter((e) => getComputedStyle(e).display !== 'none').length)).toBe(0);
      await page.emulateMedia({ media: 'screen' });
      await page.close();
    }
    const home = await ctx.newPage();
    await home.goto(`${pp.url}/`);
    await home.locator('#my-receipts').waitFor();
    for (const id of ids) expect(await home.locator(`#my-receipts [data-session-id="${id}"]`).count()).toBe(1);
    await expectAccessible(home, 'my charging');
    await ctx.close();
  });
});

describe('installing the app', () => {
  it('is installable: a manifest, a service worker in control, no installability errors', async () => {
    // A normal profile (Playwright's contexts are incognito, where nothing installs).
    const profile = mkdtempSync(join(tmpdir(), 'plugpay-install-'));
    const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...PHONE });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(`${pp.url}/`);
      await swReady(page);
      await page.reload();
      expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
      const cdp = await ctx.newCDPSession(page);
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
      expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
      const manifest = await (await fetch(`${pp.url}/manifest.webmanifest`)).json();
      expect(manifest.start_url).toBe('/');
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

describe('everyone', () => {
  it('passes WCAG 2.2 AA (axe-core) on every driver page, light and dark, at 320 px and 200 % text, with 44 px targets', async () => {
    await pp.addCharger('APP-A11Y');
    for (const colorScheme of ['light', 'dark'] as const) {
      const ctx = await phone('en-GB', { colorScheme });
      const page = await ctx.newPage();
      const pages: Array<[string, () => Promise<unknown>]> = [
        ['start page', () => page.goto(`${pp.url}/`)],
        ['terms', () => page.goto(`${pp.url}/terms`)],
        ['landing page', () => page.goto(`${pp.url}/c/APP-A11Y-1`)],
        ['not found', () => page.goto(`${pp.url}/c/NO-SUCH-1`)]
      ];
      for (const [what, open] of pages) {
        await open();
        await expectAccessible(page, `${what} (${colorScheme})`);
        expect(await smallTargets(page), what).toEqual([]);
      }
      // The Pay button is above the fold on a 390 × 844 phone.
      await page.goto(`${pp.url}/c/APP-A11Y-1`);
      const pay = await page.locator('#pay-button').boundingBox();
      expect(pay!.y + pay!.height).toBeLessThanOrEqual(844);

      // The live session page, awaiting approval and then charging.
      await toVipps(page, pp.url, 'APP-A11Y-1');
      await page.click('#approve');
      await page.waitForURL(/\/s\//);
      await eventually(async () => (await state(page)) === 'charging', 20_000, 'charging');
      await expectAccessible(page, `session page (${colorScheme})`);
      expect(await smallTargets(page)).toEqual([]);
      await page.click('#stop-button');
      await expectAccessible(page, `stop confirmation (${colorScheme})`);

      // 320 px wide and 200 % text: nothing sideways, nothing cut.
      await page.setViewportSize({ width: 320, height: 700 });
      await page.addStyleTag({ content: 'html { font-size: 34px !important; }' });
      await page.waitForTimeout(100);
      expect(await layoutProblems(page)).toEqual([]);
      await page.click('#stop-confirm-yes');
      await eventually(async () => (await state(page)) === 'completed', 20_000, 'completed');
      await page.locator('#receipt').waitFor();
      expect(await layoutProblems(page)).toEqual([]);
      await page.goto(`${pp.url}/c/APP-A11Y-1`);
      await page.addStyleTag({ content: 'html { font-size: 34px !important; }' });
      expect(await layoutProblems(page)).toEqual([]);
      await ctx.close();
    }
  });

  it('says "You have not been charged." once when the payment is rejected', async () => {
    await pp.addCharger('APP-REJECT');
    const ctx = await phone('en-GB');
    const page = await ctx.newPage();
    await toVipps(page, pp.url, 'APP-REJECT-1');
    await page.click('#reject');
    await page.waitForURL(/\/s\//);
    await eventually(async () => (await state(page)) === 'failed', 15_000, 'failed');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text.split('You have not been charged.').length - 1).toBe(1);
    expect(text).toMatch(/declined/);
    await expectAccessible(page, 'failed session');
    await ctx.close();
  });
});

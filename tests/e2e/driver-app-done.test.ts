/**
 * Issue 10's "Done when", as one browser test: a phone-sized Chromium, in each of the five
 * languages, installs the app; leaves the Vipps page and comes back to the same payment; closes
 * the tab and finds its running charge again; loses the network mid-session and sees it within
 * 5 s; stops while offline, and the stop goes through when the network returns; and finds every
 * earlier receipt under "my charging". One plugpay for all five; each language is a fresh phone
 * (its own browser profile, so it installs the app from scratch and keeps its own receipts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { demoChargers } from '../../server/sim/demo.js';
import { eventually, startTestPlugpay, type TestPlugpay } from '../helpers/plugpay.js';
import { CHROMIUM, CHROMIUM_ARGS, toVipps } from '../helpers/browser.js';

// Five phones, each through two whole charges, on a shared two-core machine.
vi.setConfig({ testTimeout: 900_000 });

let pp: TestPlugpay;

beforeAll(async () => {
  pp = await startTestPlugpay({ RESERVE_MIN_ORE: '500' }, { demoChargers: demoChargers.filter((c) => c.id === 'OSL-GRO-01') });
}, 120_000);

afterAll(async () => {
  await pp?.stop();
});

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const LANGUAGES = [
  { lang: 'nb', accept: 'nb-NO' },
  { lang: 'sv', accept: 'sv-SE' },
  { lang: 'da', accept: 'da-DK' },
  { lang: 'fi', accept: 'fi-FI' },
  { lang: 'en', accept: 'en-GB' }
] as const;

/** The driver's words in each language, as the pages must show them. */
const words = (lang: string) => JSON.parse(readFileSync(new URL(`../../messages/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

const state = (page: Page) => page.locator('#session-state').getAttribute('data-state');
const sessionIdOf = (page: Page) => new URL(page.url()).pathname.split('/').pop()!;

/** Charging, with enough energy to cost something (a receipt is issued for what is captured). */
async function chargingWithEnergy(page: Page) {
  await eventually(async () => (await state(page)) === 'charging', 30_000, 'charging');
  await eventually(async () => Number(await page.locator('#energy-kwh').getAttribute('data-wh')) >= 20, 60_000, 'energy');
}

describe('the driver\'s app, done', () => {
  it('in nb, sv, da, fi and en: installs, comes back from Vipps, finds its charge, sees a lost network, stops offline, keeps every receipt', async () => {
    for (const { lang, accept } of LANGUAGES) {
      const w = words(lang);
      const connector = `DONE-${lang.toUpperCase()}-1`;
      await pp.addCharger(`DONE-${lang.toUpperCase()}`);
      // A normal profile (Playwright's contexts are incognito, where nothing installs).
      const profile = mkdtempSync(join(tmpdir(), `plugpay-done-${lang}-`));
      const ctx: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...PHONE, locale: accept });
      try {
        // 1. Installs the app: the manifest, a service worker in control, nothing in the way.
        const home = ctx.pages()[0] ?? (await ctx.newPage());
        await home.goto(`${pp.url}/`);
        expect(await home.getAttribute('html', 'lang'), lang).toBe(lang);
        expect(await text(home, '#my-charging-heading'), lang).toBe(w.my_heading);
        await home.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
        await home.reload();
        expect(await home.evaluate(() => !!navigator.serviceWorker.controller), lang).toBe(true);
        const cdp = await ctx.newCDPSession(home);
        const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
        expect(installabilityErrors.map((e) => e.errorId), lang).toEqual([]);
        await cdp.detach();

        // 2. Leaves the Vipps page and comes back to the same payment.
        const page = await ctx.newPage();
        await toVipps(page, pp.url, connector);
        const vippsPath = new URL(page.url()).pathname;
        await page.goBack();
        await page.waitForURL(new RegExp(`/c/${connector}`));
        await page.reload();
        await page.locator('#own-payment').waitFor();
        expect(await page.getAttribute('html', 'lang'), lang).toBe(lang);
        expect(await text(page, '#own-heading'), lang).toBe(w.own_heading);
        expect(await page.locator('#unavailable-reason').count(), lang).toBe(0);
        await page.click('#resume-button');
        await page.waitForURL(/\/sandbox\/vipps\//);
        expect(new URL(page.url()).pathname, lang).toBe(vippsPath);
        await page.click('#approve');
        await page.waitForURL(/\/s\//);
        const first = sessionIdOf(page);
        await chargingWithEnergy(page);

        // 3. Closes the tab, and finds the running charge again: by scanning, and at home.
        await page.close();
        const rescan = await ctx.newPage();
        await rescan.goto(`${pp.url}/c/${connector}`);
        await rescan.waitForURL(new RegExp(`/s/${first}$`));
        expect(await state(rescan), lang).toBe('charging');
        await rescan.close();
        await home.goto(`${pp.url}/`);
        await home.locator(`#my-running a[data-session-id="${first}"]`).click();
        await home.waitForURL(new RegExp(`/s/${first}$`));
        await eventually(async () => (await state(home)) === 'charging', 30_000, 'charging again');
        // Connected (the page's own socket), so what follows is a loss, not a first connect.
        await home.locator('#connection-banner').waitFor({ state: 'detached', timeout: 30_000 });

        // 4. Loses the network mid-session, and sees it within 5 s, in its own words.
        await ctx.setOffline(true);
        const lost = Date.now();
        await home.locator('#connection-banner[data-mode="offline"]').waitFor({ timeout: 5_000 });
        expect(Date.now() - lost, lang).toBeLessThan(5_000);
        expect(await text(home, '#connection-banner strong'), lang).toBe(w.offline_title);

        // 5. Stops while offline: kept on the phone, then sent when the network returns.
        await home.click('#stop-button');
        await home.click('#stop-confirm-yes');
        await home.locator('#stop-queued').waitFor();
        expect(await text(home, '#stop-queued'), lang).toBe(w.stop_queued);
        const token = await home.locator('input[name=t]').inputValue();
        expect((await pp.charging.sessionView(first, token)).state, lang).toBe('charging');
        await ctx.setOffline(false);
        await eventually(async () => (await state(home)) === 'completed', 60_000, 'completed after the network came back');
        await home.locator('#receipt').waitFor();

        // A second charge, stopped online, so that there are earlier receipts to find.
        const again = await ctx.newPage();
        await toVipps(again, pp.url, connector);
        await again.click('#approve');
        await again.waitForURL(/\/s\//);
        const second = sessionIdOf(again);
        await chargingWithEnergy(again);
        await again.click('#stop-button');
        await again.click('#stop-confirm-yes');
        await eventually(async () => (await state(again)) === 'completed', 60_000, 'second completed');
        await again.locator('#receipt').waitFor();
        await again.close();

        // 6. Finds every earlier receipt under "my charging", and nothing still running.
        await home.goto(`${pp.url}/`);
        await home.locator('#my-receipts').waitFor();
        expect(await text(home, '#my-charging-heading'), lang).toBe(w.my_heading);
        for (const id of [first, second]) expect(await home.locator(`#my-receipts [data-session-id="${id}"]`).count(), `${lang}: receipt ${id}`).toBe(1);
        expect(await home.locator('#my-running').count(), lang).toBe(0);
      } finally {
        await ctx.close();
        rmSync(profile, { recursive: true, force: true });
      }
    }
  });
});

/** The operator console in a real browser: signing in, and finding a station's marker on the map. */
import type { Locator, Page } from 'playwright-core';
import type { TestPlugpay } from './plugpay.js';

/** Signs in through the sign-in form (the demo admin unless told otherwise) and waits for the map. */
export async function signInOperator(page: Page, pp: TestPlugpay, login = pp.demoLogin): Promise<void> {
  if (!login) throw new Error('this plugpay has no demo login; pass one');
  await page.goto(`${pp.url}/operator/login`);
  await page.fill('#username', login.username);
  await page.fill('#password', login.password);
  await Promise.all([page.waitForURL(/\/operator$/, { waitUntil: 'commit', timeout: 60_000 }), page.click('#login-button')]);
  await page.locator('#signed-in-as').waitFor({ timeout: 60_000 });
}

/**
 * The station's own marker, brought out of its cluster by the "show on map" button of its row
 * (clicking it also opens the station's panel).
 */
export async function revealStation(page: Page, stationId: string): Promise<Locator> {
  await page.locator('#operator-map[data-ready="true"]').waitFor();
  await page.locator(`[data-row-station-id="${stationId}"] button`).click();
  const pin = page.locator(`#operator-map [data-station-id="${stationId}"]`);
  await pin.waitFor();
  return pin;
}

/** Stations the map accounts for: single markers plus the members of every cluster. */
export async function stationsOnMap(page: Page): Promise<number> {
  const singles = await page.locator('#operator-map .pp-marker .pin').count();
  const clustered = await page.locator('#operator-map .pp-cluster .cluster').evaluateAll((els) => els.reduce((n, el) => n + Number(el.getAttribute('data-count')), 0));
  return singles + clustered;
}

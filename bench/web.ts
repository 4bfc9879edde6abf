/**
 * `npm run bench:web`: the driver pages' weight and Lighthouse mobile scores, printed, never
 * asserted. Builds plugpay, starts it in demo mode (sandbox and simulated chargers, in memory),
 * then for the start page, a connector's landing page and a live session page:
 *  - HTML bytes as sent (and whether compressed), and the JavaScript a first visit loads:
 *    what the HTML preloads, and everything fetched until the page is idle (gzip bytes);
 *  - Lighthouse (mobile) performance, accessibility and best-practices scores, in the local
 *    Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 * Budgets from issue 10: landing page first-load JS ≤ 45 KB gz, performance ≥ 98 (idle
 * machine), accessibility and best practices 100.
 *
 * Flags: --no-build (use the existing build), --no-lighthouse, --runs <n> (Lighthouse runs per
 * page; the median is printed, default 1).
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { loadConfig } from '../server/config.js';
import { startPlugpay } from '../server/main.js';
import { createLogger } from '../server/log.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const KB = (n: number) => `${(n / 1024).toFixed(1)} KB`;

const { values } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false }, 'no-lighthouse': { type: 'boolean', default: false }, runs: { type: 'string', default: '1' } } });

interface RouteFigures {
  name: string;
  url: string;
  htmlBytes: number;
  htmlEncoding: string;
  preloadJsGz: number;
  loadedJsGz: number;
  loadedJs: number;
  /** workbox-window, which the page loads after it has started (to register the service worker): not first-load. */
  afterLoadJsGz: number;
  operatorOrMapCode: boolean;
}

async function weigh(name: string, url: string, browserCookie?: { name: string; value: string }[]): Promise<RouteFigures> {
  const res = await fetch(url, { headers: { 'accept-encoding': 'gzip, br', ...(browserCookie ? { cookie: browserCookie.map((c) => `${c.name}=${c.value}`).join('; ') } : {}) } });
  const raw = Buffer.from(await res.arrayBuffer()); // fetch decodes; measure the wire size again below
  const wire = await fetch(url, { headers: { 'accept-encoding': 'gzip' }, ...(browserCookie ? { headers: { 'accept-encoding': 'gzip', cookie: browserCookie.map((c) => `${c.name}=${c.value}`).join('; ') } } : {}) });
  const encoding = wire.headers.get('content-encoding') ?? 'none';
  const html = raw.toString('utf8');
  const htmlBytes = encoding === 'none' ? raw.length : gzipSync(raw).length;
  const preloads = [...html.matchAll(/<link\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => /rel="modulepreload"/.test(tag))
    .map((tag) => new URL(/href="([^"]+)"/.exec(tag)![1], url).href);
  const entries = [...html.matchAll(/import\("([^"]+)"\)/g)].map((m) => new URL(m[1], url).href);
  // SvelteKit names most of a route's chunks in a Link header rather than in the HTML.
  const linked = [...(res.headers.get('link') ?? '').matchAll(/<([^>]+)>;\s*rel="modulepreload"/g)].map((m) => new URL(m[1], url).href);
  let preloadJsGz = 0;
  for (const js of new Set([...preloads, ...linked, ...entries])) preloadJsGz += gzipSync(Buffer.from(await (await fetch(js)).arrayBuffer()), { level: 9 }).length;

  // Everything a first visit fetches until it is idle (lazy chunks included).
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
  if (browserCookie) await ctx.addCookies(browserCookie.map((c) => ({ ...c, url })));
  const page = await ctx.newPage();
  const scripts: string[] = [];
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script') scripts.push(r.url());
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.waitForTimeout(1500);
  let loadedJsGz = 0;
  let loadedJs = 0;
  let afterLoadJsGz = 0;
  let operatorOrMapCode = false;
  for (const js of new Set(scripts)) {
    const body = Buffer.from(await (await fetch(js)).arrayBuffer());
    const gz = gzipSync(body, { level: 9 }).length;
    const text = body.toString('utf8');
    if (/operator:join|leaflet|maplibre|station-panel/.test(text)) operatorOrMapCode = true;
    // The service worker's library: imported by the layout once the page is up (onMount), to
    // register the worker; nothing on the page waits for it.
    if (text.includes('workbox:window')) afterLoadJsGz += gz;
    else {
      loadedJsGz += gz;
      loadedJs++;
    }
  }
  await browser.close();
  return { name, url, htmlBytes, htmlEncoding: encoding, preloadJsGz, loadedJsGz, loadedJs, afterLoadJsGz, operatorOrMapCode };
}

/** A live session to measure: a reservation approved in the sandbox, its charger started. */
async function liveSessionUrl(base: string): Promise<{ url: string; cookies: { name: string; value: string }[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${base}/c/OSL-GRO-01-1`);
  await page.click('#pay-button');
  await page.waitForURL(/\/sandbox\/vipps\//);
  await page.click('#approve');
  await page.waitForURL(/\/s\//);
  const url = new URL(page.url());
  await page.waitForFunction(() => document.querySelector('#session-state')?.getAttribute('data-state') === 'charging', undefined, { timeout: 30_000 });
  const cookies = (await page.context().cookies()).filter((c) => c.name.startsWith('pp_')).map((c) => ({ name: c.name, value: c.value }));
  await browser.close();
  return { url: `${url.origin}${url.pathname}`, cookies };
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : '—');

async function lighthouseScores(url: string, runs: number, cookies?: { name: string; value: string }[]) {
  const { launch } = await import('chrome-launcher');
  const lighthouse = (await import('lighthouse')).default;
  const all: Array<Record<string, number>> = [];
  for (let i = 0; i < runs; i++) {
    const chrome = await launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', ...FLAGS] });
    try {
      const result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
        extraHeaders: cookies ? { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } : undefined
      });
      const cats = result!.lhr.categories;
      const audit = (id: string) => result!.lhr.audits[id]?.numericValue ?? NaN;
      all.push({
        fcp: audit('first-contentful-paint'),
        lcp: audit('largest-contentful-paint'),
        tbt: audit('total-blocking-time'),
        si: audit('speed-index'),
        cls: audit('cumulative-layout-shift'),
        performance: Math.round((cats.performance.score ?? 0) * 100),
        accessibility: Math.round((cats.accessibility.score ?? 0) * 100),
        'best-practices': Math.round((cats['best-practices'].score ?? 0) * 100)
      });
    } finally {
      await chrome.kill();
    }
  }
  const median = (k: string) => all.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(all.length / 2)];
  return {
    performance: median('performance'),
    accessibility: median('accessibility'),
    bestPractices: median('best-practices'),
    // What the performance score is made of, so a low score says where it was lost.
    metrics: `FCP ${ms(median('fcp'))}, LCP ${ms(median('lcp'))}, TBT ${ms(median('tbt'))}, SI ${ms(median('si'))}, CLS ${median('cls').toFixed(3)}`
  };
}

async function main() {
  if (!values['no-build']) {
    console.log('building (npm run build)…');
    const r = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: 'memory://', LOG_LEVEL: 'silent', SIM_CHARGERS: 'true', OCPP_METER_INTERVAL_SECONDS: '5' });
  const pp = await startPlugpay({ config, logger: createLogger('silent') });
  const base = pp.url;
  try {
    const session = await liveSessionUrl(base);
    const routes: RouteFigures[] = [];
    routes.push(await weigh('start page', `${base}/`));
    routes.push(await weigh('landing page', `${base}/c/OSL-GRO-01-2`));
    routes.push(await weigh('session page', session.url, session.cookies));

    console.log('\nBytes per route (first visit, no service worker; JS as gzip -9)');
    console.log('route          HTML (as sent)        JS named (HTML+Link)  JS loaded until idle   after load (sw)   operator/map code');
    for (const r of routes) {
      console.log(
        `${r.name.padEnd(14)} ${`${KB(r.htmlBytes)} ${r.htmlEncoding}`.padEnd(21)} ${KB(r.preloadJsGz).padStart(20)}  ${`${KB(r.loadedJsGz)} (${r.loadedJs} files)`.padStart(20)}   ${KB(r.afterLoadJsGz).padStart(15)}   ${r.operatorOrMapCode ? 'YES' : 'no'}`
      );
    }
    console.log('budget: landing page first-load JS ≤ 45.0 KB gz; no operator or map code on driver pages');
    console.log('(each file gzipped on its own, as the browser fetches it; "loaded until idle" is the figure to hold to the budget;');
    console.log(' "after load" is workbox-window, which the page imports once it is up to register the service worker)');

    if (!values['no-lighthouse']) {
      const runs = Math.max(1, Number(values.runs) || 1);
      console.log(`\nLighthouse ${runs > 1 ? `(median of ${runs}) ` : ''}mobile, local Chromium`);
      console.log('page           performance  accessibility  best practices   (simulated mobile metrics)');
      for (const [name, url, cookies] of [
        ['landing page', `${base}/c/OSL-GRO-01-2`, undefined],
        ['session page', session.url, session.cookies]
      ] as const) {
        const s = await lighthouseScores(url, runs, cookies ? [...cookies] : undefined);
        console.log(`${name.padEnd(14)} ${String(s.performance).padStart(11)}  ${String(s.accessibility).padStart(13)}  ${String(s.bestPractices).padStart(14)}   ${s.metrics}`);
      }
      console.log('targets: performance ≥ 98 (idle machine), accessibility 100, best practices 100');
    }
  } finally {
    await pp.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);

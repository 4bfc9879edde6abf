/**
 * Browser-test helpers: one Chromium (Debian's, through playwright-core), axe-core's WCAG 2.2 AA
 * rules run inside a page, and layout checks for large text and small screens.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Runs axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] });
  });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
}

/** Readable summary for an assertion message. */
export const describeViolations = (v: AxeViolation[]) => v.map((x) => `${x.id}: ${x.help} at ${x.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');

/**
 * Layout problems at the current size: anything wider than the screen, and text cut off in its
 * box (an element whose content is wider or taller than the element while it hides overflow).
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('header *, main *, footer *'))) {
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > doc.clientWidth + 1 && cs.position !== 'fixed') out.push(`${el.tagName.toLowerCase()}#${el.id || '?'}.${el.className} sticks out: right ${Math.round(r.right)} > ${doc.clientWidth}`);
      const clips = cs.overflowX === 'hidden' || cs.overflowX === 'clip' || cs.textOverflow === 'ellipsis';
      if (clips && el.scrollWidth > el.clientWidth + 1 && el.tagName !== 'svg' && !el.classList.contains('progress')) out.push(`${el.tagName.toLowerCase()}#${el.id || '?'} cuts its text`);
    }
    return out;
  });
}

/** Controls a finger must hit that are smaller than 44 × 44 CSS px. */
export async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('button, select, input:not([type=hidden]), summary, a.btn, label.preset, header a, footer a'))) {
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden' || el.closest('.visually-hidden') || el.classList.contains('visually-hidden')) continue;
      // A radio drawn as a big label counts by its label.
      const box = (el instanceof HTMLInputElement && el.type === 'radio' ? el.closest('label') ?? el : el).getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.height < 44 - 0.5 || box.width < 44 - 0.5) out.push(`${el.tagName.toLowerCase()}#${el.id || el.textContent?.trim().slice(0, 20)} is ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
    return out;
  });
}

/** Landing → the 200 kr preset → Pay → the sandbox's app page. */
export async function toVipps(page: Page, baseUrl: string, connectorId: string): Promise<void> {
  await page.goto(`${baseUrl}/c/${connectorId}`);
  await page.locator('[data-testid="preset-20000"]').click();
  await page.click('#pay-button');
  await page.waitForURL(/\/sandbox\/vipps\//);
}

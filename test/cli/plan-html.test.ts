/**
 * `--format html`: one self-contained page (no network, no scripts), the same bytes for the same
 * plan, and — in a real browser (Debian's chromium driven by playwright-core) — what a person
 * sees: the summary, the routing heatmaps, the supply bars and the timeline, no console errors,
 * no request leaving the page, and a screenshot that matches the committed one within a tolerance.
 *
 * Built from FIXTURE plans (test/golden/plans: examples/global and the apply-peak scenario, planned
 * once and saved; test/support/plan-scenarios.ts), not a fresh solve.
 * `UPDATE_GOLDEN=1` rewrites the golden page and screenshot.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlanHtml } from '../../cli/render/plan-html.js';
import { globe, ROOT } from '../support/cli.js';
import { fixtureFile, readFixture } from '../support/plan-scenarios.js';

const DIR = join(ROOT, 'test', 'golden', 'html');
const FIXTURE = fixtureFile('global');
const plan = readFixture('global');
const html = renderPlanHtml(plan, { dir: 'examples/global' });
/** Share of pixels allowed to differ (font hinting and anti-aliasing differ between chromium builds). */
const TOLERANCE = 0.01;
const VIEWPORT = { width: 1280, height: 900 };

function golden(name: string, actual: string | Buffer): Buffer {
  const file = join(DIR, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  return readFileSync(file);
}

describe('globe plan --format html', () => {
  it('renders the fixture plan as the golden page, and show --format html gives the same bytes', () => {
    expect(html).toBe(golden('global.html', html).toString('utf8'));
    const shown = globe(['show', FIXTURE, '--format', 'html', '--project', 'examples/global']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(html);
  });

  it('renders a plan with removals and unserved demand (the apply-peak fixture) as its golden page', () => {
    const fixture = readFixture('reason-apply-peak');
    // The page's title is the plan id, a digest covering the state's lineage: the golden page was
    // rendered with the lineage the JSON golden shows, `<lineage>`.
    const peak = { ...fixture, basis: { ...fixture.basis, lineage: '<lineage>' } };
    const page = renderPlanHtml(peak);
    expect(page).toBe(golden('apply-peak.html', page).toString('utf8'));
    expect(page).toContain('Unserved demand (2)');
    expect(page).toContain('3. Downsize (2)');
  });

  it('a multi-wave plan: the timeline is the waves, in order, each with its reason', () => {
    const waves = [
      { wave: 1, reason: 'frees the h100 in us-east', target: plan.placement.target, regions: [] },
      { wave: 2, reason: 'uses the h100 that wave 1 frees in us-east', target: plan.placement.target, regions: [] },
    ];
    const page = renderPlanHtml({ ...plan, waves, moves: plan.moves.map((m, i) => ({ ...m, wave: i < 10 ? 1 : 2 })) });
    const timeline = page.slice(page.indexOf('<section id="timeline">'));
    expect([...timeline.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1])).toEqual(['Wave 1 (10)', 'Wave 2 (30)']);
    expect(timeline).toContain('<p>uses the h100 that wave 1 frees in us-east</p>');
  });

  it('is self-contained: no scripts, no external stylesheets, images or fonts', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|@font-face/i);
    // The only URL on the page is SVG's namespace name, which is never fetched.
    expect([...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0])).toEqual(['http://www.w3.org/2000/svg']);
  });

  it('rejects an unknown format with the list of formats', () => {
    const r = globe(['show', FIXTURE, '--format', 'pdf']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--format must be text, markdown, json or html, not pdf');
  });
});

describe('the html page in chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the summary, heatmaps, supply bars and timeline, with no console error and no request', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => !r.url().startsWith('data:') && r.url() !== 'about:blank' && requests.push(r.url()));
    await page.setContent(html, { waitUntil: 'load' });

    const text = await page.locator('body').innerText();
    expect(text).toContain('Plan: 0 tenants to change, 5 to add, 0 to remove; 89 replicas up, 0 down');
    expect(text).toContain('Largest changes');
    expect(text).toContain('Region loss not survived (2)');
    expect(await page.locator('#routing h3').allInnerTexts()).toEqual(expect.arrayContaining(['Class read', 'Class embed']));
    expect(await page.locator('#routing table.heat').count()).toBeGreaterThan(1);
    expect(await page.locator('#supply svg g').count()).toBe(plan.diff.regions.filter((r) => r.before !== r.after || r.peak !== r.after).length);
    expect(await page.locator('#timeline .lane h3').allInnerTexts()).toEqual(['1. Upsize (34)', '2. Route and shift (6)', '3. Downsize (0)']);
    // Visible, not just present: the heatmap and bars have a size on screen.
    const box = await page.locator('#supply svg').boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const shot = await page.screenshot({ fullPage: true });
    const want = PNG.sync.read(golden('global.png', shot));
    const got = PNG.sync.read(shot);
    expect([got.width, got.height]).toEqual([want.width, want.height]);
    const differing = pixelmatch(got.data, want.data, null, got.width, got.height, { threshold: 0.1 });
    expect(differing / (got.width * got.height)).toBeLessThanOrEqual(TOLERANCE);
    await page.close();
  });
});

#!/usr/bin/env node
/*
 * dashboard.mjs URL — browser tests of the situational-picture pages (web/dashboard.html,
 * web/report.html) against a running `vaxchain serve --dev-login --date 2021-03-08` on
 * demo data with the phase-1 history (tests/cli/browser_dashboard.sh sets that up).
 * Drives Debian chromium through npm playwright-core, headless.
 *
 * Checks: the public dashboard in Swedish (coverage chart, age chart, stock table of 21
 * regions, the board asking to sign in); a figure cross-checked: the municipality
 * table's count equals the stats API's count for that municipality; drill-down region →
 * municipality (age chart of the municipality); English; a regional coordinator files
 * a report (with the suggestions shown, one taken over with its button), a bad filing
 * (yellow without a reason) is refused at the area; the filing shows in the history
 * and on the board, which agrees with the API's compilation. On every page: no console
 * errors (CSP included), every control labelled, text contrast at least WCAG AA.
 * Screenshots go to $VX_SCREENSHOTS/dashboard-*.png.
 *
 * Exit 0 when every check passed; the last line is "N passed, N failed".
 */
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import {
  BASE, CHROMIUM, stats, consoleErrors, log, check, flow as runFlow, apiJson, shot as pageShot,
} from './lib.mjs';

/* A flow of one check; every flow starts signed out with an empty localStorage. */
function flow(ctx, page, name, fn) {
  return runFlow(ctx, page, name, () => check(name, fn), { start: 'dashboard.html', prefix: 'dashboard-' });
}

async function signIn(page) {
  const r = await page.request.post(new URL('api/v1/session', BASE).href, {
    headers: { 'X-Requested-With': 'vaxchain' },
    data: { role: 'regional_coordinator', region: REGION, user: 'coord01' },
  });
  assert.equal(r.status(), 201);
  return (r.headers()['set-cookie'] || '').split(';')[0];
}

function shot(page, name) {
  return pageShot(page, `dashboard-${name}`);
}

const REGION = '01';

async function openDashboard(page, query = '') {
  await page.goto(new URL(`dashboard.html${query}`, BASE).href);
  await page.locator('#stock tbody tr').first().waitFor();
  await page.locator('#status').waitFor({ state: 'hidden' });
}

async function main() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: !process.env.VX_HEADFUL });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'sv-SE' });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await flow(ctx, page, 'public-sv', async () => {
    await openDashboard(page);
    await page.getByRole('heading', { level: 1, name: 'Lägesbild: vaccination mot covid-19' }).waitFor();
    assert.equal(await page.locator('#stock tbody tr').count(), 21);
    await page.locator('#cov-chart svg[role="img"]').waitFor();
    await page.locator('#age-chart svg[role="img"]').waitFor();
    const title = await page.locator('#cov-chart svg title').first().textContent();
    assert.equal(title, 'Vaccinationstäckning per region');
    assert.ok(await page.locator('#board-signin').isVisible(), 'board asks to sign in');
    /* the stock table's 7-day doses of region 01 equal the API's */
    const api = await apiJson('GET', '/api/v1/reports/dashboard');
    const r01 = api.data.regions.find((r) => r.code === REGION);
    const shown = (await page.locator(`#stock tr[data-region="${REGION}"] td`).first().textContent()).replace(/\s/g, '');
    const want = r01.doses_7d === null ? r01.doses_7d_display : String(r01.doses_7d);
    assert.equal(shown, want);
    await shot(page, 'sv');
  });

  await flow(ctx, page, 'drill-down', async () => {
    await openDashboard(page);
    await page.selectOption('#region', REGION);
    await page.locator('#muni-list tbody tr').first().waitFor();
    await page.locator('#supply-chart svg').waitFor();
    /* cross-check: the municipality with the most vaccinated persons */
    const cov = await apiJson('GET', `/api/v1/stats/coverage?measure=persons&by=kommun&region=${REGION}`);
    assert.equal(cov.status, 200);
    const cells = cov.data.cells.filter((c) => c.n !== null).sort((a, b) => b.n - a.n);
    assert.ok(cells.length > 0, 'some municipality has vaccinated persons');
    const top = cells[0];
    const row = page.locator(`#muni-list tr[data-kommun="${top.kommun}"]`);
    const shownN = (await row.locator('td').first().textContent()).replace(/\s/g, '');
    assert.equal(shownN, String(top.n), `municipality ${top.kommun}: shown ${shownN}, API ${top.n}`);
    const name = (await row.locator('button').textContent()).trim();
    await row.locator('button').click();
    await page.getByRole('heading', { level: 3, name: `Åldersgrupper i ${name}` }).waitFor();
    await page.locator('#muni-chart svg[role="img"]').waitFor();
    assert.ok(await page.locator('#muni-chart svg rect').count() > 0, 'age bars drawn');
    await shot(page, 'drill');
  });

  await flow(ctx, page, 'english', async () => {
    await openDashboard(page, `?region=${REGION}`);
    await page.locator('#muni-list tbody tr').first().waitFor();
    await page.locator('#lang').click();
    await page.getByRole('heading', { level: 1, name: 'Situational picture: COVID-19 vaccination' }).waitFor();
    await page.locator('#cov-chart svg title', { hasText: 'Vaccination coverage per region' }).first()
      .waitFor({ state: 'attached' });
    await page.locator('#status').waitFor({ state: 'hidden' });
    await page.locator('#muni-list th', { hasText: 'Municipality' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await shot(page, 'en');
    await page.locator('#lang').click(); /* back to Swedish */
    await page.getByRole('heading', { level: 1, name: 'Lägesbild: vaccination mot covid-19' }).waitFor();
  });

  await flow(ctx, page, 'file-report', async () => {
    await signIn(page);
    await page.goto(new URL('report.html', BASE).href);
    await page.getByRole('heading', { level: 1, name: 'Regionens trafikljusrapport' }).waitFor();
    await page.locator('#area-overall .suggestion').waitFor();
    assert.equal(await page.locator('#month').inputValue(), '2021-03');
    /* yellow without a reason is refused at the area */
    await page.locator('#c-overall-green').check();
    await page.locator('#c-readiness-yellow').check();
    await page.locator('#submit').click();
    await page.locator('#e-readiness').waitFor();
    assert.match(await page.locator('#result').textContent(), /readiness/);
    /* take a suggestion over where one is given, then fill the reason */
    const useBtn = page.locator('#area-supply_logistics .suggestion button');
    if (await useBtn.count()) await useBtn.click();
    await page.locator('#r-readiness').fill('Lokaler för fas 4 är inte klara');
    await page.locator('#c-municipal_cooperation-yellow').check();
    await page.locator('#r-municipal_cooperation').fill('Hemtjänstlistorna från kommunerna kom sent');
    await page.locator('#submit').click();
    await page.locator('#result.alert-ok').waitFor();
    await page.locator('#history li[data-id]').first().waitFor();
    assert.equal(await page.locator('#history li[data-id]').count(), 1);
    await shot(page, 'report-filed');
  });

  await flow(ctx, page, 'board', async () => {
    const cookie = await signIn(page);
    await openDashboard(page);
    await page.locator('#board-grid').waitFor();
    const filed = await page.locator('#board-filed').textContent();
    const api = await apiJson('GET', '/api/v1/reports/traffic-light/national?month=2021-03', null, cookie);
    assert.equal(api.status, 200);
    assert.equal(filed, `${api.data.regions_filed} av ${api.data.regions_total} regioner har rapporterat.`);
    assert.equal(api.data.regions_filed, 1);
    const cell = page.locator(`#board-grid tr[data-region="${REGION}"] td[data-area="readiness"]`);
    assert.equal(await cell.getAttribute('data-color'), 'yellow');
    assert.equal((await cell.textContent()).trim(), 'Gul');
    const other = page.locator('#board-grid tr[data-region="03"] td[data-area="all"]');
    assert.equal((await other.textContent()).trim(), 'ej rapporterat');
    const pdf = await page.request.get(await page.locator('#dl-pdf').evaluate((a) => a.href));
    assert.equal(pdf.status(), 200);
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
    await page.locator('#board').scrollIntoViewIfNeeded();
    await shot(page, 'board');
  });

  await flow(ctx, page, 'no console errors (CSP violations, script errors)', async () => {
    /* 401 from GET /api/v1/me while signed out is expected */
    const real = consoleErrors.filter((e) => !/status of 4\d\d/.test(e));
    assert.deepEqual(real, []);
  });
  await browser.close();
}

main()
  .catch((e) => {
    stats.failed++;
    log(`FAIL setup: ${e && e.stack ? e.stack : e}`);
  })
  .finally(() => {
    console.log(`browser: ${stats.passed} passed, ${stats.failed} failed`);
    process.exit(stats.failed ? 1 : 0);
  });

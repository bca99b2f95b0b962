#!/usr/bin/env node
/*
 * plan.mjs URL — browser tests of the coordinator's planning page (web/plan.html)
 * against a running `vaxchain serve --dev-login` on a demo database with the deliveries
 * imported (`plan import`) and week 2021-W10 allocated (`plan allocate --db`);
 * tests/cli/browser_plan.sh sets that up. Drives Debian chromium through npm
 * playwright-core, headless.
 *
 * Checks: signed out, the page says who it is for; national: the delivery table marks
 * 2021-W10 Comirnaty as cut (forecast 132,210, delivered 89,664) in text and colour, the
 * allocation table lists 21 regions, Stockholm's sites and quotas appear when the region
 * is chosen, the projection chart has its P10–P90 band, the CSV and XLSX exports
 * download; a re-plan preview of a halved delivery stores nothing, applying it stores the
 * revision (seen in the delivery table) and keyboard-only use reaches the buttons;
 * English; a regional coordinator sees only its own region. On every page: no console
 * errors (CSP violations included), every control labelled, WCAG AA text contrast.
 * Screenshots go to $VX_SCREENSHOTS/plan-*.png (default build/screenshots/).
 */
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import {
  BASE, CHROMIUM, stats, consoleErrors, log, check, flow as runFlow, apiJson, tabTo, shot as pageShot,
} from './lib.mjs';

function flow(ctx, page, name, fn) {
  return runFlow(ctx, page, name, () => check(name, fn), { start: 'plan.html', prefix: 'plan-' });
}

function shot(page, name) {
  return pageShot(page, `plan-${name}`);
}

async function signIn(page, data) {
  const r = await page.request.post(new URL('api/v1/session', BASE).href, {
    headers: { 'X-Requested-With': 'vaxchain' },
    data,
  });
  assert.equal(r.status(), 201);
  return (r.headers()['set-cookie'] || '').split(';')[0];
}

const NATIONAL = { role: 'national', user: 'fohm1' };
const COORD = { role: 'regional_coordinator', region: '01', user: 'coord01' };

async function openPlan(page) {
  await page.goto(new URL('plan.html', BASE).href);
  await page.locator('#alloc table').waitFor();
  await page.locator('#proj svg').waitFor();
  await page.locator('#status').waitFor({ state: 'hidden' });
}

async function main() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: !process.env.VX_HEADFUL });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'sv-SE', acceptDownloads: true });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await flow(ctx, page, 'signed-out', async () => {
    await page.locator('#signin').waitFor();
    assert.match(await page.locator('#signin').textContent(), /nationell uppföljning och regionala samordnare/);
    await shot(page, 'signed-out');
  });

  await flow(ctx, page, 'national-overview', async () => {
    await signIn(page, NATIONAL);
    await openPlan(page);
    const cut = page.locator('#deliv tr.cut', { hasText: '2021-W10' });
    await cut.waitFor();
    assert.match(await cut.textContent(), /132\s?210/);
    assert.match(await cut.textContent(), /89\s?664/);
    assert.match(await cut.textContent(), /Nedskuren/);
    assert.equal(await page.locator('#alloc tbody tr').count(), 21);
    const band = await page.locator('#proj svg polygon.band-d1').getAttribute('points');
    assert.ok(band && band.split(' ').length > 20, 'the P10–P90 band has points');
    assert.match(await page.locator('#proj svg desc').textContent(), /Median/);
    await shot(page, 'national');
  });

  await flow(ctx, page, 'region-sites-and-export', async () => {
    await signIn(page, NATIONAL);
    await openPlan(page);
    await page.locator('#region').selectOption('01');
    await page.getByRole('button', { name: 'Visa' }).click();
    await page.locator('#sites table').waitFor();
    assert.ok((await page.locator('#sites tbody tr').count()) >= 10);
    const csv = await page.request.get(await page.locator('#dl-csv').evaluate((a) => a.href));
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /^level,region,site_id/);
    const xlsx = await page.request.get(await page.locator('#dl-xlsx').evaluate((a) => a.href));
    assert.equal(xlsx.status(), 200);
    assert.equal((await xlsx.body()).subarray(0, 2).toString(), 'PK');
    await page.locator('#sites').scrollIntoViewIfNeeded();
    await shot(page, 'sites');
  });

  await flow(ctx, page, 'replan-preview-and-apply', async () => {
    const cookie = await signIn(page, NATIONAL);
    await openPlan(page);
    const before = await apiJson('GET', '/api/v1/deliveries/changes?vaccine=COM', null, cookie);
    /* keyboard only: type the figure, Tab to Preview, Enter */
    await page.locator('#doses').fill('44832');
    await page.locator('#reason').fill('halverad leverans');
    await tabTo(page, page.locator('#preview'), 10);
    await page.keyboard.press('Enter');
    await page.locator('#replan-result').waitFor();
    assert.match(await page.locator('#replan-result').textContent(), /Förhandsgranskning: 89\s?664 → 44\s?832/);
    assert.match(await page.locator('#replan-out').textContent(), /Dos 2 utan vaccin/);
    const mid = await apiJson('GET', '/api/v1/deliveries/changes?vaccine=COM', null, cookie);
    assert.equal(mid.data.changes.length, before.data.changes.length, 'a preview stores nothing');
    await page.locator('#replan-out').scrollIntoViewIfNeeded();
    await shot(page, 'replan-preview');
    await page.locator('#apply').click();
    await page.locator('#replan-result', { hasText: 'Genomfört' }).waitFor();
    const after = await apiJson('GET', '/api/v1/deliveries/changes?vaccine=COM', null, cookie);
    assert.equal(after.data.changes.length, before.data.changes.length + 1);
    const last = after.data.changes.find((c) => c.week === '2021-W10' && c.after === 44832);
    assert.ok(last, 'the revision is stored');
    assert.equal(last.by, 'fohm1');
    assert.equal(last.reason, 'halverad leverans');
    await page.locator('#deliv tr', { hasText: '44 832' }).first().waitFor();
    await shot(page, 'replan-applied');
  });

  await flow(ctx, page, 'english', async () => {
    await signIn(page, NATIONAL);
    await openPlan(page);
    await page.locator('#lang').click();
    await page.getByRole('heading', { level: 1, name: 'Delivery plan, allocation and quotas' }).waitFor();
    await page.locator('#status').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await shot(page, 'english');
  });

  await flow(ctx, page, 'regional-coordinator', async () => {
    const cookie = await signIn(page, COORD);
    await openPlan(page);
    assert.equal(await page.locator('#alloc tbody tr').count(), 1);
    assert.equal(await page.locator('#region').isDisabled(), true);
    assert.ok((await page.locator('#sites tbody tr').count()) >= 10);
    assert.equal(await page.locator('#allocate').isHidden(), true);
    const other = await apiJson('GET', '/api/v1/allocations?week=2021-W10&vaccine=COM&region=03', null, cookie);
    assert.equal(other.status, 403);
    await shot(page, 'regional');
  });

  await flow(ctx, page, 'no console errors (CSP violations, script errors)', async () => {
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

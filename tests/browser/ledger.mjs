/*
 * ledger.mjs — the council page (web/council.html) in chromium: sign in as a regional
 * coordinator, see the region's compensation statement (municipal nurses' doses x
 * tariff), download the PDF and XLSX, see the January 2024 doses without an agreement,
 * add an action to the council log; then as Stockholm's municipal coordinator: only
 * Stockholm's lines, offer premises and add a volunteer, see a sick-travel request
 * (made through the API for a Stockholm home-care resident, $VX_LEDGER_PNR) and order
 * it; English texts. Screenshots: ledger-*.png (each also checked for labelled
 * controls and contrast by lib.mjs).
 */
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BASE, SHOTS, CHROMIUM, stats, consoleErrors, log, check, flow as runFlow, shot as pageShot,
} from './lib.mjs';

function flow(ctx, page, name, fn) {
  return runFlow(ctx, page, name, fn, { start: 'council.html', prefix: 'ledger-' });
}

function shot(page, name) {
  return pageShot(page, `ledger-${name}`);
}

async function post(page, p, data) {
  const r = await page.request.post(new URL(p, BASE).href, {
    headers: { 'X-Requested-With': 'vaxchain' },
    data,
  });
  return r;
}

async function regionFlow(page) {
  await check('sign-in offers the two coordinator roles', async () => {
    await page.getByRole('heading', { level: 2, name: 'Logga in' }).waitFor();
    await shot(page, 'signin');
  });
  await check('the regional coordinator sees the statement', async () => {
    await page.getByRole('button', { name: 'Regional samordnare, Region Stockholm' }).click();
    await page.getByRole('heading', { level: 2, name: 'Avtal och ersättning' }).waitFor();
    const table = page.locator('#comp table.data').last();
    await table.waitFor();
    assert.ok((await table.locator('tbody tr').count()) > 3, 'lines of several municipalities');
    await assert.doesNotReject(page.getByText('AC-01-2021').first().waitFor());
    const total = await page.locator('#comp td.total').textContent();
    assert.match(total, /\d/);
    assert.notEqual(total.trim(), '0,00 kr');
  });
  await check('uncovered doses of January 2024 are listed', async () => {
    await page.locator('#comp #to').fill('2024-12-31');
    await page.getByRole('button', { name: 'Visa underlaget' }).click();
    await page.locator('#uncovered table.data').waitFor();
    const text = await page.locator('#uncovered').textContent();
    assert.match(text, /0180 Stockholm/);
    assert.match(text, /2024-01-01 – 2024-01-31/);
  });
  await check('PDF and XLSX downloads', async () => {
    for (const [f, magic] of [
      ['pdf', '%PDF'],
      ['xlsx', 'PK'],
    ]) {
      const href = await page.locator(`#comp a[href*="statements.${f}"]`).getAttribute('href');
      const r = await page.request.get(new URL(href, BASE).href);
      assert.equal(r.status(), 200, f);
      const body = await r.body();
      assert.equal(body.subarray(0, magic.length).toString('latin1'), magic, f);
    }
  });
  await check('an action is added to the council log', async () => {
    await page.locator('#i_title').fill('Gemensam kommunikation om vaccinationen');
    await page.locator('#i_owner').fill('Kommunikationschef');
    await page.locator('#i_due').fill('2021-03-31');
    await page.getByRole('button', { name: 'Lägg till i loggen' }).click();
    await page.getByRole('status').filter({ hasText: 'Sparat.' }).waitFor();
    await page.locator('#log').getByText('Gemensam kommunikation om vaccinationen').waitFor();
    await shot(page, 'region');
  });
}

async function muniFlow(page) {
  await check('the municipal coordinator sees only Stockholm', async () => {
    await page.getByRole('button', { name: 'Kommunal samordnare, Stockholms stad' }).click();
    await page.locator('#comp table.data').last().waitFor();
    const cells = await page.locator('#comp table.data').last().locator('tbody tr td:first-child').allTextContents();
    assert.ok(cells.length > 0);
    for (const c of cells) assert.match(c, /^0180 /);
    /* the region-wide log item is visible to the municipality */
    await page.locator('#log').getByText('Gemensam kommunikation om vaccinationen').waitFor();
  });
  await check('premises are offered and a volunteer added', async () => {
    await page.locator('#p_code').fill('P-0180-1');
    await page.locator('#p_name').fill('Kulturhuset');
    await page.locator('#p_address').fill('Sergels torg 3');
    await page.locator('#p_capacity').fill('400');
    await page.getByLabel('Tillgänglig (utan trappsteg)').check();
    await page.locator('#p_from').fill('2021-03-15');
    await page.locator('#p_to').fill('2021-06-30');
    await page.getByRole('button', { name: 'Erbjud lokal' }).click();
    await page.locator('#premises').getByText('P-0180-1 Kulturhuset').waitFor();
    await page.locator('#premises').getByText('erbjuden').waitFor();
    await page.locator('#s_name').fill('Volontär Vera');
    await page.locator('#s_comp').selectOption('host');
    await page.getByLabel('Volontär', { exact: true }).check();
    await page.locator('#s_from').fill('2021-03-15');
    await page.locator('#s_to').fill('2021-04-30');
    await page.getByRole('button', { name: 'Lägg till i poolen' }).click();
    await page.locator('#staff').getByText('Volontär Vera').waitFor();
  });
  await check('a sick-travel request is shown and ordered', async () => {
    const pnr = process.env.VX_LEDGER_PNR;
    assert.ok(pnr, 'VX_LEDGER_PNR');
    const r = await post(page, 'api/v1/sick-travel', {
      person: pnr,
      pickup_address: 'Hemgatan 5, Stockholm',
      wheelchair: true,
    });
    assert.equal(r.status(), 201, await r.text());
    await page.reload();
    await page.locator('#travel').getByText('Hemgatan 5, Stockholm').waitFor();
    await page.locator('#travel').getByRole('button', { name: 'beställd' }).click();
    await page.getByRole('status').filter({ hasText: 'Sparat.' }).waitFor();
    await page.locator('#travel').getByRole('button', { name: 'klar' }).waitFor();
    await shot(page, 'muni');
  });
  await check('English', async () => {
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await page.getByRole('heading', { level: 2, name: 'Agreements and compensation' }).waitFor();
    await page.locator('#travel').getByText('ordered').waitFor();
    await shot(page, 'en');
  });
}

async function main() {
  const health = await fetch(new URL('healthz', BASE)).catch(() => null);
  if (!health || !health.ok) throw new Error(`no server at ${BASE}`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vx-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: process.env.VX_HEADFUL !== '1',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(10000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await flow(ctx, page, 'region', () => regionFlow(page));
    await flow(ctx, page, 'muni', () => muniFlow(page));
    await flow(ctx, page, 'console', () =>
      check('no console errors (CSP violations, script errors)', async () => {
        const real = consoleErrors.filter((e) => !/status of 4\d\d/.test(e));
        assert.deepEqual(real, []);
      }),
    );
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main()
  .catch((e) => {
    stats.failed++;
    log(`FAIL setup: ${e && e.stack ? e.stack : e}`);
  })
  .finally(() => {
    log(`screenshots in ${path.relative(process.cwd(), SHOTS) || '.'}`);
    console.log(`browser: ${stats.passed} passed, ${stats.failed} failed`);
    process.exit(stats.failed ? 1 : 0);
  });

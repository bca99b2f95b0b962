/*
 * ledger.mjs — the council page (web/council.html) in chromium: sign in as a regional
 * coordinator, see the region's compensation statement (municipal nurses' doses x
 * tariff), download the PDF and XLSX, see the January 2024 doses without an agreement,
 * add an action to the council log; then as Stockholm's municipal coordinator: only
 * Stockholm's lines, offer premises and add a volunteer, see a sick-travel request
 * (made through the API for a Stockholm home-care resident, $VX_LEDGER_PNR) and order
 * it, raise a dispute; then as the regional coordinator again: record an adjustment
 * and see the statement total change on screen (cross-checked with the API), decide
 * the dispute (who decided and why), assign a vaccinator and the premises to a site
 * for a day and see the accordion capacity, see a refusal at the field; then sign in
 * as the municipal coordinator of another municipality chosen at sign-in. Swedish and
 * English. Screenshots: ledger-*.png (each also checked for labelled controls and
 * contrast by lib.mjs).
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

async function getJson(page, p) {
  const r = await page.request.get(new URL(p, BASE).href);
  assert.equal(r.status(), 200, await r.text());
  return r.json();
}

/* "12 345,67 kr" → öre */
function oreOf(text) {
  const v = text.replace(/[\s\u00a0\u202f]|kr/g, '').replace('\u2212', '-').replace(',', '.');
  return Math.round(Number(v) * 100);
}

async function signInRegion(page) {
  await page.getByRole('button', { name: 'Logga in som regional samordnare' }).click();
  await page.getByRole('heading', { level: 2, name: 'Avtal och ersättning' }).waitFor();
}

async function regionFlow(page) {
  await check('sign-in offers a region and its municipalities', async () => {
    await page.getByRole('heading', { level: 2, name: 'Logga in' }).waitFor();
    assert.equal(await page.getByLabel('Region', { exact: true }).inputValue(), '01');
    assert.equal(await page.getByLabel('Kommun', { exact: true }).inputValue(), '0180');
    const opts = await page.locator('#login_kommun option').allTextContents();
    assert.ok(opts.includes('0181 Södertälje'), opts.join());
    assert.ok(opts.length >= 20, `Stockholm's 26 municipalities (${opts.length})`);
    await shot(page, 'signin');
  });
  await check('the regional coordinator sees the statement', async () => {
    await signInRegion(page);
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
    await page.getByRole('button', { name: 'Logga in som kommunal samordnare' }).click();
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
    await page.locator('#p_from').fill('2021-03-08');
    await page.locator('#p_to').fill('2021-06-30');
    await page.getByRole('button', { name: 'Erbjud lokal' }).click();
    await page.locator('#premises').getByText('P-0180-1 Kulturhuset').waitFor();
    await page.locator('#premises').getByText('erbjuden').waitFor();
    await page.locator('#s_name').fill('Volontär Vera');
    await page.locator('#s_comp').selectOption('host');
    await page.getByLabel('Volontär', { exact: true }).check();
    await page.locator('#s_from').fill('2021-03-10');
    await page.locator('#s_to').fill('2021-04-30');
    await page.getByRole('button', { name: 'Lägg till i poolen' }).click();
    await page.locator('#staff').getByText('Volontär Vera').waitFor();
    await page.locator('#s_name').fill('Sköterska Sara');
    await page.locator('#s_comp').selectOption('vaccinator');
    await page.locator('#s_from').fill('2021-03-08');
    await page.locator('#s_to').fill('2021-03-31');
    await page.getByRole('button', { name: 'Lägg till i poolen' }).click();
    await page.locator('#staff').getByText('Sköterska Sara').waitFor();
  });
  await check('a dispute is raised (refused first without a subject)', async () => {
    await page.locator('#d_from').fill('2024-01-01');
    await page.locator('#d_to').fill('2024-01-31');
    await page.locator('#d_claimed').fill('abc');
    await page.getByRole('button', { name: 'Väck tvisten' }).click();
    await page.locator('#d_claimed[aria-invalid="true"]').waitFor();
    await page.locator('#d_claimed-error').waitFor();
    await page.locator('#d_claimed').fill('625');
    await page.getByRole('button', { name: 'Väck tvisten' }).click();
    /* the server refuses the empty subject at its field */
    await page.locator('#d_subject[aria-invalid="true"]').waitFor();
    assert.equal(await page.locator('#d_from').inputValue(), '2024-01-01', 'the form keeps its values');
    await page.locator('#d_subject').fill('Ersättning för januari 2024');
    await page.getByRole('button', { name: 'Väck tvisten' }).click();
    await page.getByRole('status').filter({ hasText: 'Sparat.' }).waitFor();
    const row = page.locator('#disputes tbody tr').filter({ hasText: 'Ersättning för januari 2024' });
    await row.getByText('öppen').waitFor();
    await row.getByText('kk0180').waitFor();
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

async function councilFlow(page) {
  await check('an adjustment changes the statement total', async () => {
    await page.reload(); /* the last flow left English in localStorage until now */
    await signInRegion(page);
    const before = oreOf(await page.locator('#comp td.total').textContent());
    const api0 = await getJson(page, 'api/v1/compensation/statements?from=2020-12-27&to=2021-03-08');
    assert.equal(api0.total_ore, before, 'the page shows the API total');
    await page.locator('#adj_kommun').selectOption('0180');
    await page.locator('#adj_amount').fill('-1 250,50');
    await page.locator('#adj_reason').fill('Dubbelregistrerade doser vecka 9');
    await page.locator('#adj_by').fill('Samverkansrådet');
    await page.getByRole('button', { name: 'Registrera justeringen' }).click();
    await page.getByRole('status').filter({ hasText: 'Sparat.' }).waitFor();
    await page.locator('#comp').getByText('Dubbelregistrerade doser vecka 9').waitFor();
    const after = oreOf(await page.locator('#comp td.total').textContent());
    assert.equal(after, before - 125050);
    const api1 = await getJson(page, 'api/v1/compensation/statements?from=2020-12-27&to=2021-03-08');
    assert.equal(api1.total_ore, after);
    assert.equal(api1.adjust_ore, -125050);
    const a = api1.adjustments.find((x) => x.reason === 'Dubbelregistrerade doser vecka 9');
    assert.equal(a.decided_by, 'Samverkansrådet');
    assert.equal(a.kommun, '0180');
    await shot(page, 'adjust');
  });
  await check('a zero amount is refused at the field', async () => {
    await page.locator('#adj_amount').fill('0');
    await page.locator('#adj_reason').fill('x');
    await page.getByRole('button', { name: 'Registrera justeringen' }).click();
    await page.locator('#adj_amount[aria-invalid="true"]').waitFor();
    assert.match(await page.locator('#adj_amount-error').textContent(), /kronor/);
    assert.match(await page.locator('#adj_amount').getAttribute('aria-describedby'), /adj_amount-error/);
  });
  await check('the dispute is decided with who and why', async () => {
    await page.locator('#dd_status').selectOption('rejected');
    await page.locator('#dd_resolution').fill('Inget avtal gällde i januari 2024');
    await page.locator('#dd_by').fill('Regionstyrelsens arbetsutskott');
    await page.getByRole('button', { name: 'Fatta beslut' }).click();
    await page.getByRole('status').filter({ hasText: 'Sparat.' }).waitFor();
    const row = page.locator('#disputes tbody tr').filter({ hasText: 'Ersättning för januari 2024' });
    await row.getByText('avslagen').waitFor();
    await row.getByText('Regionstyrelsens arbetsutskott: Inget avtal gällde i januari 2024').waitFor();
    const d = await getJson(page, 'api/v1/compensation/disputes');
    const x = d.items.find((i) => i.subject === 'Ersättning för januari 2024');
    assert.equal(x.status, 'rejected');
    assert.equal(x.decided_by, 'Regionstyrelsens arbetsutskott');
  });
  await check('staff and premises are assigned to a site for a day; capacity shown', async () => {
    await page.locator('#a_day').fill('2021-03-10');
    await page.getByRole('button', { name: 'Visa dagen' }).click();
    await page.locator('#a-day-h').filter({ hasText: '10 mars' }).waitFor();
    const site = await page.locator('#a_site').inputValue();
    const vera = page.locator('#a_resource option').filter({ hasText: 'Sköterska Sara' });
    await page.locator('#a_resource').selectOption(await vera.getAttribute('value'));
    await page.locator('#a_res_day').fill('2021-03-10');
    await page.getByRole('button', { name: 'Tilldela', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Sparat.' }).waitFor();
    const kh = page.locator('#a_resource option').filter({ hasText: 'P-0180-1 Kulturhuset' });
    await page.locator('#a_resource').selectOption(await kh.getAttribute('value'));
    await page.locator('#a_res_day').fill('2021-03-10');
    await page.getByRole('button', { name: 'Tilldela', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Sparat.' }).waitFor();
    const day = page.locator('#assign table.data').first();
    await day.getByText('Sköterska Sara').waitFor();
    await day.getByText('Kulturhuset').waitFor();
    const cap = await getJson(page, `api/v1/capacity?site=${encodeURIComponent(site)}&from=2021-03-10&to=2021-03-10`);
    const c = cap.items[0];
    assert.equal(c.vaccinators, 1);
    assert.equal(c.premises_capacity, 400);
    const summary = await page.locator('#cap-summary').textContent();
    assert.ok(summary.includes(`${c.capacity} doser`), summary);
    const first = page.locator('#assign table.data').last().locator('tbody tr').first();
    assert.match(await first.textContent(), /1 \/ \d+/);
    await shot(page, 'assign');
  });
  await check('the server refuses a double assignment at the field', async () => {
    const vera = page.locator('#a_resource option').filter({ hasText: 'Sköterska Sara' });
    await page.locator('#a_resource').selectOption(await vera.getAttribute('value'));
    await page.locator('#a_res_day').fill('2021-03-10');
    await page.getByRole('button', { name: 'Tilldela', exact: true }).click();
    await page.locator('#a_resource[aria-invalid="true"]').waitFor();
    assert.match(await page.locator('#a_resource-error').textContent(), /redan tilldelad/);
    /* outside her availability (until 31 March) */
    await page.locator('#a_res_day').fill('2021-04-15');
    await page.getByRole('button', { name: 'Tilldela', exact: true }).click();
    await page.locator('#a_res_day[aria-invalid="true"]').waitFor();
    assert.match(await page.locator('#a_res_day-error').textContent(), /inte tillgänglig/);
    await shot(page, 'assign-refused');
  });
  await check('English: assignment, capacity and disputes', async () => {
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await page.getByRole('heading', { level: 2, name: 'Staff and premises per vaccination site' }).waitFor();
    await page.locator('#cap-summary').filter({ hasText: 'Capacity on' }).waitFor();
    await page.locator('#disputes').getByText('rejected').waitFor();
    await shot(page, 'assign-en');
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await page.getByRole('heading', { level: 2, name: 'Avtal och ersättning' }).waitFor();
  });
}

async function otherMuniFlow(page) {
  await check('another municipality is chosen at sign-in', async () => {
    await page.getByRole('heading', { level: 2, name: 'Logga in' }).waitFor();
    await page.getByLabel('Kommun', { exact: true }).selectOption('0181');
    await page.getByRole('button', { name: 'Logga in som kommunal samordnare' }).click();
    await page.getByRole('heading', { level: 2, name: 'Avtal och ersättning' }).waitFor();
    assert.match(await page.locator('#who').textContent(), /kk0181.*0181 Södertälje/);
    const me = await getJson(page, 'api/v1/me');
    assert.equal(me.kommun, '0181');
    const st = await getJson(page, 'api/v1/compensation/statements');
    for (const l of st.lines) assert.equal(l.kommun, '0181');
    /* Stockholm's dispute is not Södertälje's */
    assert.equal((await page.locator('#disputes').textContent()).includes('Ersättning för januari 2024'), false);
    await shot(page, 'other-muni');
  });
  await check('English sign-in in another region', async () => {
    await page.getByRole('button', { name: 'Logga ut' }).click();
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await page.getByRole('heading', { level: 2, name: 'Sign in' }).waitFor();
    await page.getByLabel('Region', { exact: true }).selectOption('24');
    await page.locator('#login_kommun option', { hasText: '2480 Umeå' }).waitFor({ state: 'attached' });
    await shot(page, 'signin-en');
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
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
    await flow(ctx, page, 'council', () => councilFlow(page));
    await flow(ctx, page, 'other-muni', () => otherMuniFlow(page));
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

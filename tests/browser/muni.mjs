#!/usr/bin/env node
/*
 * muni.mjs URL — browser tests of the municipal pages (web/municipality.html,
 * web/nurse.html) against a running `vaxchain serve --dev-login --date 2021-03-08` on
 * demo data (tests/cli/browser_muni.sh sets it up and hands over a resident-list CSV
 * of Stockholm's synthetic residents in $VX_MUNI_CSV and the lot in $VX_MUNI_LOT).
 *
 * Flows:
 *   coordinator  signs in for 0180, uploads the CSV (version 1: everyone "new"), then
 *                a second version with one resident moved to another unit and one
 *                left out → the page shows "moved" and "removed"; list versions,
 *                coverage and the access log are on the page; English and back.
 *   nurse        signs in; a plan with Comirnaty in vials is refused by the transport
 *                rules (shown); a plan with drawn-up syringes for the home health
 *                care unit HSV-1 is stored; the regional coordinator (its own browser,
 *                region-rounds.html) sees it waiting, cannot refuse without a reason,
 *                approves it and hands out the lot from a site chosen in the stock
 *                list → the site's stock API shows the doses gone; with the network cut
 *                (context.setOffline(true)) the nurse records every resident left as
 *                vaccinated → all queued on the tablet, nothing sent; back online →
 *                the queue empties, every resident shows the dose from the server;
 *                a copy of a sent record put back into the queue is sent again and
 *                answered "replayed" with the same dose; the coverage API counts the
 *                doses once; the coordinator's access log shows the records and the
 *                region's reads.
 * On every page: no console errors (CSP included), every control labelled, contrast
 * at least WCAG AA. Screenshots: $VX_SCREENSHOTS/muni-*.png. The person ids recorded
 * are written to $VX_MUNI_WORK/recorded.txt for the wrapper's database checks.
 */
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BASE, CHROMIUM, stats, consoleErrors, log, check, flow as runFlow, apiJson,
  shot as pageShot,
} from './lib.mjs';

const CSV = process.env.VX_MUNI_CSV;
const WORK = process.env.VX_MUNI_WORK || os.tmpdir();
const LOT = process.env.VX_MUNI_LOT || 'EJ6795';

function flow(ctx, page, name, fn, start) {
  return runFlow(ctx, page, name, fn, { start, prefix: 'muni-' });
}

function shot(page, name) {
  return pageShot(page, `muni-${name}`);
}

async function signIn(page, user) {
  await page.getByLabel('Kommunkod').fill('0180');
  await page.getByLabel('Användar-id').fill(user);
  await page.getByRole('button', { name: 'Logga in' }).click();
}

/* ------------------------------------------------------------ coordinator */

async function coordinatorFlow(page) {
  const v1 = fs.readFileSync(CSV, 'utf8');
  const lines = v1.trim().split('\n');
  const header = lines[0];
  const rows = lines.slice(1);
  await check('coordinator signs in', async () => {
    await page.getByRole('heading', { level: 2, name: 'Logga in (demo)' }).waitFor();
    await signIn(page, 'samordnare1');
    await page.getByRole('heading', { level: 2, name: 'Dela en boendelista med regionen' }).waitFor();
  });
  await check('an upload with a bad line is refused as "line N, column X", nothing stored', async () => {
    const bad = path.join(WORK, 'bad.csv');
    fs.writeFileSync(bad, `${header}\n${rows[0]}\n190001010000,X,special_housing,,given,\n`);
    await page.getByLabel('Fil (CSV)').setInputFiles(bad);
    await page.getByRole('button', { name: 'Ladda upp listan' }).click();
    const alert = page.locator('#upload-msg [role=alert]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /line 3, column personnummer/);
    assert.match(await page.locator('#lists-h + *').innerText(), /Ingen lista delad ännu/);
  });
  await check('version 1: every resident is new', async () => {
    await page.getByLabel('Fil (CSV)').setInputFiles(CSV);
    await page.getByLabel('Referens (avtal, beslut)').fill('Överenskommelse 2021-01');
    await page.getByRole('button', { name: 'Ladda upp listan' }).click();
    await page.locator('#upload-result').waitFor();
    assert.match(await page.locator('#upload-result').innerText(), new RegExp(`Version 1 sparad: ${rows.length} personer`));
    assert.equal(await page.locator('#upload-result tbody tr').count(), rows.length);
  });
  await shot(page, 'coord-v1');
  await check('version 2: one moved, one removed', async () => {
    /* move the first SABO-1 resident to SABO-2, leave out the last home-care row */
    const moved = rows.findIndex((r) => r.includes(',SABO-1,'));
    const gone = rows.map((r, i) => [r, i]).filter(([r]) => r.includes(',home_care,')).pop()[1];
    const v2 = rows
      .map((r, i) => (i === moved ? r.replace(',SABO-1,', ',SABO-2,') : r))
      .filter((r, i) => i !== gone);
    const file = path.join(WORK, 'v2.csv');
    fs.writeFileSync(file, `${header}\n${v2.join('\n')}\n`);
    await page.getByLabel('Fil (CSV)').setInputFiles(file);
    await page.getByRole('button', { name: 'Ladda upp listan' }).click();
    await page.getByText('Version 2 sparad').waitFor();
    const text = await page.locator('#upload-result').innerText();
    assert.match(text, /Flyttad/);
    assert.match(text, /SABO-1 · Särskilt boende/);
    assert.match(text, /SABO-2 · Särskilt boende/);
    assert.match(text, /Borttagen/);
    assert.equal(await page.locator('#upload-result tbody tr').count(), 2);
    const lists = await page.locator('#lists-h + *').innerText();
    assert.match(lists, /2 \(Aktuell\)/);
  });
  await shot(page, 'coord-v2');
  await check('coverage and the access log are shown', async () => {
    const cov = await page.locator('#coverage').innerText();
    assert.match(cov, /Hemsjukvård/);
    assert.match(cov, /Totalt/);
    assert.match(await page.locator('#access-log').innerText(), /muni\.list\.changes/);
  });
  await check('English and back', async () => {
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await page.getByRole('heading', { level: 2, name: 'Share a resident list with the region' }).waitFor();
    await shot(page, 'coord-en');
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await page.getByRole('heading', { level: 2, name: 'Dela en boendelista med regionen' }).waitFor();
  });
}

/* ------------------------------------------------------------ nurse */

async function regionLogin() {
  const r = await apiJson('POST', 'api/v1/session', { role: 'regional_coordinator', region: '01', user: 'rc1' });
  assert.equal(r.status, 201, `region login: ${JSON.stringify(r.data)}`);
  return r.cookie;
}

async function nurseFlow(ctx, page, rpage) {
  await check('nurse signs in', async () => {
    await signIn(page, 'ssk1');
    await page.getByRole('heading', { level: 2, name: 'Planera en runda' }).waitFor();
  });
  await check('Comirnaty in vials: the transport rules refuse the plan', async () => {
    await page.getByLabel('Enhet', { exact: true }).selectOption('HSV-1');
    await page.getByLabel('Vaccin', { exact: true }).selectOption('COM');
    await page.getByLabel('Transport', { exact: true }).selectOption('vials');
    await page.getByRole('button', { name: 'Planera rundan' }).click();
    const alert = page.locator('#plan-out [role=alert]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /skakningskänsligt/);
  });
  await shot(page, 'nurse-transport-refused');
  let roundId = 0;
  await check('drawn-up syringes: checked, planned, waiting for the region', async () => {
    await page.getByLabel('Transport', { exact: true }).selectOption('syringes');
    await page.getByRole('button', { name: 'Kontrollera transporten' }).click();
    await page.getByText('Transporten uppfyller vaccinets krav.').waitFor();
    await page.getByRole('button', { name: 'Planera rundan' }).click();
    await page.getByText('Rundan är planerad').waitFor();
    await page.getByText('Regionen har inte lämnat ut vaccin').waitFor();
    const rounds = await page.request.get(new URL('api/v1/municipalities/0180/rounds', BASE).href);
    roundId = (await rounds.json())[0].id;
    assert.ok(roundId > 0);
  });
  await check('the region approves the round on its page', async () => {
    await rpage.goto(new URL('region-rounds.html', BASE).href);
    await rpage.getByLabel('Regionkod').fill('01');
    await rpage.getByLabel('Användar-id').fill('rc1');
    await rpage.getByRole('button', { name: 'Logga in' }).click();
    const card = rpage.locator(`article[data-round="${roundId}"]`);
    await card.waitFor();
    assert.match(await card.innerText(), /Planerad – väntar på regionen/);
    await shot(rpage, 'region-waiting');
    /* refusing needs a reason: nothing is sent without one */
    await card.getByRole('button', { name: /^Avslå:/ }).click();
    await card.getByText('Skriv en motivering när rundan avslås.').waitFor();
    await card.getByLabel('Motivering').fill('Godkänd enligt överenskommelse');
    await card.getByRole('button', { name: /^Godkänn:/ }).click();
    await rpage.locator('#region-note', { hasText: 'är godkänd' }).waitFor();
  });
  await check('the region hands out the lot from a site: the stock goes down', async () => {
    const ck = await regionLogin();
    const base = `api/v1/municipalities/0180/rounds/${roundId}`;
    let r = await apiJson('GET', base, null, ck);
    assert.equal(r.status, 200);
    assert.equal(r.data.resident_list[0].consent, undefined, 'the region sees no consent');
    assert.equal(r.data.status, 'approved');
    const ordered = r.data.doses_ordered;
    r = await apiJson('GET', `${base}/stock`, null, ck);
    assert.equal(r.status, 200, JSON.stringify(r.data));
    const src = r.data.find((x) => x.lot_number === LOT);
    assert.ok(src, `lot ${LOT} in the region's stock: ${JSON.stringify(r.data)}`);
    const stockOf = async () => {
      const s = await apiJson('GET', `api/v1/sites/${src.site_id}/stock`, null, ck);
      assert.equal(s.status, 200, JSON.stringify(s.data));
      return s.data.lots.find((l) => l.lot_number === LOT).doses;
    };
    const before = await stockOf();
    assert.equal(before, src.doses);
    const card = rpage.locator(`article[data-round="${roundId}"]`);
    const select = card.getByLabel('Från lager (mottagning och batch)');
    const options = await select.locator('option').allInnerTexts();
    const idx = options.findIndex((o) => o.startsWith(`${src.site} · ${LOT} · `));
    assert.ok(idx >= 0, `source option for ${src.site}/${LOT}: ${options}`);
    await select.selectOption({ index: idx });
    assert.equal(await card.getByLabel('Doser').inputValue(), String(ordered));
    await shot(rpage, 'region-handout');
    await card.getByRole('button', { name: /^Lämna ut vaccin:/ }).click();
    const note = rpage.locator('#region-note', { hasText: 'utlämnade från' });
    await note.waitFor();
    assert.match(await note.innerText(), new RegExp(`Kvar i lager där: ${before - ordered} doser`));
    assert.equal(await stockOf(), before - ordered, 'the hand-over took the doses out of the site stock');
    assert.match(await rpage.locator('#rounds-h + *').innerText(), new RegExp(`${ordered} × ${LOT}`));
    await shot(rpage, 'region-handed');
    await rpage.getByRole('button', { name: 'Change language to English' }).click();
    await rpage.getByRole('heading', { level: 2, name: 'Other rounds' }).waitFor();
    await shot(rpage, 'region-en');
    await rpage.getByRole('button', { name: 'Byt språk till svenska' }).click();
  });
  let residents = [];
  await check('the nurse sees the vaccine handed out', async () => {
    await page.getByRole('button', { name: 'Läs in igen' }).click();
    await page.getByText(`Batch ${LOT}`).waitFor();
    residents = await page.locator('#left-list h3').allInnerTexts();
    assert.ok(residents.length >= 2, `residents left: ${residents}`);
  });
  await shot(page, 'nurse-round');
  await check('offline: every record is queued on the tablet, nothing is sent', async () => {
    await ctx.setOffline(true);
    await page.getByText('Ingen anslutning').waitFor();
    for (const name of residents) {
      await page.getByRole('button', { name: `Vaccinerad: ${name}`, exact: true }).click();
      await page.locator('#done-list li[data-state=queued] h3', { hasText: name }).waitFor();
    }
    await page.getByText(`${residents.length} registreringar i kö`).waitFor();
    const q = await page.evaluate(() => JSON.parse(localStorage.getItem('vaxchain.muni.queue.0180')));
    assert.equal(q.length, residents.length);
    assert.equal(new Set(q.map((x) => x.key)).size, residents.length);
    await page.waitForTimeout(1200); /* a retry tick may run: it must keep the queue */
    assert.equal((await page.evaluate(() => JSON.parse(localStorage.getItem('vaxchain.muni.queue.0180')))).length, residents.length);
  });
  await shot(page, 'nurse-offline');
  let sentCopy = null;
  await check('back online: the queue is sent and every resident has a dose', async () => {
    sentCopy = await page.evaluate(() => JSON.parse(localStorage.getItem('vaxchain.muni.queue.0180'))[0]);
    await ctx.setOffline(false);
    await page.getByText('Inga registreringar i kö').waitFor({ timeout: 15000 });
    await page.getByText('Alla i rundan är klara.').waitFor();
    const done = await page.locator('#done-list li[data-state=sent]').allInnerTexts();
    assert.equal(done.length, residents.length);
    for (const d of done) assert.match(d, new RegExp(`Dos 1, batch ${LOT}`));
  });
  await shot(page, 'nurse-online');
  await check('a resent record is answered "replayed" with the same dose', async () => {
    const r1 = await page.request.get(new URL(`api/v1/municipalities/0180/rounds/${roundId}`, BASE).href);
    const before = (await r1.json()).resident_list.find((x) => x.person_id === sentCopy.person);
    await page.evaluate((item) => localStorage.setItem('vaxchain.muni.queue.0180', JSON.stringify([item])), sentCopy);
    const resp = page.waitForResponse((r) => r.url().includes('/records') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Läs in igen' }).click();
    /* online, the page sends a non-empty queue by itself when it loads the round; the
     * button is only a way to do it sooner, so it may be gone before it is clicked */
    await page
      .getByRole('button', { name: 'Skicka nu' })
      .click({ timeout: 1000 })
      .catch(() => {});
    const res = await resp;
    const body = await res.json();
    assert.equal(res.status(), 201);
    assert.equal(body.replayed, true);
    assert.equal(body.dose_id, before.dose_id);
    await page.getByText('Inga registreringar i kö').waitFor();
  });
  await check('the register counts each dose once (coverage API, round API)', async () => {
    const cov = await page.request.get(new URL('api/v1/municipalities/0180/coverage', BASE).href);
    assert.equal((await cov.json()).nurse_doses, residents.length);
    const r = await page.request.get(new URL(`api/v1/municipalities/0180/rounds/${roundId}`, BASE).href);
    const round = await r.json();
    assert.equal(round.status, 'done');
    assert.equal(round.by_outcome.vaccinated, residents.length);
    const ids = round.resident_list.map((x) => x.dose_id);
    assert.equal(new Set(ids).size, ids.length);
    fs.writeFileSync(path.join(WORK, 'recorded.txt'), round.resident_list.map((x) => `${x.person_id}\n`).join(''));
  });
  await check('the coordinator sees the records and the region’s reads in the access log', async () => {
    const c = await apiJson('POST', 'api/v1/session', { role: 'municipal_coordinator', kommun: '0180', user: 'samordnare1' });
    const logr = await apiJson('GET', 'api/v1/municipalities/0180/access-log?limit=500', null, c.cookie);
    assert.equal(logr.status, 200);
    const recs = logr.data.filter((a) => a.action === 'muni.round.record');
    assert.equal(recs.length, residents.length);
    assert.ok(logr.data.some((a) => a.actor === 'rc1' && a.action === 'muni.round.read'));
  });
}

async function main() {
  const health = await fetch(new URL('healthz', BASE)).catch(() => null);
  if (!health || !health.ok) throw new Error(`no server at ${BASE}`);
  assert.ok(CSV && fs.existsSync(CSV), 'VX_MUNI_CSV must name the resident-list CSV');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vx-chromium-'));
  const launchOpts = {
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
    viewport: { width: 1100, height: 900 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
  };
  const ctx = await chromium.launchPersistentContext(profile, launchOpts);
  let rctx = null;
  let rprofile = null;
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(10000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await flow(ctx, page, 'coordinator', () => coordinatorFlow(page), 'municipality.html');
    await page.goto(new URL('nurse.html', BASE).href);
    /* the regional coordinator works in a browser of its own (its own session cookie) */
    rprofile = fs.mkdtempSync(path.join(os.tmpdir(), 'vx-chromium-'));
    rctx = await chromium.launchPersistentContext(rprofile, launchOpts);
    const rpage = rctx.pages()[0] || (await rctx.newPage());
    rpage.setDefaultTimeout(10000);
    rpage.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    rpage.on('pageerror', (e) => consoleErrors.push(String(e)));
    await flow(ctx, page, 'nurse', () => nurseFlow(ctx, page, rpage), 'nurse.html');
    await flow(ctx, page, 'console', () =>
      check('no console errors (CSP violations, script errors)', async () => {
        const real = consoleErrors.filter(
          (e) => !/status of 4\d\d/.test(e) && !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e),
        );
        assert.deepEqual(real, []);
      }),
    'nurse.html');
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
    if (rctx) await rctx.close();
    if (rprofile) fs.rmSync(rprofile, { recursive: true, force: true });
  }
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

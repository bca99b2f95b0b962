#!/usr/bin/env node
/*
 * care.mjs URL — browser tests of the care pages (web/vaccinator.html,
 * web/site.html) against a running `vaxchain serve --dev-login` on demo data with
 * a clinic day prepared by tests/cli/browser_care.sh (bookings at the vaccinator
 * persona's site today, one person of that region who may join the standby list,
 * given as $VX_CARE_STANDBY_PNR). Drives Debian chromium through npm
 * playwright-core, headless.
 *
 * A clinic day: the vaccinator signs in, sees today's list (the same bookings the
 * API lists), checks a person in with the keyboard only, opens a vial (live
 * countdown), gets a refusal shown at the field (wrong dose number), records doses
 * until the vial is used (the doses left go down with every dose, the bookings
 * become attended), opens a second vial, offers a dose to a standby candidate,
 * marks the offer accepted, records the standby dose, closes the vial (leftover →
 * wastage). The site coordinator receives a delivery, records wastage, counts a
 * lot with a discrepancy (flagged), records a cold-chain excursion, and gets a
 * missing lot number at the field. After every step the server's data is read
 * back through the API with the browser's own session. Both pages in English and
 * at tablet width (768 px, no horizontal scrolling). On every page: no console
 * errors (CSP violations included), every control labelled, text contrast at
 * least WCAG AA. Screenshots: $VX_SCREENSHOTS/care-*.png (default build/screenshots/).
 *
 * Environment: CHROMIUM, VX_SCREENSHOTS, VX_HEADFUL=1, VX_CARE_STANDBY_PNR.
 * Exit 0 when every check passed; the last line is "N passed, N failed".
 */
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BASE,
  SHOTS,
  CHROMIUM,
  stats,
  consoleErrors,
  log,
  check,
  flow as runFlow,
  apiJson,
  tabTo,
  shot as pageShot,
} from './lib.mjs';

function flow(ctx, page, name, fn, start) {
  return runFlow(ctx, page, name, fn, { start, prefix: 'care-' });
}

function shot(page, name) {
  return pageShot(page, `care-${name}`);
}

async function heading(page, text, level = 1) {
  await page.getByRole('heading', { level, name: text }).waitFor();
}

/* GET `p` with the browser's session (the page's cookies). */
async function get(page, p) {
  const r = await page.request.get(new URL(p, BASE).href, { headers: { Accept: 'application/json' } });
  assert.equal(r.status(), 200, `GET ${p}: ${r.status()} ${await r.text()}`);
  return r.json();
}

/* Sign in on the page's own form as the staff persona whose user is `user`. */
async function signIn(page, user) {
  await page.getByRole('radio', { name: new RegExp(user) }).check();
  await page.getByRole('button', { name: 'Logga in' }).click();
}

async function noHorizontalScroll(page) {
  const over = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(over <= 1, `the page scrolls sideways by ${over} px`);
}

async function message(page, re) {
  await page.getByText(re).first().waitFor();
}

/* ------------------------------------------------------------ vaccinator */

async function vaccinatorFlow(page, standbyName) {
  let site = null;
  let day = null;

  await check('signed out: the page offers the staff sign-in', async () => {
    await heading(page, 'Vaccinatör – dagens mottagning');
    await heading(page, 'Logga in', 2);
    await page.getByRole('radio', { name: /vaccinator1/ }).waitFor();
    await shot(page, '01-signin');
  });

  await check('the vaccinator signs in and sees today’s list', async () => {
    await signIn(page, 'vaccinator1');
    await page.locator('.day-table tbody tr').first().waitFor();
    const me = await get(page, 'api/v1/me');
    assert.equal(me.role, 'vaccinator');
    const sites = await get(page, 'api/v1/sites');
    site = (Array.isArray(sites) ? sites : sites.sites).find((s) => s.code === me.site);
    assert.ok(site, 'the session’s site is listed');
    day = await get(page, `api/v1/sites/${site.id}/checkin`);
    assert.ok(day.bookings.length >= 7, `only ${day.bookings.length} bookings today`);
    assert.equal(await page.locator('.day-table tbody tr').count(), day.bookings.length);
    const first = day.bookings[0];
    const row = page.locator('.day-table tbody tr').first();
    assert.match(await row.innerText(), new RegExp(first.family_name));
    assert.match(await row.innerText(), /Bokad/);
    await shot(page, '02-day-list');
  });

  const booked = () => day.bookings.filter((b) => b.status === 'booked');
  const nameOf = (b) => `${b.given_name} ${b.family_name}`;

  await check('check a person in with the keyboard only', async () => {
    const b = booked()[0];
    const btn = page.getByRole('button', { name: `Checka in ${nameOf(b)}` });
    await tabTo(page, btn, 80);
    await page.keyboard.press('Enter');
    await message(page, `${nameOf(b)} är incheckad.`);
    day = await get(page, `api/v1/sites/${site.id}/checkin`);
    const now = day.bookings.find((x) => x.id === b.id);
    assert.ok(now.arrived_at, 'arrived_at is set on the server');
    assert.match(await page.locator(`tr[data-booking="${b.id}"]`).innerText(), /Har kommit/);
  });

  let vial = null;
  await check('open a vial: it is listed with a live countdown and its doses', async () => {
    const stock = await get(page, `api/v1/sites/${site.id}/stock`);
    const lot = stock.lots.find((l) => l.vaccine === 'COM' && l.doses > 0);
    assert.ok(lot, 'the site has Comirnaty in stock');
    await page.getByLabel('Öppna en flaska av batch').selectOption(String(lot.lot));
    await page.getByRole('button', { name: 'Öppna flaska' }).click();
    await page.locator('.vials-table tbody tr').first().waitFor();
    const vials = (await get(page, `api/v1/sites/${site.id}/vials`)).vials;
    assert.equal(vials.length, 1);
    vial = vials[0];
    assert.equal(vial.left, vial.max_doses);
    assert.ok(vial.seconds_left > 0);
    const cd = page.locator('.vials-table .countdown').first();
    const t1 = await cd.innerText();
    assert.match(t1, /\d+ (h|min)/);
    /* it ticks every second: the text changes within 3 s */
    await page.waitForFunction(
      (before) => {
        const el = document.querySelector('.vials-table .countdown');
        return el && el.textContent !== before;
      },
      t1,
      { timeout: 3000 },
    );
    assert.equal((await page.locator('.vials-table .doses-left strong').innerText()).trim(), String(vial.left));
    const after = await get(page, `api/v1/sites/${site.id}/stock`);
    const lot2 = after.lots.find((l) => l.lot === lot.lot);
    assert.equal(lot2.doses, lot.doses - lot.doses_per_vial, 'stock goes down by one vial');
    await shot(page, '03-vial-open');
  });

  await check('a refusal is shown at the field it names (wrong dose number)', async () => {
    const b = day.bookings.find((x) => x.arrived_at && x.status === 'booked');
    await page.getByRole('button', { name: `Registrera dos för ${nameOf(b)}` }).click();
    await heading(page, `Registrera dos – ${nameOf(b)}`, 2);
    assert.equal(await page.getByLabel('Flaska', { exact: true }).inputValue(), String(vial.id));
    await page.getByLabel('Dosnummer').fill('3');
    await page.getByRole('button', { name: 'Registrera dosen' }).click();
    const input = page.getByLabel('Dosnummer');
    await page.locator('#f-dose-error').waitFor();
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.ok((await page.locator('#f-dose-error').innerText()).length > 5);
    assert.match(await page.locator('#record [role=alert]').innerText(), /Dosnummer/);
    await shot(page, '04-field-error');
    const v = (await get(page, `api/v1/sites/${site.id}/vials`)).vials[0];
    assert.equal(v.left, vial.left, 'nothing was drawn');
    await page.getByLabel('Dosnummer').fill('1');
  });

  await check('record doses until the vial is used; the doses left go down', async () => {
    let left = vial.left;
    let n = 0;
    while (left > 0) {
      if (n > 0) {
        const b = booked().find((x) => !x.dose_id);
        assert.ok(b, 'a booked person is left');
        await page.getByRole('button', { name: `Registrera dos för ${nameOf(b)}` }).click();
        await page.locator('#record').waitFor();
      }
      const who = (await page.locator('#record-h').innerText()).replace(/^.* – /, '');
      assert.equal(await page.getByLabel('Flaska', { exact: true }).inputValue(), String(vial.id));
      await page.getByRole('button', { name: 'Registrera dosen' }).click();
      await message(page, new RegExp(`Dos 1 till ${who} är registrerad`));
      n++;
      const vials = (await get(page, `api/v1/sites/${site.id}/vials`)).vials;
      const v = vials.find((x) => x.id === vial.id);
      const nowLeft = v ? v.left : 0;
      assert.equal(nowLeft, left - 1, 'one dose drawn per dose recorded');
      left = nowLeft;
      if (left > 0) {
        assert.equal(
          (await page.locator('.vials-table .doses-left strong').first().innerText()).trim(),
          String(left),
        );
      }
      day = await get(page, `api/v1/sites/${site.id}/checkin`);
      if (n === 1) await shot(page, '05-dose-recorded');
    }
    assert.equal(n, vial.max_doses);
    assert.equal(day.counts.attended, n);
    const attended = day.bookings.filter((b) => b.status === 'attended');
    assert.equal(attended.length, n);
    assert.equal(await page.locator('.day-table tr.st-attended').count(), n);
    assert.match(await page.locator('#day-counts').innerText(), new RegExp(`${n} vaccinerade`));
  });

  let vial2 = null;
  await check('a second vial; the standby list offers a candidate', async () => {
    const stock = await get(page, `api/v1/sites/${site.id}/stock`);
    const lot = stock.lots.find((l) => l.vaccine === 'COM' && l.doses > 0);
    await page.getByLabel('Öppna en flaska av batch').selectOption(String(lot.lot));
    await page.getByRole('button', { name: 'Öppna flaska' }).click();
    await message(page, /Flaska \d+ är öppnad/);
    vial2 = (await get(page, `api/v1/sites/${site.id}/vials`)).vials[0];
    assert.ok(vial2 && vial2.left === vial2.max_doses);
    const offerBtn = page.getByRole('button', { name: `Erbjud ${standbyName} en dos` });
    await offerBtn.waitFor();
    await shot(page, '06-standby');
    await offerBtn.click();
    await message(page, `${standbyName} har fått ett erbjudande.`);
    const sb = await get(page, `api/v1/sites/${site.id}/standby/offers?vial=${vial2.id}`);
    const offer = sb.offers.find((o) => o.status === 'offered');
    assert.ok(offer, 'the server has the offer');
    await page.getByRole('button', { name: `${standbyName} tackade ja` }).click();
    await message(page, `${standbyName} kommer.`);
    const sb2 = await get(page, `api/v1/sites/${site.id}/standby/offers?vial=${vial2.id}`);
    assert.equal(sb2.offers.find((o) => o.id === offer.id).status, 'accepted');
  });

  await check('record the standby dose', async () => {
    await page.locator('.offers-table').getByRole('button', { name: `Registrera dos för ${standbyName}` }).click();
    await heading(page, `Registrera dos – ${standbyName}`, 2);
    await page.getByText('Dos från reservlistan').waitFor();
    await page.getByLabel('Höger arm').check();
    await page.getByRole('button', { name: 'Registrera dosen' }).click();
    await message(page, new RegExp(`till ${standbyName} är registrerad`));
    const v = (await get(page, `api/v1/sites/${site.id}/vials`)).vials.find((x) => x.id === vial2.id);
    assert.equal(v.left, vial2.max_doses - 1);
    await shot(page, '07-standby-recorded');
  });

  await check('close the vial: the doses left become wastage (leftover)', async () => {
    const v = (await get(page, `api/v1/sites/${site.id}/vials`)).vials.find((x) => x.id === vial2.id);
    await page.getByRole('button', { name: `Stäng flaska ${vial2.id}` }).click();
    await message(page, new RegExp(`Flaska ${vial2.id} är stängd. ${v.left} doser`));
    const vials = (await get(page, `api/v1/sites/${site.id}/vials`)).vials;
    assert.ok(!vials.some((x) => x.id === vial2.id), 'the vial is closed on the server');
    const w = await get(page, `api/v1/sites/${site.id}/wastage`);
    assert.ok(
      w.wastage.some((x) => x.vial === vial2.id && x.reason === 'leftover' && x.doses === v.left),
      'leftover wastage of the vial',
    );
  });

  await check('English, and a tablet (768 px) without horizontal scrolling', async () => {
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await heading(page, 'Vaccinator – today’s clinic');
    await page.locator('.day-table').getByText('Vaccinated').first().waitFor();
    await shot(page, '08-vaccinator-en');
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.waitForTimeout(100);
    await noHorizontalScroll(page);
    await shot(page, '09-vaccinator-tablet-en');
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await heading(page, 'Vaccinatör – dagens mottagning');
    await shot(page, '10-vaccinator-tablet');
    await page.setViewportSize({ width: 1200, height: 900 });
  });
}

/* ------------------------------------------------------------ site coordinator */

async function siteFlow(page) {
  let site = null;
  const lotNo = `FA${String(Date.now() % 10000).padStart(4, '0')}`;
  let lot = null;

  await check('the site coordinator signs in and sees the stock per lot', async () => {
    await heading(page, 'Mottagningens lager och svinn');
    await signIn(page, 'site_coordinator1');
    await page.locator('#stock-h').waitFor();
    const me = await get(page, 'api/v1/me');
    const sites = await get(page, 'api/v1/sites');
    site = (Array.isArray(sites) ? sites : sites.sites).find((s) => s.code === me.site);
    const stock = await get(page, `api/v1/sites/${site.id}/stock`);
    assert.equal(await page.locator('.stock-table tbody tr').count(), stock.lots.length);
    await shot(page, '11-stock');
  });

  await check('a receipt without a lot number is refused at the field', async () => {
    await page.getByLabel('Antal', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Registrera leveransen' }).click();
    await page.locator('#r-lot-error').waitFor();
    assert.equal(await page.getByLabel('Batchnummer').getAttribute('aria-invalid'), 'true');
    await shot(page, '12-receipt-error');
  });

  await check('receive a delivery of 10 vials', async () => {
    await page.getByLabel('Batchnummer').fill(lotNo);
    await page.getByLabel('Utgångsdatum').fill('2021-06-30');
    await page.getByLabel('Enhet').selectOption('vials');
    await page.getByLabel('Antal', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Registrera leveransen' }).click();
    await message(page, new RegExp(`batch ${lotNo} är mottagna`));
    const stock = await get(page, `api/v1/sites/${site.id}/stock`);
    lot = stock.lots.find((l) => l.lot_number === lotNo);
    assert.ok(lot, 'the lot is in stock on the server');
    assert.equal(lot.doses, 10 * lot.doses_per_vial);
    await page.locator('.stock-table').getByText(lotNo).waitFor();
  });

  await check('record wastage (broken, 2 doses)', async () => {
    await page.locator('#w-lot').selectOption(String(lot.lot));
    await page.locator('#w-doses').fill('2');
    await page.locator('#w-reason').selectOption('broken');
    await page.locator('#w-note').fill('tappad flaska');
    await page.getByRole('button', { name: 'Registrera svinnet' }).click();
    await message(page, '2 doser registrerade som svinn (Trasig).');
    const w = await get(page, `api/v1/sites/${site.id}/wastage`);
    assert.ok(w.wastage.some((x) => x.lot === lot.lot && x.reason === 'broken' && x.doses === 2));
    const stock = await get(page, `api/v1/sites/${site.id}/stock`);
    assert.equal(stock.lots.find((l) => l.lot === lot.lot).doses, lot.doses - 2);
    lot = stock.lots.find((l) => l.lot === lot.lot);
    await shot(page, '13-wastage');
  });

  await check('a count with a discrepancy is flagged', async () => {
    const counted = lot.doses - lot.doses_per_vial;
    await page.locator('#c-lot').selectOption(String(lot.lot));
    await page.locator('#c-counted').fill(String(counted));
    await page.getByRole('button', { name: 'Registrera inventeringen' }).click();
    await message(page, new RegExp(`förväntat ${lot.doses}, räknat ${counted} \\(-${lot.doses_per_vial} doser\\)`));
    const stock = await get(page, `api/v1/sites/${site.id}/stock`);
    const fu = stock.followups.find((f) => f.lot === lot.lot);
    assert.ok(fu, 'a follow-up on the server');
    assert.equal(fu.discrepancy, -lot.doses_per_vial);
    assert.equal(stock.lots.find((l) => l.lot === lot.lot).doses, counted);
    assert.ok((await page.locator('.followups-table tr.discrepancy').count()) >= 1);
    await shot(page, '14-count-discrepancy');
  });

  await check('record a cold-chain excursion (still usable)', async () => {
    await page.locator('#e-lot').selectOption(String(lot.lot));
    await page.locator('#e-from').fill('2021-03-08T06:10');
    await page.locator('#e-to').fill('2021-03-08T06:50');
    await page.locator('#e-min').fill('2.5');
    await page.locator('#e-max').fill('10.5');
    await page.locator('#e-decision').selectOption('usable');
    await page.getByRole('button', { name: 'Registrera avvikelsen' }).click();
    await message(page, /Avvikelsen är registrerad/);
  });

  await check('the site page in English and at tablet width', async () => {
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await heading(page, 'Site stock and wastage');
    await shot(page, '15-site-en');
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.waitForTimeout(100);
    await noHorizontalScroll(page);
    await shot(page, '16-site-tablet-en');
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await page.setViewportSize({ width: 1200, height: 900 });
  });
}

/* ------------------------------------------------------------ main */

/* Put the standby person on the list of the vaccinator persona's site. */
async function standbyOptIn(pnr) {
  const login = await apiJson('POST', 'api/v1/session', { person: pnr });
  assert.equal(login.status, 201, `citizen login: ${JSON.stringify(login.data)}`);
  const personas = await apiJson('GET', 'api/v1/dev/personas');
  const vacc = personas.data.staff.find((s) => s.role === 'vaccinator');
  const sites = await apiJson('GET', 'api/v1/sites', null, login.cookie);
  const list = Array.isArray(sites.data) ? sites.data : sites.data.sites || [];
  const site = list.find((s) => s.code === vacc.site);
  assert.ok(site, `site ${vacc.site} is listed for the citizen`);
  const r = await apiJson(
    'POST',
    'api/v1/me/standby',
    { site: site.id, minutes: 15, phone: true, active: true },
    login.cookie,
  );
  assert.equal(r.status, 200, `standby opt-in: ${JSON.stringify(r.data)}`);
  const me = await apiJson('GET', 'api/v1/me', null, login.cookie);
  return me.data.display_name;
}

/*
 * Comirnaty in stock at the vaccinator persona's site: demo data may bring stock
 * (vx_care_demo_seed); when it has none, a site coordinator receives 5 vials
 * through the API, as the site page would.
 */
async function ensureStock() {
  const personas = await apiJson('GET', 'api/v1/dev/personas');
  const coord = personas.data.staff.find((s) => s.role === 'site_coordinator');
  const login = await apiJson('POST', 'api/v1/session', {
    role: coord.role,
    site: coord.site,
    user: coord.user,
  });
  assert.equal(login.status, 201, `coordinator login: ${JSON.stringify(login.data)}`);
  const sites = await apiJson('GET', 'api/v1/sites', null, login.cookie);
  const list = Array.isArray(sites.data) ? sites.data : sites.data.sites || [];
  const site = list.find((x) => x.code === coord.site);
  const stock = await apiJson('GET', `api/v1/sites/${site.id}/stock`, null, login.cookie);
  assert.equal(stock.status, 200, `stock: ${JSON.stringify(stock.data)}`);
  const com = stock.data.lots.filter((l) => l.vaccine === 'COM' && l.doses > 0);
  if (com.reduce((a, l) => a + l.doses, 0) >= 30) return;
  const r = await apiJson(
    'POST',
    'api/v1/receipts',
    { site: site.id, vaccine: 'COM', lot_number: 'EJ6795', expiry: '2021-05-31', vials: 5 },
    login.cookie,
  );
  assert.equal(r.status, 201, `receipt: ${JSON.stringify(r.data)}`);
  log(`received 5 vials of EJ6795 at ${coord.site} (no demo stock)`);
}

async function main() {
  const health = await fetch(new URL('healthz', BASE)).catch(() => null);
  if (!health || !health.ok) throw new Error(`no server at ${BASE}`);
  const pnr = process.env.VX_CARE_STANDBY_PNR;
  assert.ok(pnr, 'VX_CARE_STANDBY_PNR is not set (run through tests/cli/browser_care.sh)');
  await ensureStock();
  const standbyName = await standbyOptIn(pnr);
  log(`standby person ${standbyName}`);

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
    viewport: { width: 1200, height: 900 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(10000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await flow(ctx, page, 'vaccinator', () => vaccinatorFlow(page, standbyName), 'vaccinator.html');
    await flow(ctx, page, 'site', () => siteFlow(page), 'site.html');
    await flow(
      ctx,
      page,
      'console',
      () =>
        check('no console errors (CSP violations, script errors)', async () => {
          const real = consoleErrors.filter((e) => !/status of 4\d\d/.test(e));
          assert.deepEqual(real, []);
        }),
      'site.html',
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

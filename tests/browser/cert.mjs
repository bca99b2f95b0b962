#!/usr/bin/env node
/*
 * cert.mjs URL — browser tests of the certificate pages (web/certificate.html,
 * web/verify.html) against a running `vaxchain serve --dev-login --keys DIR` on demo
 * data with the phase-1 history (tests/cli/browser_cert.sh sets that up). Drives
 * Debian chromium through npm playwright-core, headless.
 *
 * Checks: signed out, the page links to the login; the special-housing persona
 * (vaccinated twice in Dec 2020–Feb 2021 by demo-setup) sees the QR code, name,
 * dose 2 of 2 and downloads the PDF; English and back (the choice kept in
 * localStorage "vaxchain.lang" like the booking UI); the HC1 text pasted into the
 * verifier with the keyboard only → "Giltigt" with every step passed; a tampered
 * text → "Ogiltigt" naming a failed step; a person without doses gets the
 * "no completed vaccination" text. On every page: no console errors (CSP
 * violations included), every control labelled, text contrast at least WCAG AA.
 * Screenshots go to $VX_SCREENSHOTS/cert-*.png (default build/screenshots/).
 *
 * With $VX_CERT_TESTDATA set, the certificate shown in the browser is also written
 * as a dgc-testdata case ($VX_CERT_TESTDATA/SE/demo.json: the HC1 text, its DCC,
 * the signer certificate from $VX_CERT_KEYS, the validation clock) so that the
 * wrapper can run `vaxchain cert testdata` on it.
 *
 * Environment: CHROMIUM (default /usr/bin/chromium), VX_SCREENSHOTS, VX_HEADFUL=1,
 * VX_CERT_TESTDATA, VX_CERT_KEYS. Exit 0 when every check passed; the last line is
 * "N passed, N failed".
 */
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BASE, SHOTS, CHROMIUM, stats, consoleErrors, log, check, flow as runFlow, apiJson, assertLabelled, tabTo,
  shot as pageShot,
} from './lib.mjs';

/* Flows start on the verifier page; their shots are prefixed "cert-". */
function flow(ctx, page, name, fn) {
  return runFlow(ctx, page, name, fn, { start: 'verify.html', prefix: 'cert-' });
}

function shot(page, name) {
  return pageShot(page, `cert-${name}`);
}

/* Sign in as `person` in the browser context (the dev login the booking UI uses). */
async function signIn(page, person) {
  const r = await page.request.post(new URL('api/v1/session', BASE).href, {
    headers: { 'X-Requested-With': 'vaxchain' },
    data: { person },
  });
  assert.equal(r.status(), 201, `dev login of ${person}`);
}

async function heading(page, text, level = 1) {
  await page.getByRole('heading', { level, name: text }).waitFor();
}

/* ------------------------------------------------------------ flows */

let hc1 = '';

async function citizenFlow(page, person) {
  await check('signed out: the page asks to sign in and links to the login', async () => {
    await page.goto(new URL('certificate.html', BASE).href);
    await heading(page, 'Mitt vaccinationsbevis');
    await heading(page, 'Logga in först', 2);
    const href = await page.getByRole('link', { name: 'Gå till inloggningen' }).getAttribute('href');
    assert.equal(href, '/');
    await shot(page, '01-signed-out');
  });

  await check(`${person.display_name} (special housing) sees the certificate`, async () => {
    await signIn(page, person.person);
    await page.goto(new URL('certificate.html', BASE).href);
    await heading(page, 'EU:s digitala covidintyg – vaccination', 2);
    const qr = page.getByRole('img', { name: /QR-kod med vaccinationsbeviset/ });
    await qr.waitFor();
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 100), 'QR image not loaded');
    const facts = await page.locator('.cert-facts').innerText();
    assert.match(facts, /Dos 2 av 2/);
    assert.match(facts, /Comirnaty/);
    const [given, ...family] = person.display_name.split(' ');
    assert.ok(facts.includes(given) && facts.includes(family.join(' ')), `name in ${facts}`);
    hc1 = await page.getByLabel('Bevisets text (HC1)').inputValue();
    assert.match(hc1, /^HC1:[0-9A-Z $%*+\-./:]+$/);
    await shot(page, '02-certificate');
  });

  await check('download the PDF', async () => {
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Beviset som PDF (svenska och engelska)' }).click(),
    ]);
    const file = path.join(SHOTS, 'cert-download.pdf');
    await dl.saveAs(file);
    const head = fs.readFileSync(file).subarray(0, 5).toString('latin1');
    assert.equal(head, '%PDF-');
    assert.ok(fs.statSync(file).size > 2000, 'PDF too small');
    assert.equal(dl.suggestedFilename(), 'vaccinationsbevis.pdf');
  });

  await check('English and back; the choice is remembered', async () => {
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await heading(page, 'My vaccination certificate');
    assert.match(await page.locator('.cert-facts').innerText(), /Dose 2 of 2/);
    assert.equal(await page.evaluate(() => localStorage.getItem('vaxchain.lang')), 'en');
    await shot(page, '03-certificate-en');
    await page.reload();
    await heading(page, 'My vaccination certificate');
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await heading(page, 'Mitt vaccinationsbevis');
  });
}

async function verifierFlow(page) {
  await check('the verifier accepts the HC1 text (keyboard only)', async () => {
    await page.goto(new URL('verify.html', BASE).href);
    await heading(page, 'Kontrollera ett vaccinationsbevis');
    const box = page.getByLabel('Bevisets text (börjar med HC1:)');
    await tabTo(page, box);
    await page.keyboard.insertText(hc1);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); /* the submit button */
    await heading(page, 'Giltigt', 2);
    const rows = page.locator('#steps tr');
    assert.equal(await rows.count(), 9);
    for (const text of await rows.allInnerTexts()) assert.match(text, /Godkänt/);
    assert.match(await page.locator('#content').innerText(), /dos 2 av 2/);
    await shot(page, '04-verify-valid');
  });

  await check('a tampered text is invalid and the failing step is named', async () => {
    const i = hc1.length - 20;
    const bad = hc1.slice(0, i) + (hc1[i] === 'A' ? 'B' : 'A') + hc1.slice(i + 1);
    await page.getByRole('button', { name: 'Töm' }).click();
    await page.getByLabel('Bevisets text (börjar med HC1:)').fill(bad);
    await page.getByRole('button', { name: 'Kontrollera' }).click();
    await heading(page, 'Ogiltigt', 2);
    assert.match(await page.locator('#verdict-text').innerText(), /misslyckades/);
    assert.ok((await page.locator('#steps tr.step-fail').count()) >= 1);
    await shot(page, '05-verify-invalid');
  });

  await check('empty input: a clear error at the field', async () => {
    await page.getByRole('button', { name: 'Töm' }).click();
    await page.getByRole('button', { name: 'Kontrollera' }).click();
    await page.getByText('Klistra in bevisets text först.').waitFor();
    assert.equal(await page.getByLabel('Bevisets text (börjar med HC1:)').getAttribute('aria-invalid'), 'true');
  });
}

async function noDosesFlow(page, person) {
  await check(`${person.display_name} (no doses) is told there is no certificate yet`, async () => {
    await signIn(page, person.person);
    await page.goto(new URL('certificate.html', BASE).href);
    await page.getByText('Det finns ingen fullständig vaccination registrerad för dig').waitFor();
    assert.equal(await page.locator('#cert').isHidden(), true);
    await shot(page, '06-no-certificate');
  });
}

/* The certificate as a dgc-testdata case for `vaxchain cert testdata`. */
async function writeTestdata() {
  const dir = process.env.VX_CERT_TESTDATA;
  const keys = process.env.VX_CERT_KEYS;
  if (!dir || !keys) return;
  await check('write the certificate as a conformance case', async () => {
    const v = await apiJson('POST', 'api/v1/certificates/verify', { hc1 });
    assert.equal(v.status, 200);
    assert.equal(v.data.valid, true);
    const dsc = fs.readdirSync(keys).find((f) => /^dsc-.*\.pem$/.test(f));
    assert.ok(dsc, 'no signer certificate in the key folder');
    const pem = fs.readFileSync(path.join(keys, dsc), 'utf8');
    const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const clock = new Date(v.data.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const c = {
      JSON: v.data.dcc,
      PREFIX: hc1,
      TESTCTX: { VERSION: 1, SCHEMA: '1.3.0', CERTIFICATE: b64, VALIDATIONCLOCK: clock, DESCRIPTION: 'vaxchain demo certificate from the browser' },
      EXPECTEDRESULTS: {
        EXPECTEDVALIDOBJECT: true,
        EXPECTEDSCHEMAVALIDATION: true,
        EXPECTEDVERIFY: true,
        EXPECTEDEXPIRATIONCHECK: true,
        EXPECTEDKEYUSAGE: true,
      },
    };
    fs.mkdirSync(path.join(dir, 'SE'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'SE', 'demo.json'), JSON.stringify(c, null, 2));
  });
}

/* ------------------------------------------------------------ main */

async function main() {
  const health = await fetch(new URL('healthz', BASE)).catch(() => null);
  if (!health || !health.ok) throw new Error(`no server at ${BASE}`);
  const personas = await apiJson('GET', 'api/v1/dev/personas');
  assert.equal(personas.status, 200, 'dev login must be on (serve --dev-login)');
  const persons = personas.data.persons || [];
  const housed = persons.find((p) => p.kind === 'special_housing');
  const young = persons.find((p) => p.kind === 'adult_18_59' || p.kind === 'age_80_plus');
  assert.ok(housed, 'no special-housing persona: demo-data too small?');
  log(`citizen ${housed.display_name}${young ? `, without doses ${young.display_name}` : ''}`);

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vx-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: process.env.VX_HEADFUL !== '1',
    acceptDownloads: true,
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
    await flow(ctx, page, 'citizen', () => citizenFlow(page, housed));
    if (hc1) {
      await flow(ctx, page, 'verifier', () => verifierFlow(page));
      await writeTestdata();
    }
    if (young) await flow(ctx, page, 'no-doses', () => noDosesFlow(page, young));
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

#!/usr/bin/env node
/*
 * booking.mjs URL — browser tests of the vaxchain web UI against a running server
 * (`vaxchain serve --dev-login` on demo data with a released cohort and slots;
 * tests/cli/browser.sh sets that up). Drives Debian chromium through npm
 * playwright-core, headless.
 *
 * Checks: the citizen flow end to end (sign in, eligibility, site, dose 1 with the
 * keyboard only, dose 2, confirm, My bookings, change time, cancel), the English
 * switch and that it persists, the call-centre flow (bad personnummer → a clear
 * error at the field; look-up; book, change, cancel for the caller), the waiting
 * room (position, estimated wait, polling, then it continues), and on every page:
 * no console errors (CSP violations included), every form control labelled, text
 * contrast at least WCAG AA. Screenshots of each page go to $VX_SCREENSHOTS
 * (default build/screenshots/ under the repository).
 *
 * Environment: CHROMIUM (default /usr/bin/chromium), VX_SCREENSHOTS, VX_HEADFUL=1.
 * Exit 0 when every check passed; the last line is "N passed, N failed".
 */
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BASE, SHOTS, CHROMIUM, stats, consoleErrors, log, check, flow, apiJson, assertLabelled, shot, tabTo,
} from './lib.mjs';

/* Demo persons who may book now (eligible and cohort released), found through the API. */
async function bookablePersons(persons) {
  const out = [];
  for (const p of persons) {
    const s = await apiJson('POST', 'api/v1/session', { person: p.person });
    if (s.status !== 201) continue;
    const e = await apiJson('GET', 'api/v1/me/eligibility', null, s.cookie);
    const b = await apiJson('GET', 'api/v1/me/bookings', null, s.cookie);
    await apiJson('DELETE', 'api/v1/session', null, s.cookie);
    const active = b.data && Array.isArray(b.data.bookings) ? b.data.bookings.length : 0;
    const can =
      e.data && (e.data.can_book ?? (e.data.eligible && e.data.cohort_released !== false));
    if (e.status === 200 && can && !active) out.push(p);
  }
  return out;
}

/* ------------------------------------------------------------ page checks */

async function heading(page, text) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
}

/* ------------------------------------------------------------ flows */

async function login(page, name) {
  await page.goto(BASE);
  await heading(page, /Logga in|Sign in/);
  await page.getByRole('radio', { name: new RegExp(name) }).check();
  await page.getByRole('button', { name: /^(Logga in|Sign in)$/ }).click();
}

async function logout(page) {
  await page.getByRole('button', { name: /Logga ut|Sign out/ }).click();
  await heading(page, /Logga in|Sign in/);
}

/* On the dose-1 page: the day radios that have free times. */
function freeDays(page) {
  return page.locator('.day-grid input[type=radio]:not([disabled])');
}

/* Site → dose 1 (day index `dayIdx`) → dose 2 → confirm; returns dose-1 text. */
async function pickTimes(page, dayIdx, shots) {
  await heading(page, /Välj mottagning|Choose a vaccination site/);
  if (shots) await shot(page, `${shots}-site`);
  const site = page.locator('input[name=site]');
  if (!(await page.locator('input[name=site]:checked').count())) await site.first().check();
  await page.getByRole('button', { name: /^(Fortsätt|Continue)$/ }).click();
  await heading(page, /Välj tid för dos 1|Choose a time for dose 1/);
  const days = freeDays(page);
  await days.nth(dayIdx).check();
  const times = page.locator('.times input[type=radio]');
  await times.first().check();
  const when = await page.locator('.times input[type=radio]:checked + label .time').textContent();
  if (shots) await shot(page, `${shots}-time`);
  await page.getByRole('button', { name: /^(Fortsätt|Continue)$/ }).click();
  await heading(page, /Välj tid för dos 2|Choose a time for dose 2/);
  assert.equal(
    await page.locator('.times input[type=radio]:checked').count(),
    1,
    'dose 2 proposal preselected',
  );
  if (shots) await shot(page, `${shots}-dose2`);
  await page.getByRole('button', { name: /^(Fortsätt|Continue)$/ }).click();
  await heading(page, /Bekräfta|Confirm/);
  return when;
}

async function citizenFlow(page, person) {
  await check('login page lists demo persons and staff roles', async () => {
    await page.goto(BASE);
    await heading(page, 'Logga in');
    assert.ok((await page.getByRole('radio').count()) >= 2);
    await shot(page, '01-login');
  });

  await check('citizen sees eligibility with its reason', async () => {
    await login(page, person.display_name);
    await heading(page, 'Kan du boka?');
    await page.getByText('Du kan boka vaccination nu.').waitFor();
    assert.ok(await page.locator('.elig dd').count(), 'reason shown');
    await shot(page, '02-eligibility');
  });

  let first = '';
  await check(
    'citizen books dose 1 with the keyboard only, then dose 2, and confirms',
    async () => {
      await page.getByRole('button', { name: 'Boka tid' }).click();
      await heading(page, 'Välj mottagning');
      /* own municipality first */
      const opt = await page.locator('select[name=kommun] option').first().textContent();
      assert.match(opt, /din kommun/);
      await shot(page, '03-site');
      /* keyboard only: choose a site, continue, choose a day and a time, continue */
      const site = page.locator('input[name=site]').first();
      await tabTo(page, site);
      await page.keyboard.press('Space');
      assert.ok(await site.isChecked());
      await tabTo(page, page.getByRole('button', { name: 'Fortsätt' }));
      await page.keyboard.press('Enter');
      await heading(page, 'Välj tid för dos 1');
      const day = freeDays(page).first();
      await tabTo(page, day);
      await page.keyboard.press('Space');
      assert.ok(await day.isChecked());
      const time = page.locator('.times input[type=radio]').first();
      await tabTo(page, time);
      await page.keyboard.press('Space');
      assert.ok(await time.isChecked());
      await shot(page, '04-time-keyboard');
      await tabTo(page, page.getByRole('button', { name: 'Fortsätt' }));
      await page.keyboard.press('Enter');
      await heading(page, 'Välj tid för dos 2');
      await page.getByText(/Dos 2 ska ges (mellan|tidigast)/).waitFor();
      await shot(page, '05-dose2');
      await page.getByRole('button', { name: 'Fortsätt' }).click();
      await heading(page, 'Bekräfta bokningen');
      first = await page.locator('dd.when').first().textContent();
      await shot(page, '06-confirm');
      await page.getByRole('button', { name: 'Bekräfta bokning' }).click();
      await heading(page, /Klart! Tiden är bokad/);
      await shot(page, '07-done');
    },
  );

  await check('the booking is in My bookings', async () => {
    await page.getByRole('link', { name: 'Till Mina bokningar' }).click();
    await heading(page, 'Mina bokningar');
    await page.locator('.booking').nth(1).waitFor();
    assert.equal(await page.locator('.booking').count(), 2);
    assert.equal((await page.locator('.booking .when').first().textContent()).trim(), first.trim());
    await shot(page, '08-my-bookings');
  });

  await check('citizen changes the time (rebook)', async () => {
    await page.getByRole('button', { name: /^Boka om/ }).click();
    await pickTimes(page, 1, null);
    await heading(page, 'Bekräfta ombokningen');
    const newFirst = await page.locator('dd.when').first().textContent();
    assert.notEqual(newFirst, first);
    await page.getByRole('button', { name: 'Bekräfta ombokning' }).click();
    await heading(page, /Klart! Tiden är ombokad/);
    await page.getByRole('link', { name: 'Till Mina bokningar' }).click();
    await heading(page, 'Mina bokningar');
    await page.locator('.booking').first().waitFor();
    assert.equal(
      (await page.locator('.booking .when').first().textContent()).trim(),
      newFirst.trim(),
    );
    first = newFirst;
  });

  await check('English switch translates the page and persists over a reload', async () => {
    await page.getByRole('button', { name: 'Change language to English' }).click();
    await heading(page, 'My bookings');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.reload();
    await heading(page, 'My bookings');
    await page.getByRole('button', { name: /^Change time/ }).waitFor();
    await shot(page, '09-my-bookings-en');
    await page.getByRole('button', { name: 'Byt språk till svenska' }).click();
    await heading(page, 'Mina bokningar');
  });

  await check('citizen cancels', async () => {
    await page.getByRole('button', { name: /^Avboka/ }).click();
    const dlg = page.getByRole('dialog');
    await dlg.waitFor();
    await shot(page, '10-cancel-dialog');
    await dlg.getByRole('button', { name: 'Ja, avboka' }).click();
    await page.getByText('Bokningen är avbokad.').waitFor();
    await page.getByText('Du har inga bokade tider.').waitFor();
    await shot(page, '11-cancelled');
    await logout(page);
  });
}

async function callCentreFlow(page, person) {
  await check('call centre: a bad personnummer gives a clear error at the field', async () => {
    await login(page, 'Samtalsagent');
    await heading(page, 'Samtalsstöd');
    await shot(page, '12-callcentre');
    const input = page.getByLabel('Personnummer');
    await input.fill('19121212-1213'); /* Skatteverket's test number with a wrong check digit */
    await page.getByRole('button', { name: 'Sök person' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await alert.getByText(/Personnummer:/).waitFor();
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.ok(await page.locator('#cc-pnr-error').isVisible());
    await shot(page, '13-callcentre-error');
  });

  await check('call centre: look up a person, see eligibility, book on their behalf', async () => {
    const input = page.getByLabel('Personnummer');
    await input.fill(person.person);
    await page.getByRole('button', { name: 'Sök person' }).click();
    await page.getByRole('heading', { level: 2, name: person.display_name }).waitFor();
    await page.getByText('Personen kan boka vaccination nu.').waitFor();
    await page.getByText('Personen har inga bokade tider.').waitFor();
    await shot(page, '14-callcentre-person');
    await page.getByRole('button', { name: `Boka tid åt ${person.display_name}` }).click();
    await page.getByText(`Du bokar åt ${person.display_name}`).waitFor();
    await pickTimes(page, 0, '15-callcentre');
    await shot(page, '16-callcentre-confirm');
    await page.getByRole('button', { name: 'Bekräfta bokning' }).click();
    await heading(page, /Klart! Tiden är bokad/);
    await page.getByText(`Bokningen är gjord för ${person.display_name}`).waitFor();
    await page.getByRole('button', { name: 'Tillbaka till samtalsstödet' }).click();
    await heading(page, 'Samtalsstöd');
    await page.locator('.booking').nth(1).waitFor();
    await page.getByText('Bokad via samtalsstöd').first().waitFor();
    await shot(page, '17-callcentre-booked');
  });

  await check('call centre: change the time and cancel for the caller', async () => {
    const before = await page.locator('.booking .when').first().textContent();
    await page.getByRole('button', { name: /^Boka om/ }).click();
    await pickTimes(page, 1, null);
    await page.getByRole('button', { name: 'Bekräfta ombokning' }).click();
    await heading(page, /Klart! Tiden är ombokad/);
    await page.getByRole('button', { name: 'Tillbaka till samtalsstödet' }).click();
    await heading(page, 'Samtalsstöd');
    await page.locator('.booking').first().waitFor();
    assert.notEqual(await page.locator('.booking .when').first().textContent(), before);
    await page.getByRole('button', { name: /^Avboka/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Ja, avboka' }).click();
    await page.getByText('Bokningen är avbokad.').waitFor();
    await page.getByText('Personen har inga bokade tider.').waitFor();
    await logout(page);
  });
}

/*
 * The waiting room, with the queue answers scripted (the server's own room is
 * on only above its admission rate): position 3, then 1, then admitted.
 */
async function waitingRoom(page, person) {
  await check('waiting room shows position and wait, polls, then continues', async () => {
    let polls = 0;
    const ticket = (o) => ({
      token: 'test-token',
      active: true,
      admitted: false,
      position: 3,
      estimated_wait_s: 95,
      sequence: 42,
      refresh_s: 1,
      ...o,
    });
    await page.route('**/api/v1/queue', (r) =>
      r.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify(ticket({})) }),
    );
    await page.route('**/api/v1/queue/test-token', (r) => {
      polls++;
      const o =
        polls < 2
          ? { position: 1, estimated_wait_s: 20 }
          : { position: 0, estimated_wait_s: 0, admitted: true, refresh_s: 0 };
      return r.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify(ticket(o)),
      });
    });
    await login(page, person.display_name);
    await heading(page, 'Kan du boka?');
    await page.getByRole('button', { name: 'Boka tid' }).click();
    await heading(page, 'Du står i kö');
    assert.equal((await page.locator('#queue-position').textContent()).trim(), '3');
    await page.getByText('cirka 2 minuter').waitFor();
    await shot(page, '18-waiting-room');
    await page.locator('#queue-position', { hasText: /^1$/ }).waitFor();
    await page.getByText('Det är din tur!').waitFor();
    await heading(page, 'Välj mottagning');
    assert.ok(polls >= 2);
    await page.unroute('**/api/v1/queue');
    await page.unroute('**/api/v1/queue/test-token');
  });

  await check('small screen: the pages reflow', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('input[name=site]').first().check();
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await heading(page, 'Välj tid för dos 1');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth > window.innerWidth,
    );
    assert.equal(overflow, false, 'horizontal scrolling on a phone-sized screen');
    await shot(page, '19-time-mobile');
    await page.setViewportSize({ width: 1200, height: 900 });
    await logout(page);
  });
}

/* ------------------------------------------------------------ main */

async function main() {
  const health = await fetch(new URL('healthz', BASE)).catch(() => null);
  if (!health || !health.ok) throw new Error(`no server at ${BASE}`);
  const personas = await apiJson('GET', 'api/v1/dev/personas');
  assert.equal(personas.status, 200, 'dev login must be on (serve --dev-login)');
  const ready = await bookablePersons(personas.data.persons || []);
  assert.ok(
    ready.length >= 1,
    'no demo person can book: is a cohort released and are there slots?',
  );
  const citizen = ready[0];
  const caller = ready[1] || ready[0];
  log(`citizen ${citizen.display_name}, caller ${caller.display_name}`);

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
    await flow(ctx, page, 'citizen', () => citizenFlow(page, citizen));
    await flow(ctx, page, 'callcentre', () => callCentreFlow(page, caller));
    await flow(ctx, page, 'waiting-room', () => waitingRoom(page, citizen));
    await flow(ctx, page, 'console', () =>
      check('no console errors (CSP violations, script errors)', async () => {
        /* 4xx answers the tests provoke on purpose are logged by the browser as failed loads */
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

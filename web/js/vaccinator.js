/*
 * vaccinator.js — the vaccinator's page (vaccinator.html), and the small shell that
 * the site coordinator's page (site.js) shares with it.
 *
 * The shell (exported): sign-in with the dev login (staff personas of the allowed
 * roles from GET /api/v1/dev/personas), the header (who, sign out, language), the
 * site the session works at (GET /api/v1/sites → the session's site code → store
 * id; a regional coordinator picks one of the region's sites), problem+json shown
 * in an alert with one line per field and the same messages next to the inputs
 * (aria-invalid + aria-describedby), and one 1 s timer for every countdown on the
 * page. The care API answers refusals as "<code>: <message in the request's
 * language>" (docs/api-care.md); the code is cut off for people.
 *
 * The page: open vials with a live countdown and doses left (open, close), the day's
 * check-in list (check in, record a dose), the dose form (vaccine → lot → open vial,
 * injection site, dose number, time: empty = now), and the standby list (candidates
 * for each open vial with doses left, offer → accepted/declined → record). Every
 * change re-reads the lists from the server, so what is shown is what is stored.
 *
 * No inline script or style (CSP); texts from DICT (i18n.js + i18n-care.js);
 * person numbers are never shown or kept: the lists give store ids and names.
 */
import { t, lang, setLang, applyStatic } from './i18n.js';
import './i18n-care.js';
import { api, ApiError } from './api.js';
import { h, uniqueId, fmtDate, vaccineName, fieldName, focus } from './ui.js';

/* ------------------------------------------------------------ shared shell */

export const C = {
  me: null, // GET /api/v1/me
  site: null, // {id, code, name, kommun, region}
  sites: [], // the region's sites (regional coordinator)
  notice: null, // {kind, text} or {err}
};

/* A server reason without its "code: " prefix. */
export function reasonOf(reason) {
  if (typeof reason !== 'string') return '';
  const m = /^[a-z_]+: (.*)$/s.exec(reason);
  return m ? m[1] : reason;
}

/* The message of a care refusal in the user's language (message.sv/.en, else detail). */
function problemMessage(p) {
  if (p && p.message && typeof p.message === 'object' && p.message[lang()])
    return p.message[lang()];
  return reasonOf((p && p.detail) || '');
}

/*
 * An error as an alert: title, message, one line per field at fault (a link to the
 * input when `fields` maps the field to an input id), and the HTTP status.
 */
export function problemBox(err, fields) {
  const box = h('div', { class: 'alert alert-error', role: 'alert', tabindex: '-1' });
  if (!(err instanceof ApiError) || err.status === 0) {
    box.append(
      h('h2', { text: t('err.title') }),
      h('p', { text: err instanceof ApiError ? t('err.network') : String(err && err.message) }),
    );
    return box;
  }
  const p = err.problem || {};
  const local = t(`err.problem.${err.kind}`);
  box.append(
    h('h2', {
      text:
        p.title && (lang() === 'sv' || !/[åäö]/i.test(p.title))
          ? p.title
          : local.startsWith('err.')
            ? t('err.title')
            : local,
    }),
  );
  const errors = Array.isArray(p.errors) ? p.errors : [];
  const msg = problemMessage(p);
  if (msg && !errors.some((e) => reasonOf(e.reason) === msg)) box.append(h('p', { text: msg }));
  if (errors.length) {
    box.append(
      h(
        'ul',
        null,
        errors.map((e) => {
          const text = `${fieldName(e.field)}: ${reasonOf(e.reason)}`;
          const id = fields && fields[e.field];
          return h(
            'li',
            null,
            id && document.getElementById(id)
              ? h('a', {
                  href: `#${id}`,
                  text,
                  onclick: (ev) => {
                    ev.preventDefault();
                    focus(document.getElementById(id));
                  },
                })
              : text,
          );
        }),
      ),
    );
  }
  box.append(h('p', { class: 'muted small', text: t('err.code', { status: err.status }) }));
  return box;
}

/* Mark the inputs named by the problem invalid, with the reason under each. */
export function markFields(form, err, fields) {
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const d = (el.getAttribute('aria-describedby') || '')
      .split(' ')
      .filter((x) => x && !x.endsWith('-error'));
    if (d.length) el.setAttribute('aria-describedby', d.join(' '));
    else el.removeAttribute('aria-describedby');
  }
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  const errors =
    err instanceof ApiError && err.problem && Array.isArray(err.problem.errors)
      ? err.problem.errors
      : [];
  let first = null;
  for (const e of errors) {
    const id = fields[e.field];
    const input = id && form.querySelector(`#${id}`);
    if (!input) continue;
    const msgId = `${id}-error`;
    input.setAttribute('aria-invalid', 'true');
    const desc = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    input.setAttribute('aria-describedby', [msgId, ...desc].join(' '));
    input.insertAdjacentElement(
      'afterend',
      h('p', { class: 'field-error', id: msgId, text: reasonOf(e.reason) }),
    );
    first = first || input;
  }
  return first;
}

/* A labelled control: <div class="field"><label>…</label>control[hint]</div>. */
export function field(id, label, control, hint) {
  control.id = id;
  /* the hint under the control, so that the controls of a grid row line up */
  const kids = [h('label', { for: id, text: label }), control];
  if (hint) {
    const hid = `${id}-hint`;
    kids.push(h('p', { class: 'hint after', id: hid, text: hint }));
    control.setAttribute('aria-describedby', hid);
  }
  return h('div', { class: 'field' }, kids);
}

/* <select> with options [{value, label}], `value` selected. */
export function select(options, value) {
  return h(
    'select',
    null,
    options.map((o) =>
      h('option', { value: String(o.value), selected: String(o.value) === String(value) }, o.label),
    ),
  );
}

/* "2021-03-08T09:15:00+01:00" → "09:15"; other days "8 mars 09:15". */
export function fmtStamp(rfc, today) {
  if (typeof rfc !== 'string' || rfc.length < 16) return '';
  const hm = rfc.slice(11, 16);
  if (today && rfc.slice(0, 10) === today) return hm;
  return `${fmtDate(rfc.slice(0, 10), { day: 'numeric', month: 'short' })} ${hm}`;
}

/* The UTC offset of Europe/Stockholm at local wall time `ymd`T`hm`, as "+01:00". */
export function stockholmOffset(ymd, hm) {
  const [y, mo, d] = ymd.split('-').map(Number);
  const [hh, mi] = (hm || '12:00').split(':').map(Number);
  const guess = new Date(Date.UTC(y, mo - 1, d, hh - 1, mi));
  const part = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Stockholm',
    timeZoneName: 'longOffset',
  })
    .formatToParts(guess)
    .find((x) => x.type === 'timeZoneName');
  const m = part && /GMT([+-]\d{2}):?(\d{2})?/.exec(part.value);
  return m ? `${m[1]}:${m[2] || '00'}` : '+01:00';
}

/* "2021-03-07T08:00" (datetime-local, Stockholm) → RFC 3339; "" → undefined. */
export function localToRfc(v) {
  if (!v) return undefined;
  const [ymd, hm] = v.split('T');
  return `${ymd}T${hm.slice(0, 5)}:00${stockholmOffset(ymd, hm)}`;
}

/* "1 h 05 min 09 s" / "5 min 09 s" for `s` seconds. */
export function fmtLeft(s) {
  s = Math.max(0, Math.floor(s));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh
    ? t('care.left_h', { h: hh, m: String(mm).padStart(2, '0'), s: ss })
    : t('care.left_m', { m: mm, s: ss });
}

/*
 * Countdowns: elements with data-ends (ms since the epoch) get fmtLeft() every
 * second; at zero the text says expired and `onExpire` runs once (a re-read).
 */
const timers = { id: null, onExpire: null };
function tick() {
  const now = Date.now();
  let expired = false;
  for (const el of document.querySelectorAll('[data-ends]')) {
    const left = (Number(el.dataset.ends) - now) / 1000;
    if (left <= 0) {
      if (!el.classList.contains('expired')) expired = true;
      el.textContent = t('care.expired');
      el.classList.add('expired');
    } else {
      el.textContent = fmtLeft(left);
      el.classList.toggle('soon', left < 30 * 60);
    }
  }
  if (expired && timers.onExpire) timers.onExpire();
}
export function countdowns(onExpire) {
  timers.onExpire = onExpire;
  if (!timers.id) timers.id = setInterval(tick, 1000);
  tick();
}

/* A status line (role=status) in `el`: kind ok|info|warn. */
export function say(el, text, kind = 'ok') {
  el.replaceChildren(h('p', { class: `alert alert-${kind}`, text }));
}

/* A countdown <span> ending `seconds` from now. */
export function countdown(seconds) {
  const s = Math.max(0, Number(seconds) || 0);
  const ends = Date.now() + s * 1000;
  /* one that is over already is drawn expired, so it does not trigger a re-read */
  return h('span', {
    class: s > 0 ? 'countdown' : 'countdown expired',
    dataset: { ends: String(ends) },
    text: s > 0 ? fmtLeft(s) : t('care.expired'),
  });
}

async function loadMe() {
  try {
    C.me = await api('GET', '/api/v1/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) C.me = null;
    else throw e;
  }
}

/* The site the session works at: its own, or (region roles) the one chosen. */
async function loadSite() {
  const list = await api('GET', '/api/v1/sites', { query: { region: C.me.region } });
  C.sites = Array.isArray(list) ? list : (list && list.sites) || [];
  if (C.me.site) {
    C.site = C.sites.find((s) => s.code === C.me.site) || null;
    return;
  }
  const kept = sessionStorage.getItem('vaxchain.care.site');
  C.site = C.sites.find((s) => String(s.id) === kept) || C.sites[0] || null;
}

function header() {
  const who = document.getElementById('who');
  const out = document.getElementById('logout');
  if (C.me) {
    const where = C.site ? ` · ${C.site.name || C.site.code}` : '';
    who.textContent = t('signed_in_as', {
      name: `${C.me.display_name} (${C.me.role_name || C.me.role})${where}`,
    });
    out.hidden = false;
  } else {
    who.textContent = '';
    out.hidden = true;
  }
}

/* The sign-in card: staff personas of `roles`, one radio each. */
async function signIn(app, roles, onDone) {
  const sec = h(
    'section',
    { class: 'card', 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h', text: t('care.signin.title') }),
  );
  app.replaceChildren(sec);
  let personas;
  try {
    personas = await api('GET', '/api/v1/dev/personas');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      sec.append(h('p', { class: 'alert alert-info', text: t('login.none') }));
      return;
    }
    throw e;
  }
  const staff = ((personas && personas.staff) || []).filter((s) => roles.includes(s.role));
  const bodies = [];
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('p', { text: t('care.signin.text') }),
    h(
      'fieldset',
      null,
      h('legend', { text: t('login.staff') }),
      h(
        'div',
        { class: 'choices' },
        staff.map((s, i) => {
          const body = { role: s.role, user: s.user };
          for (const k of ['region', 'site', 'kommun']) if (s[k]) body[k] = s[k];
          bodies.push(body);
          const id = `signin-${i}`;
          const scope = s.site
            ? t('login.site', { code: s.site })
            : s.region
              ? t('login.region', { code: s.region })
              : '';
          return h(
            'div',
            { class: 'choice' },
            h('input', {
              type: 'radio',
              name: 'who',
              id,
              value: String(i),
              checked: i === 0,
              'aria-describedby': `${id}-sub`,
            }),
            h(
              'label',
              { for: id },
              h('span', { class: 'choice-main', text: (s.label && s.label[lang()]) || s.role }),
              h('span', { class: 'choice-sub', id: `${id}-sub`, text: `${s.user} · ${scope}` }),
            ),
          );
        }),
      ),
    ),
    h('div', { id: 'signin-msg' }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('login.submit') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = form.querySelector('input[name=who]:checked');
    if (!chosen) return;
    try {
      await api('POST', '/api/v1/session', { body: bodies[Number(chosen.value)] });
      await onDone();
    } catch (e) {
      const box = problemBox(e);
      form.querySelector('#signin-msg').replaceChildren(box);
      focus(box);
    }
  });
  sec.append(form);
  focus(document.querySelector('main h1'));
}

/*
 * Start a care page: `roles` may use it, `render(app)` draws its content into
 * #app (called again after every language switch).
 */
export function startCare({ roles, render }) {
  const app = document.getElementById('app');
  const draw = async () => {
    header();
    if (!C.me || !roles.includes(C.me.role)) {
      if (C.me) {
        app.replaceChildren(
          h('p', {
            class: 'alert alert-info',
            text: t('care.wrong_role', { role: C.me.role_name || C.me.role }),
          }),
        );
        const box = document.createElement('div');
        app.append(box);
        await signIn(box, roles, boot);
        return;
      }
      await signIn(app, roles, boot);
      return;
    }
    if (!C.site) {
      app.replaceChildren(h('p', { class: 'alert alert-info', text: t('care.no_site') }));
      return;
    }
    await render(app);
  };
  const safeDraw = async () => {
    try {
      await draw();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        C.me = null;
        return safeDraw();
      }
      app.replaceChildren(problemBox(e));
    }
  };
  const boot = async () => {
    await loadMe();
    if (C.me && roles.includes(C.me.role)) await loadSite();
    await safeDraw();
    focus(document.querySelector('main h1'));
  };
  setLang(lang());
  applyStatic(document);
  document.getElementById('lang').addEventListener('click', async () => {
    setLang(lang() === 'sv' ? 'en' : 'sv');
    applyStatic(document);
    document.title = t(document.body.dataset.title);
    if (C.me) await loadMe().catch(() => {}); /* role names come localised */
    await safeDraw();
    focus(document.getElementById('lang'));
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api('DELETE', '/api/v1/session').catch(() => {});
    C.me = null;
    C.site = null;
    await safeDraw();
    focus(document.querySelector('main h1'));
  });
  document.title = t(document.body.dataset.title);
  boot().catch((e) => app.replaceChildren(problemBox(e)));
  return { redraw: safeDraw };
}

/* A site picker for region roles (changes C.site and redraws). */
export function sitePicker(redraw) {
  if (C.me.site || C.sites.length < 2) return null;
  const sel = select(
    C.sites.map((s) => ({ value: s.id, label: `${s.name || s.code} (${s.code})` })),
    C.site.id,
  );
  sel.addEventListener('change', () => {
    C.site = C.sites.find((s) => String(s.id) === sel.value) || C.site;
    sessionStorage.setItem('vaxchain.care.site', String(C.site.id));
    header();
    redraw();
  });
  return h('div', { class: 'care-sitepick' }, field('site-pick', t('care.site_pick'), sel));
}

/* A table with a caption and header row; `rows` are arrays of cells (nodes or text). */
export function table(caption, heads, rows, cls = '') {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: `care-table ${cls}` },
      h('caption', { class: 'visually-hidden', text: caption }),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          heads.map((x) => h('th', { scope: 'col', text: x })),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            r.attrs || null,
            (r.cells || r).map((c, i) => h('td', { 'data-label': heads[i] }, c)),
          ),
        ),
      ),
    ),
  );
}

/* ------------------------------------------------------------ the vaccinator's page */

const V = {
  day: null, // GET /sites/{id}/checkin
  vials: [], // GET /sites/{id}/vials
  lots: [], // GET /sites/{id}/stock → lots
  standby: { vials: [], offers: [] },
  names: new Map(), // person_id → name (from the lists)
  target: null, // the dose form's subject: {booking|offer, person_id, name, vaccine, dose_number}
  msg: null, // {text, kind} after an action
};

const INJECTION_SITES = ['left_arm', 'right_arm', 'left_thigh', 'right_thigh'];
const CLOSE_REASONS = ['leftover', 'broken', 'expired'];
let redraw = () => {};

function personName(b) {
  return [b.given_name, b.family_name].filter(Boolean).join(' ');
}

function statusOf(b) {
  if (b.status === 'booked' && b.arrived_at) return 'arrived';
  return b.status || 'booked';
}

async function loadDay() {
  const id = C.site.id;
  const [day, vials, stock] = await Promise.all([
    api('GET', `/api/v1/sites/${id}/checkin`),
    api('GET', `/api/v1/sites/${id}/vials`),
    api('GET', `/api/v1/sites/${id}/stock`),
  ]);
  V.day = day;
  V.vials = (vials && vials.vials) || [];
  V.lots = (stock && stock.lots) || [];
  for (const b of day.bookings || []) V.names.set(b.person_id, personName(b));
  /* standby candidates for every open vial with doses left */
  const sb = { vials: [], offers: new Map() };
  for (const v of V.vials.filter((x) => x.left > 0)) {
    const r = await api('GET', `/api/v1/sites/${id}/standby/offers`, { query: { vial: v.id } });
    for (const x of (r && r.vials) || []) {
      if (!sb.vials.some((y) => y.vial.id === x.vial.id)) sb.vials.push(x);
      for (const c of x.candidates || []) V.names.set(c.person_id, personName(c));
    }
    for (const o of (r && r.offers) || []) sb.offers.set(o.id, o);
  }
  if (!V.vials.some((x) => x.left > 0)) {
    const r = await api('GET', `/api/v1/sites/${id}/standby/offers`);
    for (const o of (r && r.offers) || []) sb.offers.set(o.id, o);
  }
  V.standby = { vials: sb.vials, offers: [...sb.offers.values()] };
}

/* Run an action, then re-read and redraw; `ok` is the message shown after. */
async function act(fn, ok, where) {
  try {
    const r = await fn();
    V.msg = { text: typeof ok === 'function' ? ok(r) : ok, kind: 'ok' };
  } catch (e) {
    V.msg = { err: e };
  }
  V.msgWhere = where || 'top';
  await redraw();
  const m = document.getElementById(`msg-${V.msgWhere}`) || document.getElementById('msg-top');
  if (m && m.firstChild) focus(m.firstChild);
}

function msgSlot(where) {
  const el = h('div', { id: `msg-${where}`, role: 'status' });
  if (V.msg && V.msgWhere === where) {
    el.append(
      V.msg.err ? problemBox(V.msg.err) : h('p', { class: `alert alert-${V.msg.kind}`, text: V.msg.text }),
    );
  }
  return el;
}

/* "Comirnaty" for tables: the catalogue name without the maker in brackets. */
export function shortVaccine(code) {
  return vaccineName(code).replace(/ \([^)]*\)$/, '');
}

function lotLabel(l) {
  return `${vaccineName(l.vaccine)} · ${l.lot_number}`;
}

/* ---- open vials */

function vialsCard() {
  const open = V.vials;
  const lotsWithStock = V.lots.filter((l) => l.doses > 0);
  const lotSel = select(
    lotsWithStock.map((l) => ({
      value: l.lot,
      label: `${lotLabel(l)} · ${t('care.doses_n', { n: l.doses })}`,
    })),
  );
  const openForm = h(
    'form',
    { class: 'inline-form', novalidate: true },
    field('open-lot', t('care.vial.lot'), lotSel),
    h('button', {
      type: 'submit',
      class: 'btn btn-secondary',
      text: t('care.vial.open'),
      disabled: !lotsWithStock.length,
    }),
  );
  openForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(
      () => api('POST', '/api/v1/vials', { body: { site: C.site.id, lot: Number(lotSel.value) } }),
      (r) => t('care.vial.opened', { id: (r && (r.id || (r.vial && r.vial.id))) || '' }),
      'vials',
    );
  });
  const rows = open.map((v) => {
    const reason = select(
      CLOSE_REASONS.map((r) => ({ value: r, label: t(`care.reason.${r}`) })),
      v.left > 0 ? 'leftover' : 'leftover',
    );
    const rid = `close-reason-${v.id}`;
    reason.id = rid;
    const closeBtn = h('button', {
      type: 'button',
      class: 'btn btn-quiet',
      text: t('care.vial.close'),
      'aria-label': t('care.vial.close_label', { id: v.id }),
      onclick: () =>
        act(
          () => api('POST', `/api/v1/vials/${v.id}/close`, { body: { reason: reason.value } }),
          (r) => t('care.vial.closed', { id: v.id, n: (r && r.wasted) || 0 }),
          'vials',
        ),
    });
    return {
      attrs: { class: v.left === 0 ? 'vial-empty' : '' },
      cells: [
        h('span', null, h('strong', { text: `#${v.id}` })),
        `${shortVaccine(v.vaccine)} · ${v.lot_number}`,
        fmtStamp(v.opened_at, V.day && V.day.date),
        countdown(v.seconds_left),
        h(
          'span',
          { class: 'doses-left' },
          h('strong', { class: 'big', text: String(v.left) }),
          ` ${t('care.vial.of', { n: v.max_doses })}`,
        ),
        h(
          'div',
          { class: 'row-actions' },
          h('label', { for: rid, class: 'visually-hidden', text: t('care.vial.reason') }),
          reason,
          closeBtn,
        ),
      ],
    };
  });
  return h(
    'section',
    { class: 'card', id: 'vials', 'aria-labelledby': 'vials-h' },
    h('h2', { id: 'vials-h', text: t('care.vials.title') }),
    msgSlot('vials'),
    open.length
      ? table(
          t('care.vials.title'),
          [
            t('care.col.vial'),
            t('care.col.lot'),
            t('care.col.opened'),
            t('care.col.time_left'),
            t('care.col.doses_left'),
            t('care.col.action'),
          ],
          rows,
          'vials-table',
        )
      : h('p', { class: 'muted', text: t('care.vials.none') }),
    openForm,
  );
}

/* ---- the day's list */

function dayCard() {
  const day = V.day;
  const list = day.bookings || [];
  const c = day.counts || {};
  const rows = list.map((b) => {
    const st = statusOf(b);
    const name = personName(b);
    const actions = [];
    if (st === 'booked')
      actions.push(
        h('button', {
          type: 'button',
          class: 'btn btn-secondary',
          text: t('care.checkin'),
          'aria-label': t('care.checkin_label', { name }),
          onclick: () =>
            act(
              () => api('POST', `/api/v1/sites/${C.site.id}/checkin`, { body: { booking: b.id } }),
              t('care.checked_in', { name }),
              'day',
            ),
        }),
      );
    if (st === 'booked' || st === 'arrived')
      actions.push(
        h('button', {
          type: 'button',
          class: st === 'arrived' ? 'btn btn-primary' : 'btn btn-quiet',
          text: t('care.record'),
          'aria-label': t('care.record_label', { name }),
          onclick: () => openForm({ booking: b.id, person_id: b.person_id, name, age: b.age, vaccine: b.vaccine, dose_number: b.dose_number }),
        }),
      );
    return {
      attrs: { class: `st-${st}`, dataset: { booking: String(b.id) } },
      cells: [
        fmtStamp(b.start, day.date),
        h('span', null, h('strong', { text: name }), h('span', { class: 'muted small block', text: t('age', { n: b.age }) })),
        shortVaccine(b.vaccine),
        String(b.dose_number),
        h('span', { class: `badge badge-${st}`, text: t(`care.status.${st}`) }),
        h('div', { class: 'row-actions' }, actions),
      ],
    };
  });
  return h(
    'section',
    { class: 'card', id: 'day', 'aria-labelledby': 'day-h' },
    h('h2', { id: 'day-h', text: t('care.day.title', { date: fmtDate(day.date) }) }),
    h(
      'p',
      { class: 'counts', id: 'day-counts' },
      ['booked', 'arrived', 'attended', 'no_show'].map((k) =>
        h('span', { class: `count count-${k}` }, h('strong', { text: String(c[k] || 0) }), ` ${t(`care.count.${k}`)}`),
      ),
    ),
    msgSlot('day'),
    list.length
      ? table(
          t('care.day.caption'),
          [
            t('care.col.time'),
            t('care.col.name'),
            t('care.col.vaccine'),
            t('care.col.dose'),
            t('care.col.status'),
            t('care.col.action'),
          ],
          rows,
          'day-table',
        )
      : h('p', { class: 'muted', text: t('care.day.none') }),
  );
}

/* ---- the dose form */

function openForm(target) {
  V.target = target;
  V.msg = null;
  redraw().then(() => focus(document.getElementById('record-h')));
}

const DOSE_FIELDS = {
  person: 'f-person',
  person_id: 'f-person',
  booking: 'f-person',
  offer: 'f-person',
  vaccine: 'f-vaccine',
  lot: 'f-lot',
  lot_number: 'f-lot',
  vial: 'f-vial',
  dose_number: 'f-dose',
  given_at: 'f-time',
  injection_site: 'f-inj',
  site: 'f-lot',
};

function recordCard() {
  const tg = V.target;
  if (!tg) return null;
  const vaccines = [...new Set([...V.lots.map((l) => l.vaccine), ...V.vials.map((v) => v.vaccine)])];
  if (tg.vaccine && !vaccines.includes(tg.vaccine)) vaccines.unshift(tg.vaccine);
  const vacSel = select(
    vaccines.map((v) => ({ value: v, label: vaccineName(v) })),
    tg.vaccine,
  );
  const lotSel = h('select');
  const vialSel = h('select');
  const fillLots = () => {
    const lots = V.lots.filter((l) => l.vaccine === vacSel.value);
    lotSel.replaceChildren(
      ...lots.map((l) =>
        h(
          'option',
          { value: String(l.lot) },
          `${l.lot_number} · ${t('care.expiry_short', { date: l.expiry })} · ${t('care.doses_n', { n: l.doses })}`,
        ),
      ),
    );
    /* prefer a lot with an open vial with doses left */
    const withVial = V.vials.find((v) => v.vaccine === vacSel.value && v.left > 0);
    if (withVial) lotSel.value = String(withVial.lot);
    fillVials();
  };
  const fillVials = () => {
    const vials = V.vials
      .filter((v) => String(v.lot) === lotSel.value && v.left > 0)
      .sort((a, b) => a.seconds_left - b.seconds_left);
    vialSel.replaceChildren(
      ...vials.map((v) =>
        h('option', { value: String(v.id) }, t('care.vial.option', { id: v.id, n: v.left, left: fmtLeft(v.seconds_left) })),
      ),
      h('option', { value: '' }, t('care.vial.none_option')),
    );
  };
  vacSel.addEventListener('change', fillLots);
  lotSel.addEventListener('change', fillVials);
  fillLots();
  const person = h('input', {
    type: 'text',
    readonly: true,
    value: `${tg.name}${tg.age ? ` (${t('age', { n: tg.age })})` : ''}`,
  });
  const dose = h('input', { type: 'number', min: '1', max: '9', inputmode: 'numeric', value: String(tg.dose_number || 1) });
  const time = h('input', { type: 'time' });
  const inj = h(
    'fieldset',
    { id: 'f-inj', class: 'inj' },
    h('legend', { text: t('care.f.injection_site') }),
    h(
      'div',
      { class: 'choices inj-choices' },
      INJECTION_SITES.map((s, i) =>
        h(
          'div',
          { class: 'choice' },
          h('input', { type: 'radio', name: 'inj', id: `inj-${s}`, value: s, checked: i === 0 }),
          h('label', { for: `inj-${s}` }, h('span', { class: 'choice-main', text: t(`care.inj.${s}`) })),
        ),
      ),
    ),
  );
  const form = h(
    'form',
    { class: 'stack dose-form', novalidate: true },
    h('div', { id: 'record-msg' }),
    field('f-person', t('care.f.person'), person),
    h(
      'div',
      { class: 'form-grid' },
      field('f-vaccine', t('care.f.vaccine'), vacSel),
      field('f-lot', t('care.f.lot'), lotSel),
      field('f-vial', t('care.f.vial'), vialSel),
      field('f-dose', t('care.f.dose_number'), dose),
      field('f-time', t('care.f.time'), time, t('care.f.time_hint')),
    ),
    inj,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('care.record_submit') }),
      h('button', {
        type: 'button',
        class: 'btn btn-quiet',
        text: t('care.cancel'),
        onclick: () => {
          V.target = null;
          redraw().then(() => focus(document.getElementById('day-h')));
        },
      }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    const body = {
      person_id: tg.person_id,
      vaccine: vacSel.value,
      site: C.site.id,
      injection_site: (form.querySelector('input[name=inj]:checked') || {}).value,
    };
    if (lotSel.value) body.lot = Number(lotSel.value);
    if (vialSel.value) body.vial = Number(vialSel.value);
    if (dose.value) body.dose_number = Number(dose.value);
    if (time.value && V.day) body.given_at = localToRfc(`${V.day.date}T${time.value}`);
    if (tg.booking) body.booking = tg.booking;
    if (tg.offer) body.offer = tg.offer;
    btn.disabled = true;
    try {
      const r = await api('POST', '/api/v1/doses', { body });
      const d = (r && r.dose) || {};
      V.target = null;
      let text = t('care.recorded', {
        name: tg.name,
        n: d.dose_number || body.dose_number || '',
        lot: d.lot_number || '',
      });
      if (r && r.warning && r.warning[lang()]) text += ` ${r.warning[lang()]}`;
      V.msg = { text, kind: r && r.warning ? 'warn' : 'ok' };
      V.msgWhere = 'top';
      await redraw();
      focus(document.querySelector('#msg-top > *'));
    } catch (e) {
      btn.disabled = false;
      const box = problemBox(e, DOSE_FIELDS);
      form.querySelector('#record-msg').replaceChildren(box);
      markFields(form, e, DOSE_FIELDS);
      focus(box);
    }
  });
  return h(
    'section',
    { class: 'card record', id: 'record', 'aria-labelledby': 'record-h' },
    h('h2', { id: 'record-h', tabindex: '-1', text: t('care.record_title', { name: tg.name }) }),
    tg.offer ? h('p', { class: 'muted', text: t('care.record_standby') }) : null,
    form,
  );
}

/* ---- standby list */

function offerStatus(o) {
  return t(`care.offer.${o.status}`);
}

function standbyCard() {
  const sb = V.standby;
  const offers = sb.offers.filter((o) => o.status !== 'used' && o.status !== 'expired');
  const offered = new Set(offers.filter((o) => o.status !== 'declined').map((o) => o.person_id));
  const parts = [];
  for (const x of sb.vials) {
    const v = x.vial;
    const cands = (x.candidates || []).filter((c) => !offered.has(c.person_id));
    parts.push(
      h('h3', { text: t('care.standby.vial', { id: v.id, vaccine: shortVaccine(v.vaccine), n: v.left }) }),
      cands.length
        ? table(
            t('care.standby.caption', { id: v.id }),
            [t('care.col.name'), t('care.col.priority'), t('care.col.arrive'), t('care.col.action')],
            cands.map((c) => {
              const name = personName(c);
              return [
                h('span', null, h('strong', { text: name }), h('span', { class: 'muted small block', text: t('age', { n: c.age }) })),
                t('care.standby.prio', { phase: c.phase, step: c.step || c.phase, n: c.dose_number }),
                h(
                  'span',
                  null,
                  t('care.standby.minutes', { n: c.minutes }),
                  c.phone ? h('span', { class: 'muted small block', text: t('care.standby.phone') }) : null,
                ),
                h('button', {
                  type: 'button',
                  class: 'btn btn-secondary',
                  text: t('care.offer.make'),
                  'aria-label': t('care.offer.make_label', { name }),
                  onclick: () =>
                    act(
                      () =>
                        api('POST', '/api/v1/offers', {
                          body: { vial: v.id, person_id: c.person_id, timeout_min: 10 },
                        }),
                      t('care.offer.made', { name }),
                      'standby',
                    ),
                }),
              ];
            }),
          )
        : h('p', { class: 'muted', text: t('care.standby.no_candidates') }),
    );
  }
  if (!sb.vials.length) parts.push(h('p', { class: 'muted', text: t('care.standby.no_vials') }));
  const offerRows = offers.map((o) => {
    const name = V.names.get(o.person_id) || t('care.person_n', { id: o.person_id });
    const acts = [];
    if (o.status === 'offered') {
      acts.push(
        h('button', {
          type: 'button',
          class: 'btn btn-secondary',
          text: t('care.offer.accept'),
          'aria-label': t('care.offer.accept_label', { name }),
          onclick: () =>
            act(() => api('POST', `/api/v1/offers/${o.id}/accept`, { body: {} }), t('care.offer.accepted_msg', { name }), 'standby'),
        }),
        h('button', {
          type: 'button',
          class: 'btn btn-quiet',
          text: t('care.offer.decline'),
          'aria-label': t('care.offer.decline_label', { name }),
          onclick: () =>
            act(() => api('POST', `/api/v1/offers/${o.id}/decline`, { body: {} }), t('care.offer.declined_msg', { name }), 'standby'),
        }),
      );
    }
    if (o.status === 'accepted') {
      acts.push(
        h('button', {
          type: 'button',
          class: 'btn btn-primary',
          text: t('care.record'),
          'aria-label': t('care.record_label', { name }),
          onclick: () =>
            openForm({ offer: o.id, person_id: o.person_id, name, vaccine: o.vaccine, dose_number: o.dose_number }),
        }),
      );
    }
    return {
      attrs: { class: `offer-${o.status}` },
      cells: [
        h('strong', { text: name }),
        `#${o.vial}`,
        h('span', { class: `badge badge-${o.status}`, text: offerStatus(o) }),
        o.status === 'offered' ? fmtStamp(o.expires_at, V.day && V.day.date) : '',
        h('div', { class: 'row-actions' }, acts),
      ],
    };
  });
  return h(
    'section',
    { class: 'card', id: 'standby', 'aria-labelledby': 'standby-h' },
    h('h2', { id: 'standby-h', text: t('care.standby.title') }),
    h('p', { class: 'muted', text: t('care.standby.intro') }),
    msgSlot('standby'),
    offers.length
      ? h(
          'div',
          null,
          h('h3', { text: t('care.offers.title') }),
          table(
            t('care.offers.title'),
            [t('care.col.name'), t('care.col.vial'), t('care.col.status'), t('care.col.answer_within'), t('care.col.action')],
            offerRows,
            'offers-table',
          ),
        )
      : null,
    parts,
  );
}

async function renderVaccinator(app) {
  await loadDay();
  V.loadedAt = Date.now();
  const top = h('div', { id: 'msg-top', role: 'status' });
  if (V.msg && V.msgWhere === 'top')
    top.append(V.msg.err ? problemBox(V.msg.err) : h('p', { class: `alert alert-${V.msg.kind}`, text: V.msg.text }));
  app.replaceChildren(
    ...[
      h('p', { class: 'lead', text: t('care.vacc.lead', { site: C.site.name || C.site.code }) }),
      sitePicker(redraw),
      top,
      recordCard(),
      vialsCard(),
      dayCard(),
      standbyCard(),
    ].filter(Boolean),
  );
  V.msg = null;
  countdowns(() => redraw());
}

if (document.body.dataset.page === 'vaccinator') {
  const shell = startCare({
    roles: ['vaccinator', 'site_coordinator', 'regional_coordinator'],
    render: renderVaccinator,
  });
  redraw = shell.redraw;
}

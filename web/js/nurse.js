/*
 * nurse.js — the municipal nurse's tablet page (nurse.html): plan a round for a care
 * unit, then go through its residents and record each outcome, also without a
 * connection.
 *
 * Offline queue. A tap on "Vaccinated" / "Declined" / "Not found" never talks to the
 * server directly: it puts a record {key, round, person, body} into a queue kept in
 * localStorage ("vaxchain.muni.queue.<kommun>", so a reload or a flat battery does not
 * lose it) and then tries to send the queue. The key is made once per record on the
 * tablet and goes with every attempt; the server stores it with the first answer
 * (POST …/rounds/{id}/records), so an attempt whose answer was lost, sent again,
 * gets the first answer back ("replayed") and no second dose is ever recorded. A
 * record leaves the queue when the server has answered it — accepted, or refused
 * with a reason that is shown — and stays while the network is away (fetch fails):
 * the queue is sent again on the browser's "online" event, every 5 s while it is not
 * empty, and from the "Send now" button. Until then the resident shows as queued.
 *
 * Time: the tap's time goes with the record (given_at) when the server's day is the
 * tablet's day; against a demo server pinned to another day (`serve --date`) it is
 * left out and the server uses its own time at arrival.
 */
import { t, lang } from './i18n.js';
import './i18n-muni.js';
import { api, ApiError, newKey } from './api.js';
import { h, fmtDate, vaccineName } from './ui.js';
import { M, base, kommun, problemBox, rulesList, roundsTable, startPage } from './municipality.js';

const N = {
  app: null,
  today: '',
  roundId: 0,
  round: null,
  flushing: false,
  notice: null, // {kind, text}
  timer: 0,
};

const VACCINES = ['COM', 'MOD', 'AZ', 'JANSS', 'FLU_VAXIGRIP'];

/* ------------------------------------------------------------ the queue */

function qkey() {
  return `vaxchain.muni.queue.${kommun()}`;
}

export function loadQueue() {
  try {
    const q = JSON.parse(localStorage.getItem(qkey()) || '[]');
    return Array.isArray(q) ? q : [];
  } catch {
    return [];
  }
}

function saveQueue(q) {
  localStorage.setItem(qkey(), JSON.stringify(q));
}

function localToday() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/* Now as RFC 3339 with the tablet's offset. */
function nowRfc3339() {
  const d = new Date();
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  return `${localToday()}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

function enqueue(resident, outcome, site) {
  const key = `r${N.roundId}-p${resident.person_id}-${newKey().slice(0, 20)}`;
  const body = { key, person_id: resident.person_id, outcome };
  if (outcome === 'vaccinated' && site) body.injection_site = site;
  if (N.today && N.today === localToday()) body.given_at = nowRfc3339();
  const q = loadQueue();
  q.push({ key, kommun: kommun(), round: N.roundId, person: resident.person_id, name: resident.name, body });
  saveQueue(q);
}

/* Send every queued record, oldest first; stop at the first network failure. */
async function flush() {
  if (N.flushing || !M.me) return;
  N.flushing = true;
  let sent = 0;
  const refused = [];
  try {
    for (const item of loadQueue()) {
      try {
        await api('POST', `/api/v1/municipalities/${encodeURIComponent(item.kommun)}/rounds/${item.round}/records`, {
          body: item.body,
        });
        sent += 1;
      } catch (e) {
        if (!(e instanceof ApiError) || e.status === 0) break; /* offline: keep it */
        if (e.status === 401) break; /* signed out: keep it for after sign-in */
        const p = e.problem || {};
        refused.push(
          t('muni.queue.refused', {
            name: item.name,
            msg: (p.message && p.message[lang()]) || p.detail || p.title || e.status,
          }),
        );
      }
      saveQueue(loadQueue().filter((x) => x.key !== item.key));
    }
  } finally {
    N.flushing = false;
  }
  if (refused.length) N.notice = { kind: 'error', text: refused.join(' ') };
  else if (sent) N.notice = { kind: 'ok', text: t('muni.queue.sent_n', { n: sent }) };
  if (sent || refused.length) await reload();
  else render();
}

function statusBar() {
  const q = loadQueue();
  const online = navigator.onLine;
  return h(
    'div',
    { class: `alert ${online ? 'alert-info' : 'alert-error'}`, id: 'conn', role: 'status' },
    h('p', null, h('strong', { text: online ? t('muni.queue.online') : t('muni.queue.offline') })),
    h(
      'p',
      { id: 'queue-count' },
      q.length ? t('muni.queue.count', { n: q.length }) : t('muni.queue.empty'),
      q.length ? ' ' : '',
      q.length
        ? h('button', { type: 'button', class: 'btn btn-secondary', id: 'send-now', text: t('muni.queue.send'), onclick: () => flush() })
        : null,
    ),
  );
}

/* ------------------------------------------------------------ views */

function noticeBox() {
  if (!N.notice) return null;
  const n = N.notice;
  N.notice = null;
  if (n.err) return problemBox(n.err);
  return h('p', { class: `alert alert-${n.kind}`, role: n.kind === 'error' ? 'alert' : 'status', text: n.text });
}

function planCard(units) {
  if (!units.length) return h('p', { class: 'alert alert-info', text: t('muni.plan.no_units') });
  const out = h('div', { id: 'plan-out' });
  const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'plan-h', novalidate: true },
    h('h2', { id: 'plan-h', text: t('muni.plan.title') }),
    h(
      'div',
      { class: 'form-grid' },
      field(
        'plan-unit',
        t('muni.plan.unit'),
        h(
          'select',
          { id: 'plan-unit', name: 'unit' },
          units.map((u) => h('option', { value: u.unit_code, text: `${u.unit_name || u.unit_code} (${u.unit_code}) – ${u.residents}` })),
        ),
      ),
      field('plan-date', t('muni.plan.date'), h('input', { id: 'plan-date', name: 'date', type: 'date', value: N.today })),
      field(
        'plan-vaccine',
        t('muni.plan.vaccine'),
        h('select', { id: 'plan-vaccine', name: 'vaccine' }, VACCINES.map((v) => h('option', { value: v, text: vaccineName(v) }))),
      ),
      field(
        'plan-form',
        t('muni.plan.form'),
        h(
          'select',
          { id: 'plan-form', name: 'form' },
          ['syringes', 'vials'].map((f) => h('option', { value: f, text: t(`muni.form.${f}`) })),
        ),
      ),
      field(
        'plan-transport',
        t('muni.plan.transport'),
        h('input', { id: 'plan-transport', name: 'transport', type: 'number', min: 0, max: 1440, value: 30, class: 'narrow' }),
      ),
      field(
        'plan-duration',
        t('muni.plan.duration'),
        h('input', { id: 'plan-duration', name: 'duration', type: 'number', min: 0, max: 1440, value: 90, class: 'narrow' }),
      ),
    ),
    h(
      'p',
      { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', id: 'plan-check', text: t('muni.plan.check') }),
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('muni.plan.button') }),
    ),
    out,
  );
  const body = () => ({
    unit_code: form.unit.value,
    date: form.date.value,
    vaccine: form.vaccine.value,
    form: form.form.value,
    transport_minutes: Number(form.transport.value) || 0,
    duration_minutes: Number(form.duration.value) || 0,
  });
  form.querySelector('#plan-check').addEventListener('click', async () => {
    try {
      const v = await api('POST', `${base()}/rounds/check`, { body: body() });
      out.replaceChildren(
        h(
          'div',
          { class: `alert ${v.ok ? 'alert-ok' : 'alert-error'}`, role: 'status' },
          h('p', { text: v.ok ? t('muni.transport.ok') : t('muni.transport.refused') }),
          rulesList(v),
        ),
      );
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('POST', `${base()}/rounds`, { body: body() });
      N.notice = { kind: 'ok', text: t('muni.plan.done') };
      await openRound(r.id);
    } catch (e) {
      const box = problemBox(e);
      out.replaceChildren(box);
      box.focus();
    }
  });
  return form;
}

async function renderList() {
  let rounds;
  let units;
  try {
    [rounds, units] = await Promise.all([api('GET', `${base()}/rounds`), api('GET', `${base()}/units`)]);
  } catch (e) {
    N.app.replaceChildren(statusBar(), problemBox(e));
    return;
  }
  N.app.replaceChildren(
    ...[
    statusBar(),
    noticeBox(),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'rounds-h' },
      h('h2', { id: 'rounds-h', text: t('muni.rounds.title') }),
      roundsTable(rounds, (id) => openRound(id)),
    ),
    planCard(units),
    ].filter(Boolean),
  );
}

function residentCard(r, canRecord) {
  const siteId = `site-${r.person_id}`;
  const consent = r.consent ? t(`muni.res.consent.${r.consent}`) : '';
  const tap = (outcome) => () => {
    const site = document.getElementById(siteId);
    enqueue(r, outcome, site ? site.value : '');
    render();
    flush();
  };
  return h(
    'li',
    { class: 'booking' },
    h('h3', { text: r.name }),
    h('p', { class: 'muted', text: [r.personnummer, consent].filter(Boolean).join(' · ') }),
    canRecord
      ? h(
          'div',
          { class: 'inline-form' },
          h(
            'div',
            { class: 'field' },
            h('label', { for: siteId, text: t('muni.res.site', { name: r.name }) }),
            h('select', { id: siteId }, ['left_arm', 'right_arm'].map((s) => h('option', { value: s, text: t(`muni.site.${s}`) }))),
          ),
          h('button', {
            type: 'button',
            class: 'btn btn-primary',
            text: t('muni.res.vaccinated'),
            'aria-label': `${t('muni.res.vaccinated')}: ${r.name}`,
            onclick: tap('vaccinated'),
          }),
          h('button', {
            type: 'button',
            class: 'btn btn-secondary',
            text: t('muni.res.declined'),
            'aria-label': `${t('muni.res.declined')}: ${r.name}`,
            onclick: tap('declined'),
          }),
          h('button', {
            type: 'button',
            class: 'btn btn-quiet',
            text: t('muni.res.absent'),
            'aria-label': `${t('muni.res.absent')}: ${r.name}`,
            onclick: tap('absent'),
          }),
        )
      : null,
  );
}

function render() {
  if (!N.app) return;
  if (!N.round) {
    const bar = document.getElementById('conn');
    if (bar) bar.replaceWith(statusBar());
    return;
  }
  const r = N.round;
  const queued = new Map(loadQueue().filter((x) => x.round === r.id).map((x) => [x.person, x]));
  const canRecord = r.status === 'handed_out' || r.status === 'done';
  const left = r.resident_list.filter((x) => x.outcome === 'pending' && !queued.has(x.person_id));
  const done = r.resident_list.filter((x) => x.outcome !== 'pending' || queued.has(x.person_id));
  N.app.replaceChildren(
    ...[
    statusBar(),
    noticeBox(),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'round-h' },
      h('h2', { id: 'round-h', tabindex: '-1', text: t('muni.round.title', { unit: r.unit_name || r.unit_code, date: fmtDate(r.date) }) }),
      h(
        'p',
        { id: 'round-summary', class: 'lead' },
        t('muni.round.summary', {
          vaccine: r.vaccine_name,
          form: t(`muni.form.${r.form}`),
          left: left.length,
          residents: r.residents,
        }),
      ),
      h('p', null, h('span', { class: 'badge', text: t(`muni.status.${r.status}`) })),
      r.lot_number ? h('p', { text: t('muni.round.lot', { lot: r.lot_number, doses: r.doses_handed }) }) : null,
      canRecord ? null : h('p', { class: 'alert alert-info', text: t('muni.round.wait') }),
      r.transport ? rulesList(r.transport) : null,
      h(
        'p',
        { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-quiet', text: t('muni.round.back'), onclick: () => openList() }),
        h('button', { type: 'button', class: 'btn btn-quiet', text: t('muni.round.reload'), onclick: () => reload() }),
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'left-h' },
      h('h2', { id: 'left-h', text: `${t('muni.res.left_title')} (${left.length})` }),
      left.length
        ? h('ul', { class: 'booking-list', id: 'left-list' }, left.map((x) => residentCard(x, canRecord)))
        : h('p', { class: 'muted', text: t('muni.res.none_left') }),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'done-h' },
      h('h2', { id: 'done-h', text: `${t('muni.res.done_title')} (${done.length})` }),
      h(
        'ul',
        { class: 'booking-list', id: 'done-list' },
        done.map((x) => {
          const q = queued.get(x.person_id);
          const outcome = q ? q.body.outcome : x.outcome;
          return h(
            'li',
            { class: 'booking', dataset: { state: q ? 'queued' : 'sent' } },
            h('h3', { text: x.name }),
            h(
              'p',
              null,
              h('strong', { text: t(`muni.outcome.${outcome}`) }),
              ' – ',
              q ? t('muni.res.queued') : t('muni.res.sent'),
              !q && x.dose_id ? ` · ${t('muni.res.dose', { n: x.dose_number, lot: x.lot_number })}` : '',
            ),
          );
        }),
      ),
    ),
    ].filter(Boolean),
  );
}

async function reload() {
  if (!N.roundId) return renderList();
  try {
    N.round = await api('GET', `${base()}/rounds/${N.roundId}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 0 || !N.round) N.notice = { err: e };
  }
  render();
  return undefined;
}

async function openRound(id) {
  N.roundId = id;
  N.round = null;
  await reload();
  const hd = document.getElementById('round-h');
  if (hd) hd.focus();
}

async function openList() {
  N.roundId = 0;
  N.round = null;
  await renderList();
}

async function renderNurse(app) {
  N.app = app;
  if (!N.today) {
    try {
      N.today = (await api('GET', `${base()}/coverage`)).date;
    } catch {
      N.today = localToday();
    }
  }
  if (!N.timer) {
    window.addEventListener('online', () => flush());
    window.addEventListener('offline', () => render());
    N.timer = window.setInterval(() => {
      if (loadQueue().length) flush();
    }, 5000);
  }
  if (N.roundId) await reload();
  else await renderList();
  if (loadQueue().length) flush();
}

if (document.body.dataset.page === 'nurse') startPage('municipal_nurse', renderNurse);

/*
 * app.js — the vaxchain web UI: a small hash-routed single-page application.
 *
 * Routes (location.hash):
 *   #/                 sign in (dev login: a demo person or a staff role)
 *   #/boka             the booking flow: eligibility → site → dose 1 → dose 2 → confirm
 *                      (a citizen for themself, or a call-centre agent for a caller)
 *   #/mina-bokningar   a citizen's bookings: change time, cancel
 *   #/samtal           the call-centre screen: look a person up, book/rebook/cancel for them
 *   #/ko               the waiting room: position and estimated wait, polls, then continues
 *   #/personal         other staff roles (no view of their own yet)
 *
 * State lives in the module-level object S; each render builds the whole view
 * from it (views are async functions returning a node) and swaps it into <main>
 * at once, then moves focus to the view's heading (or to an error). Small in-place
 * updates (choosing a day, a municipality) change only their part of the page so
 * that keyboard focus stays where it is. Personal identity numbers are kept in
 * memory only: never in the URL, never in storage.
 */
import { api, ApiError, newKey } from './api.js';
import { applyStatic, lang, setLang, t } from './i18n.js';
import {
  addDays,
  fieldName,
  fmtDate,
  fmtDateTime,
  fmtDay,
  fmtTime,
  focus,
  h,
  reasonText,
  uniqueId,
  vaccineName,
} from './ui.js';

const QUEUE_KEY = 'vaxchain.queue';
const DAYS_SHOWN = 14;

const S = {
  me: undefined, // GET /me result; null = signed out; undefined = not asked yet
  flow: null, // the booking in progress (see newFlow)
  cc: null, // call centre: { pnr, data } of the person on the line
  queue: loadQueue(), // waiting room: { token, position, estimated_wait_s, admitted }
  notice: null, // { kind: 'ok'|'error'|'info', text?, err? } shown once on the next render
  sites: new Map(), // region → site list
};

/* ------------------------------------------------------------ helpers */

function loadQueue() {
  try {
    const q = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || 'null');
    return q && typeof q === 'object' ? q : null;
  } catch {
    return null;
  }
}

function saveQueue() {
  try {
    if (S.queue) sessionStorage.setItem(QUEUE_KEY, JSON.stringify(S.queue));
    else sessionStorage.removeItem(QUEUE_KEY);
  } catch {
    /* storage unavailable: the token lasts for this page */
  }
}

function list(x, key) {
  if (Array.isArray(x)) return x;
  if (x && Array.isArray(x[key])) return x[key];
  return [];
}

function role() {
  return S.me ? S.me.role : null;
}

function personName(p) {
  if (!p) return '';
  if (p.display_name) return p.display_name;
  return [p.given_name, p.family_name].filter(Boolean).join(' ') || p.name || '';
}

/* A booking as the UI uses it, whatever the exact field names. */
function normBooking(b) {
  const site = b.site && typeof b.site === 'object' ? b.site : null;
  return {
    id: b.id ?? b.booking_id,
    dose: b.dose ?? b.dose_number ?? 1,
    slot: b.slot ?? b.slot_id,
    start: b.start || '',
    siteId: site ? site.id : (b.site_id ?? b.site),
    siteName: b.site_name || (site && site.name) || '',
    siteAddress: b.site_address || (site && site.address) || '',
    vaccine: b.vaccine || '',
    channel: b.channel || '',
    agent: b.agent_id || b.agent || '',
    status: b.status || 'booked',
  };
}

function activeBookings(x) {
  return list(x, 'bookings')
    .map(normBooking)
    .filter((b) => b.status === 'booked')
    .sort((a, b) => a.dose - b.dose);
}

/* The server's day (it may run on a pinned demo date); its time of day follows the clock. */
let serverToday = null;

function noteServerDay(elig) {
  if (elig && typeof elig.date === 'string') serverToday = elig.date;
}

function stockholmNow() {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Stockholm',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date());
}

/* A slot that can be booked now: a free place, released, not started yet. */
function bookable(s) {
  const free = s.free ?? (s.capacity ?? 0) - (s.booked ?? 0);
  if (!(free > 0) || s.released === false) return false;
  if (serverToday && typeof s.start === 'string') {
    const day = s.start.slice(0, 10);
    if (day < serverToday || (day === serverToday && fmtTime(s.start) <= stockholmNow()))
      return false;
  }
  return true;
}

function freeCount(s) {
  return s.free ?? (s.capacity ?? 0) - (s.booked ?? 0);
}

function kommunName(s) {
  return s.kommun_name || s.municipality || s.kommun || '';
}

async function sitesOf(region) {
  if (!S.sites.has(region)) {
    const r = await api('GET', '/api/v1/sites', { query: { region } });
    S.sites.set(region, list(r, 'sites'));
  }
  return S.sites.get(region);
}

async function siteById(region, id) {
  if (!region) return null;
  try {
    return (await sitesOf(region)).find((s) => String(s.id) === String(id)) || null;
  } catch {
    return null;
  }
}

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function homeFor(r) {
  if (r === 'citizen') return '#/boka';
  if (r === 'callcentre') return '#/samtal';
  return r ? '#/personal' : '#/';
}

/* ------------------------------------------------------------ problems */

/*
 * A problem+json error as an alert box: the title (in the user's language:
 * the server localises it, the dictionary is the fallback), the detail, and one
 * line per field at fault. `fields` maps API field names to input ids so the
 * inputs can be marked invalid and described by their message.
 */
function problemBox(err, fields) {
  const box = h('div', { class: 'alert alert-error', role: 'alert', tabindex: '-1' });
  if (!(err instanceof ApiError)) {
    box.append(h('h2', { text: t('err.title') }), h('p', { text: String(err && err.message) }));
    return box;
  }
  if (err.status === 0) {
    box.append(h('h2', { text: t('err.title') }), h('p', { text: t('err.network') }));
    return box;
  }
  const p = err.problem || {};
  const localTitle = t(`err.problem.${err.kind}`);
  const title =
    p.title && (lang() === 'sv' || !/[åäö]/i.test(p.title))
      ? p.title
      : localTitle.startsWith('err.')
        ? t('err.title')
        : localTitle;
  box.append(h('h2', { text: title }));
  const detail = p.detail || '';
  const errors = Array.isArray(p.errors) ? p.errors : [];
  const repeated =
    errors.some((e) => e.reason === detail) ||
    (errors.length && /fields? (is|are) not valid/.test(detail));
  if (detail && !repeated) {
    box.append(h('p', { text: detail }));
  }
  if (errors.length) {
    box.append(h('p', { text: t('err.fields') }));
    box.append(
      h(
        'ul',
        null,
        errors.map((e) => {
          const msg = `${fieldName(e.field)}: ${reasonText(e.reason)}`;
          const inputId = fields && fields[e.field];
          return h(
            'li',
            null,
            inputId ? h('a', { href: `#${inputId}`, text: msg, onclick: jumpTo }) : msg,
          );
        }),
      ),
    );
  }
  box.append(h('p', { class: 'muted small', text: t('err.code', { status: err.status }) }));
  return box;
}

function jumpTo(ev) {
  ev.preventDefault();
  focus(document.getElementById(ev.currentTarget.getAttribute('href').slice(1)));
}

/* Mark the inputs named in the problem's errors invalid, with their messages. */
function markFields(form, err, fields) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  const errors =
    err instanceof ApiError && err.problem && Array.isArray(err.problem.errors)
      ? err.problem.errors
      : [];
  for (const e of errors) {
    const id = fields[e.field];
    const input = id && form.querySelector(`#${id}`);
    if (!input) continue;
    const msgId = `${id}-error`;
    input.setAttribute('aria-invalid', 'true');
    const desc = (input.getAttribute('aria-describedby') || '')
      .split(' ')
      .filter((x) => x && x !== msgId);
    input.setAttribute('aria-describedby', [msgId, ...desc].join(' '));
    input.insertAdjacentElement(
      'afterend',
      h('p', { class: 'field-error', id: msgId, text: reasonText(e.reason) }),
    );
  }
}

function notice() {
  const n = S.notice;
  S.notice = null;
  if (!n) return null;
  if (n.err) return problemBox(n.err);
  return h(
    'div',
    { class: `alert alert-${n.kind || 'info'}`, role: n.kind === 'error' ? 'alert' : 'status' },
    h('p', { text: n.text }),
  );
}

/* ------------------------------------------------------------ rendering */

let renderSeq = 0;
let pollTimer = null;

function stopPolling() {
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = null;
}

function route() {
  const m = /^#\/([a-z-]*)/.exec(location.hash);
  return m ? m[1] : '';
}

const VIEWS = {
  '': { view: viewLogin, roles: null },
  boka: { view: viewBook, roles: ['citizen', 'callcentre'] },
  'mina-bokningar': { view: viewBookings, roles: ['citizen'] },
  samtal: { view: viewCallCentre, roles: ['callcentre'] },
  ko: { view: viewQueue, roles: ['citizen', 'callcentre'] },
  personal: { view: viewStaff, roles: 'staff' },
};

async function loadMe() {
  try {
    S.me = await api('GET', '/api/v1/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) S.me = null;
    else throw e;
  }
}

async function render() {
  const seq = ++renderSeq;
  stopPolling();
  const main = document.getElementById('main');
  main.setAttribute('aria-busy', 'true');
  let content;
  try {
    if (S.me === undefined) await loadMe();
    let r = route();
    const v = VIEWS[r] || VIEWS[''];
    const allowed =
      v.roles === null ||
      (v.roles === 'staff' ? S.me && S.me.role !== 'citizen' : S.me && v.roles.includes(S.me.role));
    if (!allowed) {
      const home = homeFor(role());
      if (home !== `#/${r}`) {
        main.removeAttribute('aria-busy');
        location.replace(home);
        return;
      }
    }
    content = await v.view();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      S.me = null;
      S.flow = null;
      S.cc = null;
      S.notice = { kind: 'error', text: t('err.session') };
      if (seq === renderSeq) location.replace('#/');
      if (route() === '') setTimeout(render, 0);
      return;
    }
    content = h('section', null, h('h1', { text: t('err.title') }), problemBox(e));
  }
  if (seq !== renderSeq || !content) return;
  const n = notice();
  main.replaceChildren(...[n, content].filter(Boolean));
  main.removeAttribute('aria-busy');
  updateHeader();
  const target =
    (n && n.getAttribute('role') === 'alert' && n) ||
    main.querySelector('[data-autofocus]') ||
    main.querySelector('h1');
  focus(target);
}

/* A menu link always starts its page afresh (a finished booking flow is left). */
function navClick(ev) {
  const href = ev.currentTarget.getAttribute('href');
  if (S.flow && (S.flow.step === 'done' || href !== '#/boka')) S.flow = null;
  if (href === location.hash) {
    ev.preventDefault();
    render();
  }
}

function updateHeader() {
  document.title = `${t('app.title')} – vaxchain`;
  applyStatic(document);
  const nav = document.getElementById('nav');
  const r = role();
  const links = [];
  if (r === 'citizen') links.push(['#/boka', 'nav.book'], ['#/mina-bokningar', 'nav.bookings']);
  if (r === 'callcentre') links.push(['#/samtal', 'nav.callcentre']);
  /* the certificate pages are separate documents (web/certificate.html, web/verify.html) */
  if (r === 'citizen') links.push(['/certificate.html', 'nav.certificate']);
  links.push(['/verify.html', 'nav.verify']);
  const here = `#/${route()}`;
  nav.replaceChildren(
    ...(links.length
      ? [
          h(
            'ul',
            null,
            links.map(([href, key]) =>
              h(
                'li',
                null,
                h('a', {
                  href,
                  'aria-current': href === here ? 'page' : false,
                  text: t(key),
                  onclick: navClick,
                }),
              ),
            ),
          ),
        ]
      : []),
  );
  nav.hidden = links.length === 0;
  const who = document.getElementById('who');
  if (S.me) {
    const name = S.me.person ? personName(S.me.person) : S.me.display_name || S.me.user;
    who.textContent = t('signed_in_as', {
      name: S.me.role === 'citizen' ? name : `${name} (${S.me.role_name || S.me.role})`,
    });
  } else {
    who.textContent = '';
  }
  document.getElementById('logout').hidden = !S.me;
}

/* ------------------------------------------------------------ sign in */

async function viewLogin() {
  if (S.me) {
    location.replace(homeFor(S.me.role));
    return null;
  }
  const sec = h(
    'section',
    { class: 'card' },
    h('h1', { text: t('login.title') }),
    h('p', { text: t('login.intro') }),
  );
  let personas;
  try {
    personas = await api('GET', '/api/v1/dev/personas');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      sec.append(h('p', { class: 'alert alert-info', text: t('login.none') }));
      return sec;
    }
    throw e;
  }
  const persons = list(personas, 'persons');
  const staff = list(personas, 'staff');
  const options = [];
  const errId = uniqueId('login-err');
  const radio = (value, label, sub) => {
    const id = uniqueId('who');
    options.push(value);
    return h(
      'div',
      { class: 'choice' },
      h('input', {
        type: 'radio',
        name: 'who',
        id,
        value: String(options.length - 1),
        'aria-describedby': sub ? `${id}-sub` : false,
      }),
      h(
        'label',
        { for: id },
        h('span', { class: 'choice-main', text: label }),
        sub && h('span', { class: 'choice-sub', id: `${id}-sub`, text: sub }),
      ),
    );
  };
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'fieldset',
      null,
      h('legend', { text: t('login.citizens') }),
      h(
        'div',
        { class: 'choices cols' },
        persons.map((p) =>
          radio(
            { person: p.person },
            p.display_name,
            `${t('age', { n: p.age })} · ${(p.label && p.label[lang()]) || p.kind || ''}`,
          ),
        ),
      ),
    ),
    h(
      'fieldset',
      null,
      h('legend', { text: t('login.staff') }),
      h(
        'div',
        { class: 'choices cols' },
        staff.map((s) => {
          const body = { role: s.role, user: s.user };
          let scope = '';
          if (s.region) {
            body.region = s.region;
            scope = t('login.region', { code: s.region });
          }
          if (s.site) {
            body.site = s.site;
            scope = t('login.site', { code: s.site });
          }
          if (s.kommun) {
            body.kommun = s.kommun;
            scope = t('login.kommun', { code: s.kommun });
          }
          return radio(
            body,
            (s.label && s.label[lang()]) || s.role,
            [s.user, scope].filter(Boolean).join(' · '),
          );
        }),
      ),
    ),
    h('p', { id: errId, class: 'field-error', hidden: true, role: 'alert' }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('login.submit') }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = form.querySelector('input[name=who]:checked');
    const err = form.querySelector(`#${errId}`);
    if (!chosen) {
      err.textContent = t('login.choose');
      err.hidden = false;
      focus(form.querySelector('input[name=who]'));
      return;
    }
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      await api('POST', '/api/v1/session', { body: options[Number(chosen.value)] });
      S.flow = null;
      S.cc = null;
      S.queue = null;
      saveQueue();
      await loadMe();
      go(homeFor(role()));
    } catch (e) {
      btn.disabled = false;
      S.notice = { kind: 'error', err: e };
      render();
    }
  });
  sec.append(form);
  return sec;
}

async function logout() {
  try {
    await api('DELETE', '/api/v1/session');
  } catch {
    /* signed out anyway */
  }
  S.me = null;
  S.flow = null;
  S.cc = null;
  S.queue = null;
  saveQueue();
  S.sites.clear();
  go('#/');
}

/* ------------------------------------------------------------ waiting room */

/*
 * Make sure the caller holds an admitted waiting-room token before booking.
 * Returns true when booking may go on now; false when the waiting room page was
 * opened (it comes back to `returnTo` when admitted). A server without the
 * waiting room (404) lets everyone through.
 */
async function ensureQueue(returnTo) {
  if (S.queue && S.queue.admitted) return true;
  let q;
  try {
    q = await api('POST', '/api/v1/queue');
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      S.queue = { token: null, admitted: true };
      saveQueue();
      return true;
    }
    throw e;
  }
  S.queue = { ...q, returnTo };
  saveQueue();
  if (q && q.admitted) return true;
  go('#/ko');
  return false;
}

function waitText(s) {
  const sec = Math.max(0, Math.round(Number(s) || 0));
  if (sec < 60) return t('queue.seconds');
  const min = Math.round(sec / 60);
  return min === 1 ? t('queue.minute') : t('queue.minutes', { n: min });
}

async function viewQueue() {
  const q = S.queue;
  if (!q || !q.token) {
    location.replace(homeFor(role()));
    return null;
  }
  const seq = renderSeq;
  const pos = h('p', { class: 'big-number', id: 'queue-position' });
  const wait = h('p', { class: 'queue-wait', id: 'queue-wait' });
  const status = h('p', { class: 'muted', role: 'status' });
  const bar = h('progress', { max: '100', value: '0', 'aria-labelledby': 'queue-pos-label' });
  const cont = h('button', {
    type: 'button',
    class: 'btn btn-primary',
    hidden: true,
    text: t('queue.continue'),
    onclick: () => leave(),
  });
  const startPos = Math.max(1, Number(q.start_position || q.position) || 1);
  q.start_position = startPos;
  const leave = () => {
    const back = q.returnTo || homeFor(role());
    go(back);
  };
  const show = () => {
    pos.textContent = q.admitted ? '0' : String(q.position ?? '–');
    wait.textContent = q.admitted ? '' : waitText(q.estimated_wait_s);
    bar.value = q.admitted
      ? 100
      : Math.max(2, Math.round(100 * (1 - (Number(q.position) || 0) / startPos)));
    if (q.admitted) {
      status.textContent = t('queue.admitted');
      cont.hidden = false;
    } else {
      status.textContent = t('queue.updated', {
        time: new Date().toLocaleTimeString(lang() === 'en' ? 'en-GB' : 'sv-SE'),
      });
    }
  };
  const poll = async () => {
    pollTimer = null;
    if (seq !== renderSeq) return;
    try {
      const r = await api('GET', `/api/v1/queue/${encodeURIComponent(q.token)}`);
      Object.assign(q, r);
      saveQueue();
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) {
        /* token expired or unknown: queue again from the start */
        S.queue = null;
        saveQueue();
        S.notice = { kind: 'error', err: e };
        go(q.returnTo || homeFor(role()));
        return;
      }
    }
    if (seq !== renderSeq) return;
    show();
    if (q.admitted) {
      pollTimer = setTimeout(leave, 1200);
      return;
    }
    const next =
      Number(q.refresh_s) || Math.min(5, Math.max(1, (Number(q.estimated_wait_s) || 2) / 4));
    pollTimer = setTimeout(poll, next * 1000);
  };
  show();
  pollTimer = setTimeout(poll, q.admitted ? 0 : 1000);
  return h(
    'section',
    { class: 'card queue' },
    h('h1', { text: t('queue.title') }),
    h('p', { text: t('queue.intro') }),
    h(
      'div',
      { class: 'queue-figures' },
      h('div', null, h('h2', { id: 'queue-pos-label', text: t('queue.position') }), pos),
      h('div', null, h('h2', { text: t('queue.wait') }), wait),
    ),
    bar,
    status,
    h('div', { class: 'actions' }, cont),
  );
}

/* ------------------------------------------------------------ booking flow */

const STEPS = ['elig', 'site', 'time', 'dose2', 'confirm'];

function newFlow(subject, extra) {
  return { subject, step: 'elig', idemKey: newKey(), ...extra };
}

function stepNav(flow) {
  const steps = flow.subject === 'agent' ? STEPS.slice(1) : STEPS;
  const idx = steps.indexOf(flow.step);
  if (idx < 0) return null;
  return h(
    'nav',
    { class: 'steps', 'aria-label': t('steps.label') },
    h('p', { class: 'visually-hidden', text: t('step.of', { n: idx + 1, total: steps.length }) }),
    h(
      'ol',
      null,
      steps.map((s, i) =>
        h(
          'li',
          {
            class: i < idx ? 'done' : i === idx ? 'current' : '',
            'aria-current': i === idx ? 'step' : false,
          },
          h('span', { class: 'step-no', 'aria-hidden': 'true', text: String(i + 1) }),
          h('span', { text: t(`steps.${s}`) }),
        ),
      ),
    ),
  );
}

function flowPerson(flow) {
  if (flow.subject === 'agent') return flow.person || {};
  return (S.me && S.me.person) || {};
}

function setStep(step) {
  S.flow.step = step;
  render();
}

function actions(...buttons) {
  return h('div', { class: 'actions' }, buttons);
}

function backButton(step) {
  return h('button', {
    type: 'button',
    class: 'btn btn-secondary',
    text: t('back'),
    onclick: () => setStep(step),
  });
}

async function viewBook() {
  if (role() === 'callcentre' && (!S.flow || S.flow.subject !== 'agent')) {
    location.replace('#/samtal');
    return null;
  }
  if (!S.flow || S.flow.subject !== (role() === 'callcentre' ? 'agent' : 'self'))
    S.flow = newFlow('self');
  const flow = S.flow;
  const body = {
    elig: stepElig,
    site: stepSite,
    time: stepTime,
    dose2: stepDose2,
    confirm: stepConfirm,
    done: stepDone,
  }[flow.step];
  const content = await body(flow);
  const head = [];
  if (flow.subject === 'agent') {
    head.push(
      h(
        'div',
        { class: 'acting' },
        h('p', { text: t('cc.acting', { name: personName(flow.person) }) }),
        flow.step === 'done'
          ? null
          : h('button', {
              type: 'button',
              class: 'btn btn-quiet',
              text: t('done.to_callcentre'),
              onclick: () => {
                S.flow = null;
                go('#/samtal');
              },
            }),
      ),
    );
  }
  return h('div', { class: 'flow' }, head, stepNav(flow), content);
}

/* May the person book now: the server's can_book, else eligible and the cohort released. */
function canBook(elig) {
  if (!elig) return false;
  if (typeof elig.can_book === 'boolean') return elig.can_book;
  return Boolean(elig.eligible) && elig.cohort_released !== false;
}

function eligBox(elig, agent) {
  const ok = canBook(elig);
  const rule = elig.rule || null;
  const reason = elig[`reason_${lang()}`] || elig.reason || elig.why || '';
  const box = h('div', { class: `elig ${ok ? 'elig-yes' : 'elig-no'}` });
  box.append(
    h(
      'p',
      { class: 'elig-verdict' },
      h('span', { class: 'elig-icon', 'aria-hidden': 'true', text: ok ? '✓' : '!' }),
      h('strong', {
        text: t(ok ? (agent ? 'elig.yes_agent' : 'elig.yes') : agent ? 'elig.no_agent' : 'elig.no'),
      }),
    ),
  );
  const dl = h('dl', { class: 'facts' });
  if (rule && (rule[`label_${lang()}`] || rule.label_sv)) {
    const phase =
      rule.step || rule.phase ? ` (${t('elig.phase', { phase: rule.step || rule.phase })})` : '';
    dl.append(
      h('dt', { text: t('elig.group') }),
      h('dd', { text: (rule[`label_${lang()}`] || rule.label_sv) + phase }),
    );
  }
  if (reason) dl.append(h('dt', { text: t('elig.reason') }), h('dd', { text: reason }));
  if (dl.childNodes.length) box.append(dl);
  if (elig.eligible && elig.cohort_released === false)
    box.append(h('p', { text: t('elig.cohort_closed') }));
  if (!ok && elig.opens)
    box.append(h('p', { text: t('elig.opens', { date: fmtDate(elig.opens) }) }));
  return box;
}

async function stepElig(flow) {
  const [elig, mine] = await Promise.all([
    api('GET', '/api/v1/me/eligibility', { query: { date: flow.date } }),
    api('GET', '/api/v1/me/bookings'),
  ]);
  flow.elig = elig;
  noteServerDay(elig);
  if (elig && elig.date) flow.today = elig.date;
  const active = activeBookings(mine);
  const person = flowPerson(flow);
  const ok = canBook(elig);
  const sec = h(
    'section',
    { class: 'card' },
    h('h1', { text: t('elig.title') }),
    person && personName(person)
      ? h('p', { text: t('elig.hello', { name: personName(person) }) })
      : null,
    eligBox(elig, false),
  );
  if (active.length) {
    sec.append(
      h(
        'p',
        { class: 'alert alert-info' },
        t('elig.has_booking'),
        ' ',
        h('a', { href: '#/mina-bokningar', text: t('elig.see_bookings') }),
      ),
    );
  } else if (ok) {
    sec.append(
      actions(
        h('button', {
          type: 'button',
          class: 'btn btn-primary',
          text: t('elig.start'),
          onclick: async (ev) => {
            ev.currentTarget.disabled = true;
            flow.step = 'site';
            try {
              if (await ensureQueue('#/boka')) render();
            } catch (e) {
              flow.step = 'elig';
              S.notice = { kind: 'error', err: e };
              render();
            }
          },
        }),
      ),
    );
  }
  return sec;
}

async function stepSite(flow) {
  const person = flowPerson(flow);
  const region = person.region || (S.me && S.me.region) || '';
  const sites = await sitesOf(region);
  const byKommun = new Map();
  for (const s of sites) {
    const k = s.kommun || '';
    if (!byKommun.has(k)) byKommun.set(k, { code: k, name: kommunName(s), sites: [] });
    byKommun.get(k).sites.push(s);
  }
  const own = person.kommun || '';
  const groups = [...byKommun.values()].sort((a, b) => {
    if (a.code === own) return -1;
    if (b.code === own) return 1;
    return a.name.localeCompare(b.name, 'sv');
  });
  for (const g of groups)
    g.sites.sort((a, b) => String(a.name).localeCompare(String(b.name), 'sv'));
  const sec = h('section', { class: 'card' }, h('h1', { text: t('site.title') }));
  if (!groups.length) {
    sec.append(
      h('p', { text: t('site.none_region') }),
      actions(flow.subject === 'agent' ? null : backButton('elig')),
    );
    return sec;
  }
  if (!flow.kommun || !byKommun.has(flow.kommun)) {
    const cur = flow.site && sites.find((s) => String(s.id) === String(flow.site.id));
    flow.kommun = cur ? cur.kommun : groups[0].code;
  }
  const selId = uniqueId('kommun');
  const select = h(
    'select',
    { id: selId, name: 'kommun' },
    groups.map((g) =>
      h('option', {
        value: g.code,
        selected: g.code === flow.kommun,
        text:
          g.code === own
            ? t(flow.subject === 'agent' ? 'site.own_agent' : 'site.own', { name: g.name })
            : g.name,
      }),
    ),
  );
  const listArea = h('div', { class: 'site-list' });
  const errP = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const drawSites = () => {
    const g = byKommun.get(flow.kommun);
    listArea.replaceChildren(
      h(
        'fieldset',
        null,
        h('legend', { text: t('site.legend', { name: g.name }) }),
        g.sites.length
          ? h(
              'div',
              { class: 'choices' },
              g.sites.map((s) => {
                const id = uniqueId('site');
                return h(
                  'div',
                  { class: 'choice' },
                  h('input', {
                    type: 'radio',
                    name: 'site',
                    id,
                    value: String(s.id),
                    checked: flow.site && String(flow.site.id) === String(s.id),
                    onchange: () => {
                      flow.site = s;
                      errP.hidden = true;
                    },
                  }),
                  h(
                    'label',
                    { for: id },
                    h('span', { class: 'choice-main', text: s.name }),
                    h('span', {
                      class: 'choice-sub',
                      text: [
                        t(`site.kind.${s.kind}`).startsWith('site.')
                          ? s.kind
                          : t(`site.kind.${s.kind}`),
                        s.address,
                      ]
                        .filter(Boolean)
                        .join(' · '),
                    }),
                  ),
                );
              }),
            )
          : h('p', { text: t('site.none') }),
      ),
    );
  };
  select.addEventListener('change', () => {
    flow.kommun = select.value;
    drawSites();
  });
  drawSites();
  sec.append(
    h('div', { class: 'field' }, h('label', { for: selId, text: t('site.municipality') }), select),
    listArea,
    errP,
    actions(
      flow.subject === 'agent' || flow.rebook ? null : backButton('elig'),
      h('button', {
        type: 'button',
        class: 'btn btn-primary',
        text: t('next'),
        onclick: () => {
          const chosen = listArea.querySelector('input[name=site]:checked');
          if (!chosen) {
            errP.textContent = t('site.choose');
            errP.hidden = false;
            focus(listArea.querySelector('input[name=site]'));
            return;
          }
          flow.site = byKommun.get(flow.kommun).sites.find((s) => String(s.id) === chosen.value);
          if (flow.days && flow.daysSite !== flow.site.id) flow.days = null;
          setStep('time');
        },
      }),
    ),
  );
  return sec;
}

/*
 * A day list and the free times of the chosen day, as two radio groups. `days`:
 * [{date, slots}]; `state` holds {day, slot} and is updated in place; `onPick`
 * runs after a time is chosen. Choosing a day redraws only the times.
 */
function slotPicker(days, state, opts = {}) {
  const wrap = h('div', { class: 'picker' });
  const timesArea = h('div', { class: 'times' });
  const name = uniqueId('pick');
  const bookableOf = (d) => d.slots.filter(bookable);
  const drawTimes = () => {
    const d = days.find((x) => x.date === state.day);
    if (!d) {
      timesArea.replaceChildren(h('p', { class: 'muted', text: t('time.pick_day') }));
      return;
    }
    const free = bookableOf(d);
    const mixed = new Set(free.map((s) => s.vaccine)).size > 1;
    timesArea.replaceChildren(
      h(
        'fieldset',
        null,
        h('legend', { text: t('time.slots', { date: fmtDate(d.date) }) }),
        h(
          'div',
          { class: 'time-grid' },
          free.map((s) => {
            const id = uniqueId('slot');
            const n = freeCount(s);
            return h(
              'div',
              { class: 'time-choice' },
              h('input', {
                type: 'radio',
                name: `${name}-time`,
                id,
                value: String(s.id),
                checked: state.slot && String(state.slot.id) === String(s.id),
                onchange: () => {
                  state.slot = s;
                  if (opts.onPick) opts.onPick(s);
                },
              }),
              h(
                'label',
                { for: id },
                h('span', { class: 'time', text: fmtTime(s.start) }),
                h('span', {
                  class: 'places',
                  text: n === 1 ? t('time.places_one') : t('time.places', { n }),
                }),
                mixed ? h('span', { class: 'places', text: vaccineName(s.vaccine) }) : null,
              ),
            );
          }),
        ),
      ),
    );
  };
  wrap.append(
    h(
      'fieldset',
      null,
      h('legend', { text: opts.dayLegend || t('time.days') }),
      h(
        'div',
        { class: 'day-grid' },
        days.map((d) => {
          const id = uniqueId('day');
          const n = bookableOf(d).length;
          const rec = opts.recommended && opts.recommended === d.date;
          return h(
            'div',
            { class: `day-choice${n ? '' : ' full'}` },
            h('input', {
              type: 'radio',
              name: `${name}-day`,
              id,
              value: d.date,
              disabled: n === 0,
              checked: state.day === d.date,
              onchange: () => {
                state.day = d.date;
                if (state.slot && !d.slots.includes(state.slot)) state.slot = null;
                drawTimes();
              },
            }),
            h(
              'label',
              { for: id },
              h('span', { class: 'day', text: fmtDay(d.date) }),
              h('span', {
                class: 'places',
                text:
                  n === 0 ? t('time.full') : n === 1 ? t('time.free_one') : t('time.free', { n }),
              }),
              rec ? h('span', { class: 'tag', text: t('dose2.recommended') }) : null,
            ),
          );
        }),
      ),
    ),
    timesArea,
  );
  drawTimes();
  return wrap;
}

function groupByDay(slots) {
  const m = new Map();
  for (const s of slots) {
    const d = (s.start || '').slice(0, 10);
    if (!m.has(d)) m.set(d, { date: d, slots: [] });
    m.get(d).slots.push(s);
  }
  return [...m.values()].sort((a, b) => a.date.localeCompare(b.date));
}

async function stepTime(flow) {
  const site = flow.site;
  if (!flow.days || flow.daysSite !== site.id || flow.daysFrom !== flow.from) {
    const q = {};
    if (flow.from) {
      q.from = flow.from;
      q.to = addDays(flow.from, DAYS_SHOWN - 1);
    }
    const r = await api('GET', `/api/v1/sites/${encodeURIComponent(site.id)}/availability`, {
      query: q,
    });
    flow.days = list(r, 'days')
      .map((d) => ({ date: d.date, slots: list(d, 'slots') }))
      .filter((d) => d.slots.length);
    flow.daysSite = site.id;
    flow.daysFrom = flow.from;
    flow.range = {
      from: q.from || (flow.days[0] && flow.days[0].date),
      to: q.to || (flow.days.length && flow.days[flow.days.length - 1].date),
    };
    if (!flow.from && flow.range.from) {
      flow.from = flow.range.from;
      flow.daysFrom = flow.from;
    }
  }
  const state = { day: null, slot: null };
  if (flow.slot1) {
    const d = flow.days.find((x) => x.slots.some((s) => String(s.id) === String(flow.slot1.id)));
    if (d) {
      state.day = d.date;
      state.slot = d.slots.find((s) => String(s.id) === String(flow.slot1.id));
    }
  }
  if (!state.day) {
    const first = flow.days.find((d) => d.slots.some(bookable));
    if (first) state.day = first.date;
  }
  const errP = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const sec = h(
    'section',
    { class: 'card' },
    h('h1', { text: t('time.title') }),
    h('p', { class: 'lead', text: t('time.at_site', { name: site.name }) }),
  );
  if (flow.range && flow.range.from)
    sec.append(
      h('p', {
        class: 'muted',
        text: t('time.range', {
          from: fmtDay(flow.range.from),
          to: fmtDay(flow.range.to || flow.range.from),
        }),
      }),
    );
  const anyFree = flow.days.some((d) => d.slots.some(bookable));
  if (!anyFree)
    sec.append(
      h('p', {
        class: 'alert alert-info',
        text: t('time.none', {
          from: fmtDay(flow.range.from || ''),
          to: fmtDay(flow.range.to || ''),
        }),
      }),
    );
  if (flow.days.length)
    sec.append(slotPicker(flow.days, state, { onPick: () => (errP.hidden = true) }));
  const page = (delta) => {
    const base = flow.from || (flow.range && flow.range.from);
    if (!base) return;
    flow.from = addDays(base, delta);
    flow.days = null;
    render();
  };
  const earlier = flow.today && flow.from && flow.from > flow.today;
  sec.append(
    h(
      'div',
      { class: 'pager' },
      earlier
        ? h('button', {
            type: 'button',
            class: 'btn btn-secondary',
            text: `← ${t('time.earlier')}`,
            onclick: () => page(-DAYS_SHOWN),
          })
        : null,
      flow.from
        ? h('button', {
            type: 'button',
            class: 'btn btn-secondary',
            text: `${t('time.later')} →`,
            onclick: () => page(DAYS_SHOWN),
          })
        : null,
    ),
    errP,
    actions(
      backButton('site'),
      h('button', {
        type: 'button',
        class: 'btn btn-primary',
        text: t('next'),
        onclick: () => {
          if (!state.slot) {
            errP.textContent = t('time.choose');
            errP.hidden = false;
            focus(
              sec.querySelector('.times input') ||
                sec.querySelector('.day-grid input:not(:disabled)'),
            );
            return;
          }
          if (!flow.slot1 || String(flow.slot1.id) !== String(state.slot.id)) {
            flow.slot2 = null;
            flow.dose2 = null;
            flow.dose2All = false;
          }
          flow.slot1 = state.slot;
          setStep('dose2');
        },
      }),
    ),
  );
  return sec;
}

async function stepDose2(flow) {
  if (!flow.dose2 || flow.dose2For !== flow.slot1.id) {
    flow.dose2 = await api('GET', `/api/v1/sites/${encodeURIComponent(flow.site.id)}/dose2`, {
      query: { slot: flow.slot1.id },
    });
    flow.dose2For = flow.slot1.id;
  }
  const d2 = flow.dose2 || {};
  const slots = list(d2, 'slots');
  const sec = h('section', { class: 'card' }, h('h1', { text: t('dose2.title') }));
  const single = d2.doses === 1 || d2.single_dose === true;
  if (single) {
    flow.slot2 = null;
    sec.append(
      h('p', { text: t('dose2.single') }),
      actions(
        backButton('time'),
        h('button', {
          type: 'button',
          class: 'btn btn-primary',
          text: t('next'),
          onclick: () => setStep('confirm'),
        }),
      ),
    );
    return sec;
  }
  if (d2.min_date) {
    const params = {
      min: fmtDate(d2.min_date),
      max: fmtDate(d2.max_date),
      rec: fmtDate(d2.recommended_date || d2.min_date),
    };
    sec.append(
      h('p', { class: 'lead', text: t(d2.max_date ? 'dose2.intro' : 'dose2.intro_open', params) }),
    );
  }
  const days = groupByDay(slots);
  const state = { day: null, slot: null };
  if (flow.slot2) {
    const d = days.find((x) => x.slots.some((s) => String(s.id) === String(flow.slot2.id)));
    if (d) {
      state.day = d.date;
      state.slot = d.slots.find((s) => String(s.id) === String(flow.slot2.id));
    }
  }
  if (!state.day && d2.recommended_slot) {
    const d = days.find((x) => x.slots.some((s) => String(s.id) === String(d2.recommended_slot)));
    const s = d && d.slots.find((x) => String(x.id) === String(d2.recommended_slot));
    if (s && bookable(s)) {
      state.day = d.date;
      state.slot = s;
    }
  }
  if (!state.day) {
    const rec =
      days.find((d) => d.date >= (d2.recommended_date || '') && d.slots.some(bookable)) ||
      days.find((d) => d.slots.some(bookable));
    if (rec) {
      state.day = rec.date;
      state.slot = rec.slots.find(bookable) || null;
    }
  }
  const errP = h('p', { class: 'field-error', role: 'alert', hidden: true });
  if (!days.some((d) => d.slots.some(bookable))) {
    sec.append(
      h('p', { class: 'alert alert-info', text: t('dose2.none') }),
      actions(backButton('time')),
    );
    return sec;
  }
  /* the first two weeks of the interval (and the chosen day); the rest on request */
  let shown = days;
  if (!flow.dose2All && days.length > DAYS_SHOWN) {
    shown = days.slice(0, DAYS_SHOWN);
    const cur = days.find((d) => d.date === state.day);
    if (cur && !shown.includes(cur)) shown.push(cur);
  }
  sec.append(
    slotPicker(shown, state, {
      recommended: d2.recommended_date,
      onPick: () => (errP.hidden = true),
    }),
    shown.length < days.length
      ? h(
          'div',
          { class: 'pager' },
          h('button', {
            type: 'button',
            class: 'btn btn-secondary',
            text: `${t('dose2.more')} →`,
            onclick: () => {
              flow.dose2All = true;
              if (state.slot) flow.slot2 = state.slot;
              render();
            },
          }),
        )
      : null,
    errP,
    actions(
      backButton('time'),
      h('button', {
        type: 'button',
        class: 'btn btn-primary',
        text: t('next'),
        onclick: () => {
          if (!state.slot) {
            errP.textContent = t('dose2.choose');
            errP.hidden = false;
            return;
          }
          flow.slot2 = state.slot;
          setStep('confirm');
        },
      }),
    ),
  );
  return sec;
}

function summaryList(flow) {
  const person = flowPerson(flow);
  const dl = h('dl', { class: 'facts summary' });
  if (personName(person))
    dl.append(h('dt', { text: t('confirm.person') }), h('dd', { text: personName(person) }));
  dl.append(
    h('dt', { text: t('confirm.site') }),
    h(
      'dd',
      null,
      h('span', { text: flow.site.name }),
      flow.site.address ? h('span', { class: 'block muted', text: flow.site.address }) : null,
    ),
  );
  dl.append(
    h('dt', { text: t('confirm.vaccine') }),
    h('dd', { text: vaccineName(flow.slot1.vaccine) }),
  );
  dl.append(
    h('dt', { text: t('confirm.dose1') }),
    h('dd', { class: 'when', text: fmtDateTime(flow.slot1.start) }),
  );
  if (flow.slot2)
    dl.append(
      h('dt', { text: t('confirm.dose2') }),
      h('dd', { class: 'when', text: fmtDateTime(flow.slot2.start) }),
    );
  return dl;
}

/* A refusal because the waiting-room token is missing, expired or not admitted yet. */
function isQueueProblem(e) {
  if (!(e instanceof ApiError) || e.status < 400 || e.status >= 500 || !e.problem) return false;
  const errors = Array.isArray(e.problem.errors) ? e.problem.errors : [];
  return errors.some((x) => /^x-queue-token$/i.test(x.field || ''));
}

async function submitBooking(flow) {
  const headers = { 'Idempotency-Key': flow.idemKey };
  if (S.queue && S.queue.token) headers['X-Queue-Token'] = S.queue.token;
  if (flow.rebook) {
    const body = { slot: flow.slot1.id };
    if (flow.slot2) body.slot2 = flow.slot2.id;
    if (flow.subject === 'agent') body.person = flow.pnr;
    return api('PATCH', `/api/v1/bookings/${encodeURIComponent(flow.rebook.id)}`, {
      body,
      headers,
    });
  }
  const body = { slot1: flow.slot1.id };
  if (flow.slot2) body.slot2 = flow.slot2.id;
  if (flow.subject === 'agent') body.person = flow.pnr;
  return api('POST', '/api/v1/bookings', { body, headers });
}

async function stepConfirm(flow) {
  const rebook = Boolean(flow.rebook);
  const btn = h('button', {
    type: 'button',
    class: 'btn btn-primary',
    text: t(rebook ? 'confirm.submit_rebook' : 'confirm.submit'),
  });
  const sec = h(
    'section',
    { class: 'card' },
    h('h1', { text: t(rebook ? 'confirm.title_rebook' : 'confirm.title') }),
    h('p', { text: t('confirm.intro') }),
    summaryList(flow),
    actions(backButton('dose2'), btn),
  );
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    btn.textContent = t('confirm.busy');
    try {
      if (!(await ensureQueue('#/boka'))) return;
      let res;
      try {
        res = await submitBooking(flow);
      } catch (e) {
        if (!isQueueProblem(e)) throw e;
        S.queue = null;
        saveQueue();
        if (!(await ensureQueue('#/boka'))) return;
        res = await submitBooking(flow);
      }
      flow.result = res;
      flow.step = 'done';
      S.sites.clear();
      render();
    } catch (e) {
      if (e instanceof ApiError && e.status !== 0 && e.status < 500) flow.idemKey = newKey();
      S.notice = { kind: 'error', err: e };
      render();
    }
  });
  return sec;
}

async function stepDone(flow) {
  const rebook = Boolean(flow.rebook);
  const res = flow.result || {};
  const bookings = list(res, 'bookings').map(normBooking);
  const sec = h(
    'section',
    { class: 'card' },
    h('h1', { class: 'success-title', text: t(rebook ? 'done.title_rebook' : 'done.title') }),
    summaryList(flow),
  );
  const ref = res.series || (bookings[0] && bookings[0].id);
  if (ref) sec.append(h('p', { class: 'muted', text: t('done.ref', { id: ref }) }));
  if (flow.subject === 'agent') {
    sec.append(
      h('p', { text: t('done.agent', { name: personName(flow.person) }) }),
      actions(
        h('button', {
          type: 'button',
          class: 'btn btn-primary',
          text: t('done.to_callcentre'),
          onclick: async () => {
            S.flow = null;
            if (S.cc) await refreshLookup().catch(() => {});
            go('#/samtal');
          },
        }),
      ),
    );
  } else {
    sec.append(
      h('p', { text: t('done.text') }),
      actions(
        h('a', {
          class: 'btn btn-primary',
          href: '#/mina-bokningar',
          text: t('done.to_bookings'),
          onclick: () => {
            S.flow = null;
          },
        }),
      ),
    );
  }
  return sec;
}

/* ------------------------------------------------------------ bookings */

/*
 * The active bookings as a list with Change time / Cancel. `agent`: acting for
 * the person on the call-centre screen. `after` runs after a cancel.
 */
async function bookingList(bookings, region, opts) {
  const agent = Boolean(opts.agent);
  if (!bookings.length)
    return h('p', { class: 'muted', text: t(agent ? 'bookings.none_agent' : 'bookings.none') });
  for (const b of bookings) {
    if (!b.siteName) {
      const s = await siteById(region, b.siteId);
      if (s) {
        b.siteName = s.name;
        b.siteAddress = s.address;
        b.site = s;
      }
    }
  }
  const first = bookings[0];
  const ul = h(
    'ul',
    { class: 'booking-list' },
    bookings.map((b) =>
      h(
        'li',
        { class: 'booking' },
        h('h3', { text: t('bookings.dose', { n: b.dose }) }),
        h('p', { class: 'when', text: fmtDateTime(b.start) }),
        h(
          'p',
          null,
          h('span', { text: b.siteName || '' }),
          b.siteAddress ? h('span', { class: 'block muted', text: b.siteAddress }) : null,
        ),
        h(
          'p',
          { class: 'muted small' },
          [
            vaccineName(b.vaccine),
            t('bookings.ref', { id: b.id }),
            b.channel === 'call_centre' ? t('bookings.by_agent') : null,
          ]
            .filter(Boolean)
            .join(' · '),
        ),
      ),
    ),
  );
  const dialog = cancelDialog(first, bookings, opts);
  return h(
    'div',
    null,
    ul,
    actions(
      h('button', {
        type: 'button',
        class: 'btn btn-secondary',
        text: t('bookings.rebook'),
        'aria-label': t('bookings.rebook_label', { n: first.dose, date: fmtDateTime(first.start) }),
        onclick: (ev) => startRebook(first, opts, ev.currentTarget),
      }),
      h('button', {
        type: 'button',
        class: 'btn btn-danger',
        text: t('bookings.cancel'),
        'aria-label': t('bookings.cancel_label', { date: fmtDateTime(first.start) }),
        onclick: () => dialog.showModal(),
      }),
    ),
    dialog,
  );
}

function cancelDialog(first, bookings, opts) {
  const titleId = uniqueId('dlg');
  const dates = bookings.map((b) => fmtDateTime(b.start)).join(', ');
  const yes = h('button', {
    type: 'button',
    class: 'btn btn-danger',
    text: t('bookings.cancel_yes'),
  });
  const no = h('button', {
    type: 'button',
    class: 'btn btn-secondary',
    text: t('bookings.cancel_no'),
    autofocus: true,
  });
  const dlg = h(
    'dialog',
    { 'aria-labelledby': titleId, class: 'dialog' },
    h('h2', { id: titleId, text: t('bookings.cancel_q') }),
    h('p', { text: t('bookings.cancel_text', { date: dates }) }),
    actions(no, yes),
  );
  no.addEventListener('click', () => dlg.close());
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      const body = opts.agent ? { person: S.cc.pnr } : undefined;
      await api('DELETE', `/api/v1/bookings/${encodeURIComponent(first.id)}`, { body });
      dlg.close();
      S.sites.clear();
      S.notice = { kind: 'ok', text: t('bookings.cancelled') };
      if (opts.after) await opts.after();
    } catch (e) {
      dlg.close();
      S.notice = { kind: 'error', err: e };
    }
    render();
  });
  return dlg;
}

async function startRebook(first, opts, btn) {
  btn.disabled = true;
  const extra = {
    step: 'site',
    rebook: { id: first.id },
    site: first.site || (first.siteId ? { id: first.siteId, name: first.siteName } : null),
  };
  if (opts.agent) S.flow = newFlow('agent', { pnr: S.cc.pnr, person: ccPerson(), ...extra });
  else S.flow = newFlow('self', extra);
  try {
    if (await ensureQueue('#/boka')) go('#/boka');
  } catch (e) {
    S.notice = { kind: 'error', err: e };
    render();
  }
}

async function viewBookings() {
  const mine = await api('GET', '/api/v1/me/bookings');
  const bookings = activeBookings(mine);
  const person = (S.me && S.me.person) || {};
  const sec = h('section', { class: 'card' }, h('h1', { text: t('bookings.title') }));
  sec.append(await bookingList(bookings, person.region, { agent: false }));
  if (!bookings.length) {
    sec.append(
      actions(
        h('a', {
          class: 'btn btn-primary',
          href: '#/boka',
          text: t('bookings.book_new'),
          onclick: () => {
            S.flow = null;
          },
        }),
      ),
    );
  }
  return sec;
}

/* ------------------------------------------------------------ call centre */

function ccPerson() {
  const d = (S.cc && S.cc.data) || {};
  return d.person || {};
}

async function refreshLookup() {
  S.cc.data = await api('POST', '/api/v1/callcentre/lookup', { body: { pnr: S.cc.pnr } });
}

async function viewCallCentre() {
  const sec = h(
    'section',
    null,
    h('h1', { text: t('cc.title') }),
    h('p', { class: 'lead', text: t('cc.intro') }),
  );
  const inputId = 'cc-pnr';
  const hintId = 'cc-pnr-hint';
  const input = h('input', {
    id: inputId,
    name: 'pnr',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: '13',
    required: true,
    'aria-describedby': hintId,
    value: (S.cc && S.cc.input) || '',
  });
  const form = h(
    'form',
    { class: 'card search', novalidate: true, role: 'search' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: inputId, text: t('cc.pnr') }),
      h('p', { class: 'hint', id: hintId, text: t('cc.pnr_hint') }),
      input,
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('cc.search') }),
    ),
  );
  const errArea = h('div');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const pnr = input.value.trim();
    const btn = form.querySelector('button');
    btn.disabled = true;
    try {
      const data = await api('POST', '/api/v1/callcentre/lookup', { body: { pnr } });
      S.cc = { pnr, input: pnr, data };
      render();
    } catch (e) {
      btn.disabled = false;
      S.cc = { input: pnr };
      const box = problemBox(e, { pnr: inputId, person: inputId });
      if (e instanceof ApiError && e.status === 404 && !(e.problem && e.problem.errors)) {
        e.problem = {
          ...(e.problem || {}),
          errors: [{ field: 'pnr', reason: (e.problem && e.problem.detail) || 'no such person' }],
        };
      }
      markFields(form, e, { pnr: inputId, person: inputId });
      errArea.replaceChildren(box);
      focus(box);
    }
  });
  sec.append(form, errArea);
  if (S.cc && S.cc.data) {
    const d = S.cc.data;
    const p = d.person || {};
    const elig = d.eligibility || null;
    noteServerDay(elig);
    const bookings = activeBookings(d);
    const card = h(
      'section',
      { class: 'card', 'aria-labelledby': 'cc-person-h' },
      h('h2', { id: 'cc-person-h', text: personName(p) || t('cc.person') }),
    );
    const dl = h('dl', { class: 'facts' });
    if (p.age !== undefined)
      dl.append(h('dt', { text: t('cc.age') }), h('dd', { text: t('age', { n: p.age }) }));
    if (p.kommun || p.kommun_name)
      dl.append(
        h('dt', { text: t('cc.municipality') }),
        h('dd', { text: p.kommun_name || p.kommun }),
      );
    card.append(dl);
    if (elig) card.append(h('h3', { text: t('cc.eligibility') }), eligBox(elig, true));
    card.append(h('h3', { text: t('bookings.title_agent') }));
    card.append(
      await bookingList(bookings, p.region || (S.me && S.me.region), {
        agent: true,
        after: refreshLookup,
      }),
    );
    if (!bookings.length && canBook(elig)) {
      card.append(
        actions(
          h('button', {
            type: 'button',
            class: 'btn btn-primary',
            text: t('cc.book_for', { name: personName(p) }),
            onclick: async (ev) => {
              ev.currentTarget.disabled = true;
              S.flow = newFlow('agent', {
                step: 'site',
                pnr: S.cc.pnr,
                person: p,
                elig,
                today: elig && elig.date,
              });
              try {
                if (await ensureQueue('#/boka')) go('#/boka');
              } catch (e) {
                S.notice = { kind: 'error', err: e };
                render();
              }
            },
          }),
        ),
      );
    }
    sec.append(card);
  }
  return sec;
}

/* ------------------------------------------------------------ other staff */

/* The staff pages of each role (table, not branches): href and dictionary key. */
const STAFF_PAGES = [
  { href: '/vaccinator.html', key: 'staff.page.vaccinator', roles: ['vaccinator'] },
  { href: '/site.html', key: 'staff.page.site', roles: ['site_coordinator', 'regional_coordinator'] },
  { href: '/nurse.html', key: 'staff.page.nurse', roles: ['municipal_nurse'] },
  {
    href: '/municipality.html',
    key: 'staff.page.municipality',
    roles: ['municipal_coordinator', 'regional_coordinator'],
  },
  {
    href: '/council.html',
    key: 'staff.page.council',
    roles: ['municipal_coordinator', 'regional_coordinator'],
  },
  { href: '/plan.html', key: 'staff.page.plan', roles: ['regional_coordinator', 'national'] },
  { href: '/report.html', key: 'staff.page.report', roles: ['regional_coordinator', 'national'] },
  { href: '/dashboard.html', key: 'staff.page.dashboard', roles: null /* everyone */ },
];

async function viewStaff() {
  const r = role();
  const pages = STAFF_PAGES.filter((p) => !p.roles || p.roles.includes(r));
  return h(
    'section',
    { class: 'card' },
    h('h1', { text: t('staff.title') }),
    h('p', { text: t('staff.text', { role: (S.me && (S.me.role_name || S.me.role)) || '' }) }),
    h('h2', { text: t('staff.pages') }),
    h(
      'ul',
      { class: 'staff-pages' },
      ...pages.map((p) => h('li', null, h('a', { href: p.href, text: t(p.key) }))),
    ),
    h('p', null, h('a', { href: '/api/openapi.json', text: t('footer.api') })),
  );
}

/* ------------------------------------------------------------ start */

function start() {
  setLang(lang());
  applyStatic(document);
  document.getElementById('lang').addEventListener('click', async () => {
    setLang(lang() === 'sv' ? 'en' : 'sv');
    if (S.me) await loadMe().catch(() => {}); /* role names come localised from the server */
    await render();
    focus(document.getElementById('lang'));
  });
  document.getElementById('logout').addEventListener('click', logout);
  document.getElementById('skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    focus(document.querySelector('#main h1') || document.getElementById('main'));
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === '' || location.hash.startsWith('#/')) render();
  });
  render();
}

start();

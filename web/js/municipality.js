/*
 * municipality.js — the municipal coordinator's page (municipality.html), and the
 * small shell the municipal nurse's page (nurse.js) shares with it.
 *
 * The shell (exported): the header (who, sign out, language), a demo sign-in for one
 * role (POST /api/v1/session {role, kommun, user}), problem+json shown as an alert
 * with one line per field at fault, and a table helper. Pages call startPage(role,
 * render); render() runs after sign-in and after every language switch.
 *
 * The coordinator's page: upload a resident list (CSV file, legal basis, reference,
 * valid-until) to POST /api/v1/municipalities/{code}/lists/csv and show the
 * differences the server found; the list versions (metadata only); the rounds; the
 * municipal view of coverage (aggregates from GET …/coverage) and the access log
 * (who read the municipality's residents). Every list shown comes from the server
 * after each change, so what is shown is what is stored. No inline script or style
 * (CSP); texts from DICT (i18n.js + i18n-muni.js).
 */
import { t, lang, setLang, applyStatic } from './i18n.js';
import './i18n-muni.js';
import { api, ApiError } from './api.js';
import { h, fmtDate, fmtDateTime, addDays, fieldName } from './ui.js';

/* ------------------------------------------------------------ shared shell */

export const M = { me: null };

export function kommun() {
  return M.me ? M.me.kommun : '';
}

export function base() {
  return `/api/v1/municipalities/${encodeURIComponent(kommun())}`;
}

/* An error as an alert: title, message (sv/en when the server gave both), fields. */
export function problemBox(err) {
  const box = h('div', { class: 'alert alert-error', role: 'alert', tabindex: '-1' });
  if (!(err instanceof ApiError) || err.status === 0) {
    box.append(
      h('h2', { text: t('err.title') }),
      h('p', { text: err instanceof ApiError ? t('err.network') : String(err && err.message) }),
    );
    return box;
  }
  const p = err.problem || {};
  box.append(h('h2', { text: p.title || t('err.title') }));
  const msg = p.message && p.message[lang()] ? p.message[lang()] : p.detail;
  if (msg) box.append(h('p', { text: msg }));
  if (p.transport && Array.isArray(p.transport.rules)) box.append(rulesList(p.transport));
  const errors = Array.isArray(p.errors) ? p.errors : [];
  if (errors.length)
    box.append(
      h(
        'ul',
        { class: 'problems' },
        errors.map((e) => h('li', { text: `${fieldName(e.field)}: ${e.reason}` })),
      ),
    );
  box.append(h('p', { class: 'muted small', text: t('err.code', { status: err.status }) }));
  return box;
}

/* The transport rules of a verdict as a list (refused ones first). */
export function rulesList(v) {
  const rules = [...v.rules].sort((a, b) => Number(a.ok) - Number(b.ok));
  return h(
    'ul',
    { class: 'transport-rules' },
    rules.map((r) =>
      h('li', { class: r.ok ? '' : 'field-error', text: lang() === 'en' ? r.text_en : r.text_sv }),
    ),
  );
}

/* A table with a caption: heads = [text], rows = [[cell]] (cells: text or nodes). */
export function table(caption, heads, rows, numeric = []) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'care-table' },
      h('caption', { class: 'visually-hidden', text: caption }),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          heads.map((x, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null, text: x })),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            null,
            r.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, c)),
          ),
        ),
      ),
    ),
  );
}

export function typeName(code) {
  return t(`muni.type.${code}`);
}

function signIn(role, app, render) {
  const err = h('div');
  const region = role === 'regional_coordinator';
  const kId = region ? 'signin-region' : 'signin-kommun';
  const uId = 'signin-user';
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'signin-h', novalidate: true },
    h('h2', { id: 'signin-h', text: t('muni.signin.title') }),
    h('p', { text: t(region ? 'muni.region.signin_text' : 'muni.signin.text') }),
    h(
      'div',
      { class: 'field' },
      h('label', { for: kId, text: t(region ? 'muni.region.signin_region' : 'muni.signin.kommun') }),
      h('p', { class: 'hint', id: `${kId}-hint`, text: t(region ? 'muni.region.signin_region_hint' : 'muni.signin.kommun_hint') }),
      h('input', {
        id: kId,
        name: 'scope',
        value: region ? '01' : '0180',
        inputmode: 'numeric',
        maxlength: region ? 2 : 4,
        autocomplete: 'off',
        'aria-describedby': `${kId}-hint`,
      }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: uId, text: t('muni.signin.user') }),
      h('input', {
        id: uId,
        name: 'user',
        value: { municipal_nurse: 'ssk1', regional_coordinator: 'region1' }[role] || 'samordnare1',
        autocomplete: 'username',
      }),
    ),
    err,
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: t('muni.signin.button') })),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    try {
      await api('POST', '/api/v1/session', {
        body: region
          ? { role, region: form.scope.value.trim(), user: form.user.value.trim() }
          : { role, kommun: form.scope.value.trim(), user: form.user.value.trim() },
      });
      await loadMe();
      header();
      await render(app);
    } catch (e) {
      err.replaceChildren(problemBox(e));
    }
  });
  app.replaceChildren(form);
}

async function loadMe() {
  try {
    M.me = await api('GET', '/api/v1/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) M.me = null;
    else throw e;
  }
}

function header() {
  applyStatic(document);
  const body = document.body;
  if (body.dataset.title) document.title = t(body.dataset.title);
  const who = document.getElementById('who');
  const out = document.getElementById('logout');
  if (M.me && (M.me.kommun || M.me.region)) {
    who.textContent = t('muni.who', {
      user: M.me.user || M.me.display_name || '',
      role: M.me.role_name || M.me.role,
      kommun: M.me.kommun || M.me.region,
    });
    out.hidden = false;
  } else {
    who.textContent = '';
    out.hidden = true;
  }
}

/* Start a page for `role`: header, sign-in when needed, then render(app). */
export async function startPage(role, render) {
  const app = document.getElementById('app');
  const go = async () => {
    header();
    if (!M.me) return signIn(role, app, go);
    if (M.me.role !== role) {
      app.replaceChildren(
        h('p', { class: 'alert alert-info', text: t('muni.signin.wrong_role', { role: t(`muni.role.${role}`) }) }),
      );
      return undefined;
    }
    return render(app);
  };
  document.getElementById('lang').addEventListener('click', () => {
    setLang(lang() === 'sv' ? 'en' : 'sv');
    go();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api('DELETE', '/api/v1/session');
    } catch {
      /* signed out anyway */
    }
    M.me = null;
    go();
  });
  try {
    await loadMe();
  } catch (e) {
    app.replaceChildren(problemBox(e));
    return;
  }
  await go();
}

/* ------------------------------------------------------------ coordinator page */

const P = { lastUpload: null, today: '' };

function changesTable(changes) {
  if (!changes.length) return h('p', { class: 'muted', text: t('muni.changes.none') });
  return table(
    t('muni.changes.title'),
    [t('muni.changes.kind'), t('muni.changes.person'), t('muni.changes.from'), t('muni.changes.to')],
    changes.map((c) => [
      t(`muni.change.${c.kind}`),
      `${c.name} (${c.personnummer})`,
      c.old_unit ? `${c.old_unit} · ${typeName(c.old_type)}` : '–',
      c.new_unit ? `${c.new_unit} · ${typeName(c.new_type)}` : '–',
    ]),
  );
}

function uploadCard(onDone) {
  const msg = h('div', { id: 'upload-msg' });
  const ids = { file: 'up-file', basis: 'up-basis', note: 'up-note', until: 'up-until' };
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'upload-h', novalidate: true },
    h('h2', { id: 'upload-h', text: t('muni.upload.title') }),
    h('p', { text: t('muni.upload.text') }),
    h(
      'div',
      { class: 'field' },
      h('label', { for: ids.file, text: t('muni.upload.file') }),
      h('p', { class: 'hint', id: `${ids.file}-hint`, text: t('muni.upload.file_hint') }),
      h('input', { id: ids.file, name: 'file', type: 'file', accept: '.csv,text/csv', 'aria-describedby': `${ids.file}-hint` }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: ids.basis, text: t('muni.upload.basis') }),
      h(
        'select',
        { id: ids.basis, name: 'basis' },
        ['pdl_coherent_records', 'consent'].map((b) => h('option', { value: b, text: t(`muni.basis.${b}`) })),
      ),
    ),
    h(
      'div',
      { class: 'form-grid' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: ids.note, text: t('muni.upload.note') }),
        h('input', { id: ids.note, name: 'note', maxlength: 128 }),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: ids.until, text: t('muni.upload.until') }),
        h('p', { class: 'hint', id: `${ids.until}-hint`, text: t('muni.upload.until_hint') }),
        h('input', {
          id: ids.until,
          name: 'until',
          type: 'date',
          value: P.today ? addDays(P.today, 90) : '',
          'aria-describedby': `${ids.until}-hint`,
        }),
      ),
    ),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', text: t('muni.upload.button') })),
    msg,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const file = form.file.files[0];
    if (!file) {
      msg.replaceChildren(h('p', { class: 'alert alert-error', role: 'alert', text: t('muni.upload.no_file') }));
      return;
    }
    const q = new URLSearchParams({ legal_basis: form.basis.value, valid_until: form.until.value });
    if (form.note.value.trim()) q.set('basis_note', form.note.value.trim());
    let res;
    try {
      res = await fetch(`${base()}/lists/csv?${q}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'text/csv',
          Accept: 'application/json, application/problem+json',
          'Accept-Language': lang(),
          'X-Requested-With': 'vaxchain',
        },
        body: await file.text(),
      });
    } catch {
      msg.replaceChildren(problemBox(new ApiError(0, null)));
      return;
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const box = problemBox(new ApiError(res.status, data));
      msg.replaceChildren(box);
      box.focus();
      return;
    }
    P.lastUpload = data;
    form.reset();
    await onDone();
  });
  return form;
}

function resultCard() {
  const u = P.lastUpload;
  if (!u) return null;
  return h(
    'section',
    { class: 'card', id: 'upload-result', 'aria-labelledby': 'result-h' },
    h('h2', { id: 'result-h', text: t('muni.changes.title') }),
    h('p', { class: 'alert alert-ok', role: 'status', text: t('muni.upload.done', { version: u.list.version, rows: u.list.rows }) }),
    h(
      'p',
      { class: 'counts' },
      Object.entries(u.list.changes)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => h('span', null, h('strong', { text: String(n) }), ` ${t(`muni.change.${k}`)} `)),
    ),
    changesTable(u.changes),
  );
}

function listsCard(lists) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'lists-h' },
    h('h2', { id: 'lists-h', text: t('muni.lists.title') }),
    lists.length
      ? table(
          t('muni.lists.title'),
          [
            t('muni.lists.version'),
            t('muni.lists.uploaded'),
            t('muni.lists.by'),
            t('muni.upload.basis'),
            t('muni.lists.until'),
            t('muni.lists.rows'),
            t('muni.lists.changes'),
          ],
          lists.map((l, i) => [
            `${l.version}${l.purged_at ? ` (${t('muni.lists.purged')})` : i === 0 ? ` (${t('muni.lists.current')})` : ''}`,
            fmtDateTime(l.uploaded_at),
            l.uploaded_by,
            t(`muni.basis.${l.legal_basis}`),
            fmtDate(l.valid_until),
            String(l.rows),
            Object.entries(l.changes)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${n} ${t(`muni.change.${k}`).toLowerCase()}`)
              .join(', ') || '–',
          ]),
          [5],
        )
      : h('p', { class: 'muted', text: t('muni.lists.none') }),
  );
}

function pct(n, d) {
  return d ? `${n} (${Math.round((100 * n) / d)} %)` : String(n);
}

function coverageCard(c) {
  const rows = c.by_type
    .filter((x) => x.residents > 0)
    .map((x) => [typeName(x.list_type), String(x.residents), pct(x.dose1, x.residents), pct(x.complete, x.residents)]);
  rows.push([t('muni.cov.total'), String(c.residents), pct(c.dose1, c.residents), pct(c.complete, c.residents)]);
  return h(
    'section',
    { class: 'card', id: 'coverage', 'aria-labelledby': 'cov-h' },
    h('h2', { id: 'cov-h', text: t('muni.cov.title') }),
    h('p', { class: 'muted', text: t('muni.cov.text') }),
    table(t('muni.cov.title'), [t('muni.cov.type'), t('muni.cov.residents'), t('muni.cov.dose1'), t('muni.cov.complete')], rows, [1, 2, 3]),
    h('p', { text: t('muni.cov.nurse', { n: c.nurse_doses }) }),
  );
}

export function roundsTable(rounds, open) {
  if (!rounds.length) return h('p', { class: 'muted', text: t('muni.rounds.none') });
  return table(
    t('muni.rounds.title'),
    [t('muni.rounds.date'), t('muni.rounds.unit'), t('muni.rounds.vaccine'), t('muni.rounds.status'), t('muni.rounds.left'), ''],
    rounds.map((r) => [
      fmtDate(r.date),
      `${r.unit_name || r.unit_code} (${r.unit_code})`,
      r.vaccine_name,
      t(`muni.status.${r.status}`),
      `${r.left} / ${r.residents}`,
      open
        ? h('button', {
            type: 'button',
            class: 'btn btn-secondary',
            text: t('muni.rounds.open'),
            'aria-label': `${t('muni.rounds.open')}: ${r.unit_name || r.unit_code} ${fmtDate(r.date)}`,
            onclick: () => open(r.id),
          })
        : '',
    ]),
    [4],
  );
}

function logCard(rows) {
  return h(
    'section',
    { class: 'card', id: 'access-log', 'aria-labelledby': 'log-h' },
    h('h2', { id: 'log-h', text: t('muni.log.title') }),
    h('p', { class: 'muted', text: t('muni.log.text') }),
    table(
      t('muni.log.title'),
      [t('muni.log.at'), t('muni.log.actor'), t('muni.log.role'), t('muni.log.action'), t('muni.log.object')],
      rows.map((a) => [fmtDateTime(a.at), a.actor, a.role, a.action, a.object]),
    ),
  );
}

async function renderCoordinator(app) {
  let lists;
  let cov;
  let rounds;
  let log;
  try {
    [lists, cov, rounds, log] = await Promise.all([
      api('GET', `${base()}/lists`),
      api('GET', `${base()}/coverage`),
      api('GET', `${base()}/rounds`),
      api('GET', `${base()}/access-log`, { query: { limit: 20 } }),
    ]);
  } catch (e) {
    app.replaceChildren(problemBox(e));
    return;
  }
  P.today = cov.date;
  app.replaceChildren(
    ...[
    uploadCard(() => renderCoordinator(app)),
    resultCard(),
    listsCard(lists),
    coverageCard(cov),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'rounds-h' },
      h('h2', { id: 'rounds-h', text: t('muni.rounds.title') }),
      roundsTable(rounds, null),
    ),
    logCard(log),
    ].filter(Boolean),
  );
  const res = document.getElementById('upload-result');
  if (res) res.scrollIntoView();
}

/* ------------------------------------------------------------ region page */

/*
 * region-rounds.html: the regional coordinator sees the rounds of its region's
 * municipalities (GET /api/v1/regions/{region}/municipal-rounds); a planned round is
 * approved or refused with a reason (POST …/decision); an approved round gets its
 * vaccine handed out from one site's stock (GET …/rounds/{id}/stock lists the lots of
 * the round's vaccine on hand at the region's sites; POST …/handover moves the doses
 * out of that site's stock and answers with what is left there).
 */
const R = { note: '' };

function roundBase(r) {
  return `/api/v1/municipalities/${encodeURIComponent(r.kommun)}/rounds/${r.id}`;
}

function roundTitle(r) {
  return `${r.kommun} ${r.unit_name || r.unit_code} ${fmtDate(r.date)}`;
}

function decideForm(r, out, reload) {
  const id = `reason-${r.id}`;
  const form = h(
    'form',
    { class: 'round-decision', 'aria-label': `${t('muni.region.decide')}: ${roundTitle(r)}`, novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: id, text: t('muni.region.reason') }),
      h('input', { id, name: 'note', type: 'text', maxlength: 128, autocomplete: 'off' }),
    ),
  );
  const send = async (approve) => {
    out.replaceChildren();
    try {
      await api('POST', `${roundBase(r)}/decision`, { body: { approve, note: form.note.value.trim() } });
      R.note = t(approve ? 'muni.region.approved' : 'muni.region.refused', { round: roundTitle(r) });
      await reload();
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  };
  form.append(
    h(
      'p',
      { class: 'actions' },
      h('button', {
        type: 'button',
        class: 'btn btn-primary',
        text: t('muni.region.approve'),
        'aria-label': `${t('muni.region.approve')}: ${roundTitle(r)}`,
        onclick: () => send(true),
      }),
      h('button', {
        type: 'button',
        class: 'btn btn-secondary',
        text: t('muni.region.refuse'),
        'aria-label': `${t('muni.region.refuse')}: ${roundTitle(r)}`,
        onclick: () => {
          if (!form.note.value.trim()) {
            out.replaceChildren(h('p', { class: 'alert alert-error', role: 'alert', text: t('muni.region.reason_needed') }));
            form.note.focus();
            return;
          }
          send(false);
        },
      }),
    ),
  );
  form.addEventListener('submit', (ev) => ev.preventDefault());
  return form;
}

async function handoutForm(r, out, reload) {
  let stock;
  try {
    stock = await api('GET', `${roundBase(r)}/stock`);
  } catch (e) {
    return problemBox(e);
  }
  if (!stock.length) return h('p', { class: 'alert alert-info', text: t('muni.region.no_stock', { vaccine: r.vaccine_name }) });
  const sId = `source-${r.id}`;
  const dId = `doses-${r.id}`;
  const vId = `vials-${r.id}`;
  const form = h(
    'form',
    { class: 'round-handout', 'aria-label': `${t('muni.region.handout')}: ${roundTitle(r)}`, novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: sId, text: t('muni.region.source') }),
      h(
        'select',
        { id: sId, name: 'source' },
        stock.map((s, i) =>
          h('option', {
            value: String(i),
            text: t('muni.region.source_option', { site: s.site, lot: s.lot_number, doses: s.doses, expiry: fmtDate(s.expiry) }),
          }),
        ),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: dId, text: t('muni.region.doses') }),
      h('input', { id: dId, name: 'doses', type: 'number', min: 1, max: 10000, value: String(r.doses_ordered) }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: vId, text: t('muni.region.vials') }),
      h('input', { id: vId, name: 'vials', type: 'number', min: 1, max: 10000, value: String(r.vials_ordered) }),
    ),
    h(
      'p',
      { class: 'actions' },
      h('button', {
        type: 'submit',
        class: 'btn btn-primary',
        text: t('muni.region.handout'),
        'aria-label': `${t('muni.region.handout')}: ${roundTitle(r)}`,
      }),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    out.replaceChildren();
    const s = stock[Number(form.source.value)];
    try {
      const res = await api('POST', `${roundBase(r)}/handover`, {
        body: {
          site: s.site,
          lot_number: s.lot_number,
          doses: Number(form.doses.value),
          vials: Number(form.vials.value),
        },
      });
      R.note = t('muni.region.handed', {
        round: roundTitle(r),
        doses: res.doses_handed,
        lot: res.lot_number,
        site: res.handover.site,
        left: res.handover.stock_left,
      });
      await reload();
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  });
  return form;
}

async function roundCard(r, reload) {
  const out = h('div', { class: 'round-out' });
  const hId = `round-${r.id}-h`;
  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', { text: t('muni.rounds.vaccine') }),
    h('dd', { text: `${r.vaccine_name} (${t(`muni.form.${r.form}`)})` }),
    h('dt', { text: t('muni.region.ordered') }),
    h('dd', { text: t('muni.region.ordered_value', { doses: r.doses_ordered, vials: r.vials_ordered }) }),
    h('dt', { text: t('muni.region.residents') }),
    h('dd', { text: String(r.residents) }),
    h('dt', { text: t('muni.region.planned_by') }),
    h('dd', { text: r.planned_by }),
  );
  if (r.decision_note) facts.append(h('dt', { text: t('muni.region.reason') }), h('dd', { text: r.decision_note }));
  const body =
    r.status === 'planned' ? decideForm(r, out, reload) : await handoutForm(r, out, reload);
  return h(
    'article',
    { class: 'card round-card', 'aria-labelledby': hId, 'data-round': String(r.id) },
    h('h3', { id: hId, text: roundTitle(r) }),
    h('p', { class: 'muted', text: t(`muni.status.${r.status}`) }),
    facts,
    body,
    out,
  );
}

async function renderRegion(app) {
  let rounds;
  try {
    rounds = await api('GET', `/api/v1/regions/${encodeURIComponent(M.me.region)}/municipal-rounds`);
  } catch (e) {
    app.replaceChildren(problemBox(e));
    return;
  }
  const reload = () => renderRegion(app);
  const waiting = rounds.filter((r) => r.status === 'planned' || r.status === 'approved');
  const others = rounds.filter((r) => r.status !== 'planned' && r.status !== 'approved');
  const cards = [];
  for (const r of waiting) cards.push(await roundCard(r, reload));
  const note = R.note ? h('p', { class: 'alert alert-ok', role: 'status', id: 'region-note', tabindex: '-1', text: R.note }) : null;
  R.note = '';
  app.replaceChildren(
    ...[
      note,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'waiting-h' },
        h('h2', { id: 'waiting-h', text: t('muni.region.waiting', { n: waiting.length }) }),
        h('p', { class: 'muted', text: t('muni.region.waiting_text') }),
        waiting.length ? h('div', { class: 'round-cards' }, cards) : h('p', { class: 'muted', text: t('muni.region.none_waiting') }),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'rounds-h' },
        h('h2', { id: 'rounds-h', text: t('muni.region.others') }),
        others.length
          ? table(
              t('muni.region.others'),
              [t('muni.region.kommun'), t('muni.rounds.date'), t('muni.rounds.unit'), t('muni.rounds.vaccine'), t('muni.rounds.status'), t('muni.region.handed_col')],
              others.map((r) => [
                r.kommun,
                fmtDate(r.date),
                `${r.unit_name || r.unit_code} (${r.unit_code})`,
                r.vaccine_name,
                t(`muni.status.${r.status}`),
                r.lot_number ? `${r.doses_handed} × ${r.lot_number}` : r.decision_note || '',
              ]),
            )
          : h('p', { class: 'muted', text: t('muni.rounds.none') }),
      ),
    ].filter(Boolean),
  );
}

if (document.body.dataset.page === 'municipality') startPage('municipal_coordinator', renderCoordinator);
if (document.body.dataset.page === 'region-rounds') startPage('regional_coordinator', renderRegion);

/*
 * council.js — the region–municipality council page (council.html) for regional and
 * municipal coordinators: compensation agreements and statements (with PDF/XLSX/CSV
 * downloads), doses without an agreement in force, premises offered, the staff and
 * volunteer pool, sick-travel requests and the council's action/decision log.
 *
 * Every section reads the ledger API (docs/api-ledger.md) with the session's scope:
 * a regional coordinator sees the whole region (and may pick a municipality), a
 * municipal coordinator only their own municipality. The server decides what is
 * visible; the page only draws it. After each form the affected section is read
 * again, so what is shown is what the server stored. Texts: i18n-ledger.js (sv/en).
 * No inline script or style (the server's CSP forbids them); text is always set as
 * text (ui.js h()).
 */
import { t, lang, setLang, applyStatic } from './i18n.js';
import './i18n-ledger.js';
import { api } from './api.js';
import { h, focus } from './ui.js';

const S = { me: null, from: '2020-12-27', to: '', kommun: '', msg: null };
const app = () => document.getElementById('app');

function kr(ore) {
  return (ore / 100).toLocaleString(lang() === 'en' ? 'en-GB' : 'sv-SE', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}

function errText(e) {
  const d = e && e.data;
  const f = d && d.errors && d.errors[0];
  return f ? `${f.field}: ${f.reason}` : (d && d.detail) || String(e.status || e);
}

function table(caption, cols, rows) {
  if (!rows.length) return h('p', { class: 'muted', text: t('council.empty') });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'care-table data' },
      h('caption', { class: 'visually-hidden', text: caption }),
      h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col', text: c })))),
      h(
        'tbody',
        null,
        rows.map((r) => h('tr', null, r.map((c, i) => h('td', { 'data-label': cols[i] }, c)))),
      ),
    ),
  );
}

function field(id, label, attrs) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id, text: label }),
    h('input', { id, name: id, type: 'text', ...attrs }),
  );
}

function selectField(id, label, options, value) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id, text: label }),
    h(
      'select',
      { id, name: id },
      options.map(([v, text]) => h('option', { value: v, selected: v === value, text })),
    ),
  );
}

function section(id, title, ...body) {
  return h('section', { class: 'card', 'aria-labelledby': `${id}-h`, id }, h('h2', { id: `${id}-h`, text: title }), ...body);
}

function status(msg) {
  return h('p', { class: `alert ${msg.kind === 'error' ? 'alert-error' : 'alert-ok'}`, role: 'status', text: msg.text });
}

async function post(method, path, body, after) {
  try {
    await api(method, path, { body });
    S.msg = { kind: 'ok', text: t('council.saved') };
  } catch (e) {
    S.msg = { kind: 'error', text: t('council.error', { detail: errText(e) }) };
  }
  await render(after);
}

function scopeQuery() {
  return { from: S.from, to: S.to, kommun: S.kommun };
}

async function compSection() {
  const q = scopeQuery();
  const [agr, st] = await Promise.all([
    api('GET', '/api/v1/compensation/agreements'),
    api('GET', '/api/v1/compensation/statements', { query: q }),
  ]);
  const periods = (a) =>
    a.periods.map((p) => [
      `${p.from} – ${p.to || '…'}`,
      `${kr(p.ore_per_dose)} kr${p.assumed ? ` (${t('council.assumed')})` : ''}`,
    ]);
  const agreements = agr.agreements.map((a) =>
    h(
      'div',
      null,
      h('h3', { text: `${t('council.agreement')} ${a.id}` }),
      h('p', { text: a.name }),
      table(a.id, [t('council.period'), t('council.per_dose')], periods(a)),
    ),
  );
  const region = S.me.role === 'regional_coordinator';
  const kommuner = [...new Set(st.lines.map((l) => `${l.kommun}|${l.kommun_name}`))];
  const form = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: (ev) => {
        ev.preventDefault();
        S.from = ev.target.elements.from.value;
        S.to = ev.target.elements.to.value;
        if (region) S.kommun = ev.target.elements.kommun.value;
        render('comp');
      },
    },
    field('from', t('council.from'), { type: 'date', value: S.from, required: true }),
    field('to', t('council.to'), { type: 'date', value: S.to, required: true }),
    region
      ? selectField(
          'kommun',
          t('council.kommun'),
          [['', t('council.all')], ...kommuner.map((k) => k.split('|'))].map(([c, n]) => [
            c,
            n ? `${c} ${n}` : n === undefined ? c : n,
          ]),
          S.kommun,
        )
      : null,
    h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.show') }),
  );
  const rows = st.lines.map((l) => [
    `${l.kommun} ${l.kommun_name}`,
    `${l.from} – ${l.to}`,
    l.covered ? l.agreement : t('council.no_agreement'),
    String(l.doses),
    l.covered ? `${kr(l.ore_per_dose)}${l.assumed ? '*' : ''}` : '–',
    l.covered ? kr(l.amount_ore) : '–',
  ]);
  const qs = new URLSearchParams(
    Object.entries({ ...q, lang: lang() }).filter(([, v]) => v),
  ).toString();
  return section(
    'comp',
    t('council.s.comp'),
    h('h3', { text: t('council.state') }),
    table(
      t('council.state'),
      [t('council.period'), t('council.per_dose')],
      agr.state.map((p) => [`${p.from} – ${p.to || '…'}`, `${kr(p.ore_per_dose)} kr`]),
    ),
    agreements,
    form,
    table(
      t('council.s.comp'),
      [
        t('council.kommun'),
        t('council.period'),
        t('council.agreement'),
        t('council.doses'),
        `${t('council.per_dose')} (kr)`,
        `${t('council.amount')} (kr)`,
      ],
      rows,
    ),
    h(
      'table',
      { class: 'care-table totals' },
      h('caption', { class: 'visually-hidden', text: t('council.total') }),
      h(
        'tbody',
        null,
        [
          [t('council.subtotal'), st.subtotal_ore, false],
          [t('council.adjustments'), st.adjust_ore, false],
          [t('council.total'), st.total_ore, true],
        ].map(([label, ore, total]) =>
          h(
            'tr',
            null,
            h(total ? 'th' : 'td', { scope: 'row', text: label }),
            h('td', { class: total ? 'total' : null }, h(total ? 'strong' : 'span', { text: `${kr(ore)} kr` })),
          ),
        ),
      ),
    ),
    h('p', { class: 'muted', text: `* ${t('council.assumed')}` }),
    h('h3', { text: t('council.download') }),
    h(
      'ul',
      { class: 'downloads' },
      ['pdf', 'xlsx', 'csv'].map((f) =>
        h(
          'li',
          null,
          h('a', { href: `/api/v1/compensation/statements.${f}?${qs}`, download: '', text: t(`council.dl.${f}`) }),
        ),
      ),
    ),
  );
}

async function uncoveredSection() {
  const u = await api('GET', '/api/v1/compensation/uncovered', { query: scopeQuery() });
  return section(
    'uncovered',
    t('council.s.uncovered'),
    h('p', { text: t('council.uncovered.lead') }),
    u.items.length
      ? table(
          t('council.s.uncovered'),
          [t('council.kommun'), t('council.period'), t('council.doses')],
          u.items.map((i) => [`${i.kommun} ${i.kommun_name}`, `${i.from} – ${i.to}`, String(i.doses)]),
        )
      : h('p', { text: t('council.uncovered.none') }),
  );
}

async function premisesSection() {
  const p = await api('GET', '/api/v1/premises');
  const muni = S.me.role === 'municipal_coordinator';
  const rows = p.items.map((x) => [
    `${x.code} ${x.name}`,
    x.address,
    String(x.capacity_per_day),
    x.accessible ? t('council.yes') : t('council.no'),
    `${x.available_from} – ${x.available_to}`,
    t(`council.st.${x.status}`),
  ]);
  const form = muni
    ? h(
        'form',
        {
          class: 'stack-form',
          'aria-labelledby': 'offer-h',
          onsubmit: (ev) => {
            ev.preventDefault();
            const e = ev.target.elements;
            post(
              'POST',
              '/api/v1/premises',
              {
                code: e.p_code.value,
                name: e.p_name.value,
                address: e.p_address.value,
                capacity_per_day: Number(e.p_capacity.value),
                accessible: e.p_accessible.checked,
                available_from: e.p_from.value,
                available_to: e.p_to.value,
              },
              'premises',
            );
          },
        },
        h('h3', { id: 'offer-h', text: t('council.offer.title') }),
        field('p_code', t('council.code'), { required: true, maxlength: 31 }),
        field('p_name', t('council.name'), { required: true, maxlength: 127 }),
        field('p_address', t('council.address'), { maxlength: 127 }),
        field('p_capacity', t('council.capacity'), { type: 'number', min: 0, required: true }),
        h(
          'div',
          { class: 'field' },
          h('label', null, h('input', { type: 'checkbox', id: 'p_accessible' }), ' ', t('council.accessible')),
        ),
        field('p_from', t('council.from'), { type: 'date', required: true }),
        field('p_to', t('council.to'), { type: 'date', required: true }),
        h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.offer') }),
      )
    : null;
  return section(
    'premises',
    t('council.s.premises'),
    table(
      t('council.s.premises'),
      [
        t('council.name'),
        t('council.address'),
        t('council.capacity'),
        t('council.accessible'),
        t('council.available'),
        t('council.status'),
      ],
      rows,
    ),
    form,
  );
}

async function staffSection() {
  const p = await api('GET', '/api/v1/staff-pool');
  const rows = p.items.map((x) => [
    x.name,
    t(`council.comp.${x.competence}`),
    x.volunteer ? t('council.yes') : t('council.no'),
    `${x.available_from} – ${x.available_to}`,
  ]);
  const form = h(
    'form',
    {
      class: 'stack-form',
      'aria-labelledby': 'staff-add-h',
      onsubmit: (ev) => {
        ev.preventDefault();
        const e = ev.target.elements;
        post(
          'POST',
          '/api/v1/staff-pool',
          {
            name: e.s_name.value,
            competence: e.s_comp.value,
            volunteer: e.s_vol.checked,
            available_from: e.s_from.value,
            available_to: e.s_to.value,
          },
          'staff',
        );
      },
    },
    h('h3', { id: 'staff-add-h', text: t('council.add_staff.title') }),
    field('s_name', t('council.name'), { required: true, maxlength: 127 }),
    selectField(
      's_comp',
      t('council.competence'),
      ['vaccinator', 'registration', 'host'].map((c) => [c, t(`council.comp.${c}`)]),
      'vaccinator',
    ),
    h(
      'div',
      { class: 'field' },
      h('label', null, h('input', { type: 'checkbox', id: 's_vol' }), ' ', t('council.volunteer')),
    ),
    field('s_from', t('council.from'), { type: 'date', required: true }),
    field('s_to', t('council.to'), { type: 'date', required: true }),
    h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.add_staff') }),
  );
  return section(
    'staff',
    t('council.s.staff'),
    table(
      t('council.s.staff'),
      [t('council.name'), t('council.competence'), t('council.volunteer'), t('council.available')],
      rows,
    ),
    form,
  );
}

const NEXT = { requested: ['ordered', 'cancelled'], ordered: ['done', 'cancelled'] };

async function travelSection() {
  const p = await api('GET', '/api/v1/sick-travel');
  const rows = p.items.map((x) => [
    x.name,
    x.pickup_address,
    x.wheelchair ? t('council.yes') : t('council.no'),
    t(`council.st.${x.status}`),
    h(
      'span',
      { class: 'actions', role: 'group', 'aria-label': t('council.travel.set', { id: x.id }) },
      (NEXT[x.status] || []).map((s) =>
        h('button', {
          type: 'button',
          class: 'btn btn-secondary',
          text: t(`council.st.${s}`),
          onclick: () => post('PATCH', `/api/v1/sick-travel/${x.id}`, { status: s }, 'travel'),
        }),
      ),
    ),
  ]);
  return section(
    'travel',
    t('council.s.travel'),
    table(
      t('council.s.travel'),
      [t('council.person'), t('council.pickup'), t('council.wheelchair'), t('council.status'), ''],
      rows,
    ),
  );
}

async function logSection() {
  const p = await api('GET', '/api/v1/council/items');
  const rows = p.items.map((x) => [
    t(`council.kind.${x.kind}`),
    x.title,
    x.kind === 'decision' ? `${x.decided_by}, ${x.decided_on}` : x.owner,
    x.due || '',
    x.kind === 'action'
      ? h('select', {
          'aria-label': t('council.item.set', { title: x.title }),
          onchange: (ev) => post('PATCH', `/api/v1/council/items/${x.id}`, { status: ev.target.value }, 'log'),
        },
        ['open', 'doing', 'done'].map((s) =>
          h('option', { value: s, selected: s === x.status, text: t(`council.st.${s}`) }),
        ))
      : t('council.st.done'),
  ]);
  const form = h(
    'form',
    {
      class: 'stack-form',
      'aria-labelledby': 'log-add-h',
      onsubmit: (ev) => {
        ev.preventDefault();
        const e = ev.target.elements;
        const decision = e.i_kind.value === 'decision';
        post(
          'POST',
          '/api/v1/council/items',
          {
            kind: e.i_kind.value,
            title: e.i_title.value,
            owner: e.i_owner.value,
            due: e.i_due.value || undefined,
            decided_on: decision ? e.i_due.value || S.to : undefined,
            decided_by: decision ? e.i_owner.value : undefined,
          },
          'log',
        );
      },
    },
    h('h3', { id: 'log-add-h', text: t('council.item.add_title') }),
    selectField(
      'i_kind',
      t('council.item.kind'),
      ['action', 'decision'].map((k) => [k, t(`council.kind.${k}`)]),
      'action',
    ),
    field('i_title', t('council.item.title'), { required: true, maxlength: 199 }),
    field('i_owner', t('council.item.owner'), { maxlength: 127 }),
    field('i_due', t('council.item.due'), { type: 'date' }),
    h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.item.add') }),
  );
  return section(
    'log',
    t('council.s.log'),
    table(
      t('council.s.log'),
      [t('council.item.kind'), t('council.item.title'), t('council.item.owner'), t('council.item.due'), t('council.status')],
      rows,
    ),
    form,
  );
}

function signIn() {
  const login = async (body) => {
    await api('POST', '/api/v1/session', { body });
    await start();
  };
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h', text: t('council.signin.title') }),
    h('p', { text: t('council.signin.text') }),
    h('button', {
      type: 'button',
      class: 'btn btn-primary',
      text: t('council.signin.region'),
      onclick: () => login({ role: 'regional_coordinator', region: '01', user: 'rk01' }),
    }),
    ' ',
    h('button', {
      type: 'button',
      class: 'btn btn-secondary',
      text: t('council.signin.muni'),
      onclick: () => login({ role: 'municipal_coordinator', kommun: '0180', user: 'kk0180' }),
    }),
  );
}

async function render(focusId) {
  const el = app();
  const parts = await Promise.all([
    compSection(),
    uncoveredSection(),
    premisesSection(),
    staffSection(),
    travelSection(),
    logSection(),
  ]);
  const toc = h(
    'nav',
    { 'aria-label': t('council.toc'), class: 'toc' },
    h('ul', null, parts.map((p) => h('li', null, h('a', { href: `#${p.id}`, text: p.querySelector('h2').textContent })))),
  );
  el.replaceChildren(S.msg ? status(S.msg) : '', toc, ...parts);
  S.msg = null;
  if (focusId) focus(document.getElementById(`${focusId}-h`));
}

async function start() {
  document.title = t('council.doc_title');
  applyStatic(document);
  const who = document.getElementById('who');
  const logout = document.getElementById('logout');
  try {
    S.me = await api('GET', '/api/v1/me');
  } catch {
    S.me = null;
  }
  if (!S.me || !S.me.role) {
    who.textContent = '';
    logout.hidden = true;
    app().replaceChildren(signIn());
    return;
  }
  logout.hidden = false;
  if (S.me.role !== 'regional_coordinator' && S.me.role !== 'municipal_coordinator') {
    app().replaceChildren(h('p', { class: 'alert', text: t('council.wrong_role', { role: S.me.role }) }));
    return;
  }
  who.textContent = t('council.who', {
    user: S.me.user,
    role: t(`council.role.${S.me.role}`),
    scope: S.me.kommun || S.me.region,
  });
  if (!S.to) S.to = S.me.today || new Date().toISOString().slice(0, 10);
  await render();
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'sv' ? 'en' : 'sv');
  start();
});
document.getElementById('logout').addEventListener('click', async () => {
  await api('DELETE', '/api/v1/session').catch(() => {});
  S.me = null;
  start();
});
start();

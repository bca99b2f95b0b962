/*
 * council.js — the region–municipality council page (council.html) for regional and
 * municipal coordinators: compensation agreements and statements (with PDF/XLSX/CSV
 * downloads), adjustments and disputes, doses without an agreement in force, premises
 * offered, the staff and volunteer pool, their assignment to vaccination sites per day
 * with the resulting "accordion" capacity, sick-travel requests and the council's
 * action/decision log.
 *
 * Every section reads the ledger API (docs/api-ledger.md) with the session's scope:
 * a regional coordinator sees the whole region (and may pick a municipality), a
 * municipal coordinator only their own municipality. The server decides what is
 * visible; the page only draws it. After each successful form the page is read
 * again, so what is shown is what the server stored; a refusal is shown at the field
 * the problem+json names (aria-invalid + a message tied by aria-describedby) and the
 * form keeps what was typed. Sign-in (dev login) offers every region and the chosen
 * region's municipalities (GET /api/v1/places). Amounts are typed in kronor and sent
 * in öre. Texts: i18n-ledger.js (sv/en). No inline script or style (the server's CSP
 * forbids them); text is always set as text (ui.js h()).
 */
import { t, has, lang, setLang, applyStatic } from './i18n.js';
import './i18n-ledger.js';
import { api, ApiError } from './api.js';
import { h, focus, fmtDate, fmtDay, addDays, reasonText } from './ui.js';

const S = {
  me: null,
  from: '2020-12-27',
  to: '',
  kommun: '',
  msg: null,
  munis: [], /* the signed-in region's municipalities [{code, name}] */
  site: '', /* assignments: chosen site code and day */
  day: '',
  login: { region: '01', kommun: '0180' }, /* sign-in choices */
};
const app = () => document.getElementById('app');

function kr(ore) {
  return (ore / 100).toLocaleString(lang() === 'en' ? 'en-GB' : 'sv-SE', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}

/* Kronor as typed ("-1 250,50", "1250.5", "−125") → öre, or null when not an amount. */
function toOre(text) {
  const v = String(text || '')
    .replace(/[\s\u00a0\u202f]/g, '')
    .replace(/\u2212/g, '-')
    .replace(',', '.');
  if (!/^-?\d+(\.\d{1,2})?$/.test(v)) return null;
  const [i, f = ''] = v.replace('-', '').split('.');
  const ore = Number(i) * 100 + Number(f.padEnd(2, '0'));
  return v.startsWith('-') ? -ore : ore;
}

function kommunName(code) {
  const k = S.munis.find((m) => m.code === code);
  return k ? `${code} ${k.name}` : code;
}

/* A server reason in the user's language where the dictionary knows it. */
function reason(r) {
  if (lang() === 'en' && r !== 'kronor') return reasonText(r);
  return has(`council.r.${r}`) ? t(`council.r.${r}`) : reasonText(r);
}

function problemErrors(e) {
  return e instanceof ApiError && e.problem && Array.isArray(e.problem.errors) ? e.problem.errors : [];
}

function errText(e) {
  const f = problemErrors(e)[0];
  const p = e && e.problem;
  if (f) return `${f.field}: ${reason(f.reason)}`;
  return (p && (p.detail || p.title)) || (e && e.status ? `HTTP ${e.status}` : t('council.network'));
}

/* Clear a form's error marks. */
function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    if (el.dataset.desc) el.setAttribute('aria-describedby', el.dataset.desc);
    else el.removeAttribute('aria-describedby');
  }
  for (const el of form.querySelectorAll('.field-error, .form-alert')) el.remove();
}

/*
 * Show refusal `errors` ([{field, reason}]) in `form`: each field named in `fields`
 * (API field → input id) is marked with its message; a summary alert heads the form
 * and the first invalid input gets focus.
 */
function showErrors(form, errors, detail, fields) {
  clearErrors(form);
  let first = null;
  for (const e of errors) {
    const id = fields[e.field];
    const input = id && form.querySelector(`#${id}`);
    if (!input || input.hasAttribute('aria-invalid')) continue;
    const msgId = `${id}-error`;
    input.dataset.desc = input.getAttribute('aria-describedby') || '';
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${msgId} ${input.dataset.desc}`.trim());
    input.insertAdjacentElement('afterend', h('p', { class: 'field-error', id: msgId, text: reason(e.reason) }));
    first = first || input;
  }
  const alert = h('p', {
    class: 'alert alert-error form-alert',
    role: 'alert',
    text: t('council.error', { detail: first ? t('council.see_fields') : detail }),
  });
  form.querySelector('h3').insertAdjacentElement('afterend', alert);
  focus(first || alert);
}

/* Send a form's request; on success re-read the page (focus `after`), else show the refusal at the fields. */
async function submit(form, method, path, body, fields, after) {
  clearErrors(form);
  try {
    await api(method, path, { body });
  } catch (e) {
    showErrors(form, problemErrors(e), errText(e), fields);
    return;
  }
  S.msg = { kind: 'ok', text: t('council.saved') };
  await render(after);
}

function hintedField(id, label, hint, attrs) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id, text: label }),
    h('p', { class: 'hint', id: `${id}-hint`, text: hint }),
    h('input', { id, name: id, type: 'text', 'aria-describedby': `${id}-hint`, ...attrs }),
  );
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
  if (!S.to) {
    S.to = st.to;
    q.to = st.to;
  }
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
    h('h3', { id: 'adj-list-h', text: t('council.adj.list') }),
    table(
      t('council.adj.list'),
      [t('council.kommun'), t('council.period'), `${t('council.amount')} (kr)`, t('council.adj.reason'), t('council.decided_by')],
      st.adjustments.map((a) => [
        kommunName(a.kommun),
        `${a.from} – ${a.to}`,
        kr(a.amount_ore),
        a.reason,
        a.decided_by,
      ]),
    ),
    region ? adjustForm() : null,
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

function kommunSelect(id, value) {
  return selectField(
    id,
    t('council.kommun'),
    S.munis.map((m) => [m.code, `${m.code} ${m.name}`]),
    value || S.kommun || (S.munis[0] && S.munis[0].code),
  );
}

function adjustForm() {
  return h(
    'form',
    {
      class: 'stack-form',
      id: 'adj-form',
      'aria-labelledby': 'adj-h',
      novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        const f = ev.target;
        const e = f.elements;
        const fields = {
          kommun: 'adj_kommun',
          from: 'adj_from',
          to: 'adj_to',
          amount_ore: 'adj_amount',
          reason: 'adj_reason',
          decided_by: 'adj_by',
        };
        const ore = toOre(e.adj_amount.value);
        if (ore === null || ore === 0) {
          showErrors(f, [{ field: 'amount_ore', reason: 'kronor' }], '', fields);
          return;
        }
        submit(
          f,
          'POST',
          '/api/v1/compensation/adjustments',
          {
            kommun: e.adj_kommun.value,
            from: e.adj_from.value,
            to: e.adj_to.value,
            amount_ore: ore,
            reason: e.adj_reason.value,
            decided_by: e.adj_by.value || undefined,
          },
          fields,
          'comp',
        );
      },
    },
    h('h3', { id: 'adj-h', text: t('council.adj.title') }),
    kommunSelect('adj_kommun'),
    field('adj_from', t('council.from'), { type: 'date', value: S.from }),
    field('adj_to', t('council.to'), { type: 'date', value: S.to }),
    hintedField('adj_amount', t('council.adj.amount'), t('council.adj.amount_hint'), {
      inputmode: 'decimal',
      autocomplete: 'off',
    }),
    field('adj_reason', t('council.adj.reason'), { maxlength: 250 }),
    hintedField('adj_by', t('council.decided_by'), t('council.decided_by_hint', { user: S.me.user }), {
      maxlength: 63,
    }),
    h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.adj.save') }),
  );
}

async function disputeSection() {
  const region = S.me.role === 'regional_coordinator';
  const d = await api('GET', '/api/v1/compensation/disputes');
  const rows = d.items.map((x) => [
    String(x.id),
    kommunName(x.kommun),
    `${x.from} – ${x.to}`,
    x.subject,
    x.claimed_ore ? kr(x.claimed_ore) : '–',
    t(`council.st.${x.status}`),
    x.raised_by,
    x.status === 'open' ? '' : `${x.decided_by}: ${x.resolution}`,
  ]);
  const raiseFields = { kommun: 'd_kommun', from: 'd_from', to: 'd_to', subject: 'd_subject', claimed_ore: 'd_claimed' };
  const raise = h(
    'form',
    {
      class: 'stack-form',
      'aria-labelledby': 'd-raise-h',
      novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault();
        const f = ev.target;
        const e = f.elements;
        const claimed = e.d_claimed.value.trim() ? toOre(e.d_claimed.value) : 0;
        if (claimed === null) {
          showErrors(f, [{ field: 'claimed_ore', reason: 'kronor' }], '', raiseFields);
          return;
        }
        submit(
          f,
          'POST',
          '/api/v1/compensation/disputes',
          {
            kommun: region ? e.d_kommun.value : undefined,
            from: e.d_from.value,
            to: e.d_to.value,
            subject: e.d_subject.value,
            claimed_ore: claimed || undefined,
          },
          raiseFields,
          'disputes',
        );
      },
    },
    h('h3', { id: 'd-raise-h', text: t('council.d.raise_title') }),
    region ? kommunSelect('d_kommun') : null,
    field('d_from', t('council.from'), { type: 'date' }),
    field('d_to', t('council.to'), { type: 'date' }),
    field('d_subject', t('council.d.subject'), { maxlength: 250 }),
    hintedField('d_claimed', t('council.d.claimed'), t('council.d.claimed_hint'), { inputmode: 'decimal' }),
    h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.d.raise') }),
  );
  const open = d.items.filter((x) => x.status === 'open');
  const decideFields = {
    id: 'dd_id',
    status: 'dd_status',
    resolution: 'dd_resolution',
    decided_by: 'dd_by',
    amount_ore: 'dd_amount',
  };
  const decide =
    region && open.length
      ? h(
          'form',
          {
            class: 'stack-form',
            'aria-labelledby': 'd-decide-h',
            novalidate: true,
            onsubmit: (ev) => {
              ev.preventDefault();
              const f = ev.target;
              const e = f.elements;
              const amount = e.dd_amount.value.trim() ? toOre(e.dd_amount.value) : 0;
              if (amount === null) {
                showErrors(f, [{ field: 'amount_ore', reason: 'kronor' }], '', decideFields);
                return;
              }
              submit(
                f,
                'POST',
                `/api/v1/compensation/disputes/${encodeURIComponent(e.dd_id.value)}/decision`,
                {
                  status: e.dd_status.value,
                  resolution: e.dd_resolution.value,
                  decided_by: e.dd_by.value || undefined,
                  amount_ore: amount || undefined,
                },
                decideFields,
                'disputes',
              );
            },
          },
          h('h3', { id: 'd-decide-h', text: t('council.d.decide_title') }),
          selectField(
            'dd_id',
            t('council.d.which'),
            open.map((x) => [String(x.id), `${x.id}: ${kommunName(x.kommun)}, ${x.subject}`]),
            String(open[0].id),
          ),
          selectField(
            'dd_status',
            t('council.d.outcome'),
            ['accepted', 'rejected'].map((k) => [k, t(`council.st.${k}`)]),
            'accepted',
          ),
          field('dd_resolution', t('council.d.resolution'), { maxlength: 250 }),
          hintedField('dd_by', t('council.decided_by'), t('council.decided_by_hint', { user: S.me.user }), {
            maxlength: 63,
          }),
          hintedField('dd_amount', t('council.d.amount'), t('council.d.amount_hint'), { inputmode: 'decimal' }),
          h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.d.decide') }),
        )
      : null;
  return section(
    'disputes',
    t('council.s.disputes'),
    table(
      t('council.s.disputes'),
      [
        t('council.d.no'),
        t('council.kommun'),
        t('council.period'),
        t('council.d.subject'),
        `${t('council.d.claimed_short')} (kr)`,
        t('council.status'),
        t('council.d.raised_by'),
        t('council.d.decision'),
      ],
      rows,
    ),
    raise,
    decide,
  );
}

async function assignSection() {
  const sites = await api('GET', '/api/v1/sites', { query: { region: S.me.region } });
  if (!sites.length) return section('assign', t('council.s.assign'), h('p', { text: t('council.a.no_sites') }));
  if (!sites.some((x) => x.code === S.site)) S.site = sites[0].code;
  if (!S.day) S.day = S.me.today || S.to;
  const q = { site: S.site, from: S.day, to: S.day };
  const [asg, cap, staff, prem] = await Promise.all([
    api('GET', '/api/v1/assignments', { query: q }),
    api('GET', '/api/v1/capacity', { query: { site: S.site, from: S.day, to: addDays(S.day, 6) } }),
    api('GET', '/api/v1/staff-pool'),
    api('GET', '/api/v1/premises'),
  ]);
  const pick = h(
    'form',
    {
      class: 'inline-form',
      'aria-label': t('council.a.pick'),
      onsubmit: (ev) => {
        ev.preventDefault();
        S.site = ev.target.elements.a_site.value;
        S.day = ev.target.elements.a_day.value || S.day;
        render('assign');
      },
    },
    selectField(
      'a_site',
      t('council.a.site'),
      sites.map((x) => [x.code, `${x.name} (${x.code})`]),
      S.site,
    ),
    field('a_day', t('council.a.day'), { type: 'date', value: S.day, required: true }),
    h('button', { type: 'submit', class: 'btn btn-secondary', text: t('council.a.show') }),
  );
  const usable = prem.items.filter((x) => x.status !== 'declined');
  const resources = h(
    'select',
    { id: 'a_resource', name: 'a_resource' },
    h(
      'optgroup',
      { label: t('council.a.staff') },
      staff.items.map((x) =>
        h('option', {
          value: `staff:${x.id}`,
          text: `${x.name}, ${t(`council.comp.${x.competence}`)} (${x.available_from} – ${x.available_to})`,
        }),
      ),
    ),
    h(
      'optgroup',
      { label: t('council.a.premises') },
      usable.map((x) =>
        h('option', {
          value: `premises:${x.id}`,
          text: `${x.code} ${x.name}, ${x.capacity_per_day} ${t('council.a.per_day')} (${t(`council.st.${x.status}`)})`,
        }),
      ),
    ),
  );
  const fields = { resource_id: 'a_resource', kind: 'a_resource', day: 'a_res_day', site: 'a_res_day' };
  const assign = h(
    'form',
    {
      class: 'stack-form',
      'aria-labelledby': 'a-add-h',
      onsubmit: (ev) => {
        ev.preventDefault();
        const [kind, id] = ev.target.elements.a_resource.value.split(':');
        submit(
          ev.target,
          'POST',
          '/api/v1/assignments',
          { kind, resource_id: Number(id), site: S.site, day: ev.target.elements.a_res_day.value },
          fields,
          'assign',
        );
      },
    },
    h('h3', { id: 'a-add-h', text: t('council.a.add_title', { site: S.site }) }),
    h('div', { class: 'field' }, h('label', { for: 'a_resource', text: t('council.a.resource') }), resources),
    field('a_res_day', t('council.a.day'), { type: 'date', value: S.day, required: true }),
    h('button', { type: 'submit', class: 'btn btn-primary', text: t('council.a.assign') }),
  );
  const list = asg.items.map((x) => [
    t(`council.a.kind.${x.kind}`),
    x.name,
    x.kind === 'staff' ? t(`council.comp.${x.competence}`) : `${x.capacity_per_day} ${t('council.a.per_day')}`,
    h('button', {
      type: 'button',
      class: 'btn btn-secondary',
      text: t('council.a.remove'),
      'aria-label': t('council.a.remove_label', { name: x.name }),
      onclick: async () => {
        try {
          await api('DELETE', `/api/v1/assignments/${x.id}`);
          S.msg = { kind: 'ok', text: t('council.saved') };
        } catch (e) {
          S.msg = { kind: 'error', text: t('council.error', { detail: errText(e) }) };
        }
        render('assign');
      },
    }),
  ]);
  const today = cap.items[0];
  const capRows = cap.items.map((c) => [
    fmtDate(c.day, { weekday: 'short', day: 'numeric', month: 'numeric' }),
    c.open ? String(c.vaccinators) : t('council.a.closed'),
    `${c.staffed_stations} / ${cap.stations}`,
    String(c.by_staff),
    c.premises_capacity === null ? t('council.a.own_rooms') : String(c.premises_capacity),
    c.supply === null ? '–' : String(c.supply),
    h('strong', { text: String(c.capacity) }),
    c.open ? t(`council.limit.${c.limit}`) : '–',
  ]);
  return section(
    'assign',
    t('council.s.assign'),
    h('p', { text: t('council.a.lead') }),
    pick,
    h('h3', { id: 'a-day-h', text: t('council.a.day_title', { day: fmtDay(S.day), site: S.site }) }),
    table(
      t('council.a.day_title', { day: S.day, site: S.site }),
      [t('council.a.kind'), t('council.name'), t('council.a.what'), ''],
      list,
    ),
    assign,
    h('h3', { text: t('council.a.cap_title') }),
    today
      ? h('p', {
          id: 'cap-summary',
          class: 'cap-summary',
          text: t('council.a.cap_summary', {
            day: fmtDay(today.day),
            n: today.capacity,
            limit: t(`council.limit.${today.limit}`),
          }),
        })
      : null,
    table(
      t('council.a.cap_title'),
      [
        t('council.a.c.day'),
        t('council.a.c.vaccinators'),
        t('council.a.c.stations'),
        t('council.a.c.by_staff'),
        t('council.a.c.premises'),
        t('council.a.c.supply'),
        t('council.a.c.capacity'),
        t('council.a.c.limit'),
      ],
      capRows,
    ),
    h('p', { class: 'muted', text: `${t('council.a.rule')} ${t('council.a.own_note')}` }),
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
    ...(muni
      ? []
      : [
          h(
            'span',
            { class: 'actions', role: 'group', 'aria-label': t('council.prem.set', { name: x.name }) },
            ['accepted', 'declined']
              .filter((st) => st !== x.status)
              .map((st) =>
                h('button', {
                  type: 'button',
                  class: 'btn btn-secondary',
                  text: t(`council.prem.${st}`),
                  onclick: () => post('PATCH', `/api/v1/premises/${x.id}`, { status: st }, 'premises'),
                }),
              ),
          ),
        ]),
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
        ...(muni ? [] : ['']),
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

async function signIn() {
  let places = { regions: [], municipalities: [] };
  try {
    places = await api('GET', '/api/v1/places', { query: { region: S.login.region } });
  } catch {
    /* the selects stay empty; the buttons then report the server's refusal */
  }
  if (!places.municipalities.some((m) => m.code === S.login.kommun))
    S.login.kommun = places.municipalities[0] ? places.municipalities[0].code : '';
  const alertBox = h('div', { id: 'signin-msg' });
  const login = async (body) => {
    try {
      await api('POST', '/api/v1/session', { body });
    } catch (e) {
      alertBox.replaceChildren(
        h('p', { class: 'alert alert-error', role: 'alert', text: t('council.error', { detail: errText(e) }) }),
      );
      return;
    }
    await start();
  };
  const regionSel = selectField(
    'login_region',
    t('council.signin.region_label'),
    places.regions.map((r) => [r.code, `${r.code} ${r.name}`]),
    S.login.region,
  );
  regionSel.querySelector('select').addEventListener('change', async (ev) => {
    S.login.region = ev.target.value;
    app().replaceChildren(await signIn());
    focus(document.getElementById('login_region'));
  });
  const kommunSel = selectField(
    'login_kommun',
    t('council.signin.kommun_label'),
    places.municipalities.map((m) => [m.code, `${m.code} ${m.name}`]),
    S.login.kommun,
  );
  kommunSel.querySelector('select').addEventListener('change', (ev) => {
    S.login.kommun = ev.target.value;
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h', text: t('council.signin.title') }),
    h('p', { text: t('council.signin.text') }),
    alertBox,
    regionSel,
    h('button', {
      type: 'button',
      class: 'btn btn-primary',
      text: t('council.signin.region'),
      onclick: () =>
        login({ role: 'regional_coordinator', region: S.login.region, user: `rk${S.login.region}` }),
    }),
    kommunSel,
    h('button', {
      type: 'button',
      class: 'btn btn-secondary',
      text: t('council.signin.muni'),
      onclick: () =>
        login({ role: 'municipal_coordinator', kommun: S.login.kommun, user: `kk${S.login.kommun}` }),
    }),
  );
}

async function render(focusId) {
  const el = app();
  const region = S.me.role === 'regional_coordinator';
  const comp = await compSection(); /* first: it learns the server's today (S.to) */
  const parts = await Promise.all([
    comp,
    disputeSection(),
    uncoveredSection(),
    premisesSection(),
    staffSection(),
    region ? assignSection() : null,
    travelSection(),
    logSection(),
  ]);
  const toc = h(
    'nav',
    { 'aria-label': t('council.toc'), class: 'toc' },
    h('ul', null, parts.filter(Boolean).map((p) => h('li', null, h('a', { href: `#${p.id}`, text: p.querySelector('h2').textContent })))),
  );
  el.replaceChildren(S.msg ? status(S.msg) : '', toc, ...parts.filter(Boolean));
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
    app().replaceChildren(await signIn());
    return;
  }
  logout.hidden = false;
  if (S.me.role !== 'regional_coordinator' && S.me.role !== 'municipal_coordinator') {
    app().replaceChildren(h('p', { class: 'alert', text: t('council.wrong_role', { role: S.me.role }) }));
    return;
  }
  try {
    S.munis = (await api('GET', '/api/v1/places', { query: { region: S.me.region } })).municipalities;
  } catch {
    S.munis = [];
  }
  who.textContent = t('council.who', {
    user: S.me.user,
    role: t(`council.role.${S.me.role}`),
    scope: S.me.kommun ? kommunName(S.me.kommun) : S.me.region,
  });
  if (!S.to) S.to = S.me.today || ''; /* else the statement answers the server's today */
  await render();
}

document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'sv' ? 'en' : 'sv');
  start();
});
document.getElementById('logout').addEventListener('click', async () => {
  await api('DELETE', '/api/v1/session').catch(() => {});
  Object.assign(S, { me: null, kommun: '', site: '', day: '', msg: null });
  start();
});
start();

/*
 * site.js — the site coordinator's page (site.html): stock per lot, receipts,
 * transfers (send, receive), counts with reconciliation, wastage with reason
 * codes, cold-chain excursions. The shell (sign-in, header, language, problems,
 * field errors) is the one in vaccinator.js.
 *
 * Every form posts to the care API (docs/api-care.md) and, after the answer,
 * the page re-reads GET /sites/{id}/stock and /sites/{id}/wastage, so what is
 * shown is what the server stored. A count's answer (expected vs counted) is
 * shown next to the form; every follow-up with a discrepancy is highlighted in
 * the reconciliation table. Field errors from the server land next to the input
 * they name (aria-invalid, aria-describedby) and in an alert above the form.
 */
import { t } from './i18n.js';
import './i18n-care.js';
import { api } from './api.js';
import { h, fmtDate, focus } from './ui.js';
import {
  C,
  startCare,
  problemBox,
  markFields,
  field,
  select,
  table,
  fmtStamp,
  localToRfc,
  sitePicker,
  shortVaccine,
} from './vaccinator.js';

const VACCINES = ['COM', 'MOD', 'AZ', 'JANSS', 'NVX', 'FLU_VAXIGRIP'];
const WASTE_REASONS = ['expired', 'broken', 'leftover', 'cold_chain', 'other'];

const S = {
  stock: null, // GET /sites/{id}/stock
  wastage: null, // GET /sites/{id}/wastage
  msg: null, // {where, text, kind} or {where, err, fields}
  count: null, // the last count's answer
  today: '',
};
let redraw = () => {};

async function load() {
  const id = C.site.id;
  const [stock, wastage] = await Promise.all([
    api('GET', `/api/v1/sites/${id}/stock`),
    api('GET', `/api/v1/sites/${id}/wastage`),
  ]);
  S.stock = stock || {};
  S.wastage = wastage || {};
}

function lots() {
  return (S.stock && S.stock.lots) || [];
}

function lotOptions(filter) {
  return lots()
    .filter(filter || (() => true))
    .map((l) => ({
      value: l.lot,
      label: `${l.lot_number} · ${shortVaccine(l.vaccine)} · ${t('care.doses_n', { n: l.doses })}`,
    }));
}

function siteName(id) {
  const s = C.sites.find((x) => x.id === id);
  return s ? s.name || s.code : `#${id}`;
}

/* The message slot of form `where`: an ok text, or the problem with field errors. */
function msgSlot(where) {
  const el = h('div', { id: `msg-${where}`, role: 'status' });
  if (S.msg && S.msg.where === where) {
    el.append(
      S.msg.err
        ? problemBox(S.msg.err, S.msg.fields)
        : h('p', { class: `alert alert-${S.msg.kind || 'ok'}`, text: S.msg.text }),
    );
  }
  return el;
}

/*
 * Wire form `form` (slot `where`, server field → input id `fields`): on submit,
 * `send()` posts; success re-reads and shows `ok(answer)`; a refusal is shown
 * in the slot and next to the inputs without a re-read (the input is kept).
 */
function wire(form, where, fields, send, ok) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    let r;
    try {
      r = await send();
    } catch (e) {
      btn.disabled = false;
      const slot = document.getElementById(`msg-${where}`);
      const box = problemBox(e, fields);
      slot.replaceChildren(box);
      markFields(form, e, fields);
      focus(box);
      return;
    }
    const said = ok(r);
    S.msg = typeof said === 'string' ? { where, text: said, kind: 'ok' } : { where, ...said };
    await redraw();
    focus(document.querySelector(`#msg-${where} > *`));
  });
}

function num(input) {
  return input.value === '' ? undefined : Number(input.value);
}

/* ---- stock */

function stockCard() {
  const today = S.today;
  const rows = lots().map((l) => {
    const soon =
      (l.expiry && l.expiry <= addDaysIso(today, 14)) ||
      (l.usable_until && l.usable_until.slice(0, 10) <= addDaysIso(today, 2));
    return {
      attrs: { class: soon ? 'warn-row' : '' },
      cells: [
        shortVaccine(l.vaccine),
        h('strong', { text: l.lot_number }),
        l.expiry ? fmtDate(l.expiry, { day: 'numeric', month: 'short', year: 'numeric' }) : '–',
        l.usable_until ? fmtStamp(l.usable_until, today) : '–',
        h('span', { class: 'num' }, h('strong', { text: String(l.doses) })),
        h('span', { class: 'num', text: `${l.vials} × ${l.doses_per_vial}` }),
        h('span', { class: 'num', text: String(l.open_vials || 0) }),
        h('span', { class: 'num', text: String(l.in_transit || 0) }),
      ],
    };
  });
  const total = lots().reduce((a, l) => a + (l.doses || 0), 0);
  return h(
    'section',
    { class: 'card', id: 'stock', 'aria-labelledby': 'stock-h' },
    h('h2', { id: 'stock-h', text: t('care.stock.title') }),
    h('p', { class: 'counts', id: 'stock-total' }, h('strong', { text: String(total) }), ` ${t('care.stock.total')}`),
    rows.length
      ? table(
          t('care.stock.title'),
          [
            t('care.col.vaccine'),
            t('care.col.lot'),
            t('care.col.expiry'),
            t('care.col.usable_until'),
            t('care.col.doses'),
            t('care.col.vials'),
            t('care.col.open_vials'),
            t('care.col.in_transit'),
          ],
          rows,
          'stock-table',
        )
      : h('p', { class: 'muted', text: t('care.stock.none') }),
    h('p', { class: 'hint', text: t('care.stock.hint') }),
  );
}

function addDaysIso(ymd, n) {
  if (!ymd) return '';
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/* ---- receipts */

function receiptCard() {
  const vac = select(VACCINES.map((v) => ({ value: v, label: shortVaccine(v) })), 'COM');
  const lotNo = h('input', { type: 'text', autocomplete: 'off', maxlength: '20', spellcheck: 'false' });
  const expiry = h('input', { type: 'date' });
  const thawed = h('input', { type: 'datetime-local' });
  const unit = select(
    [
      { value: 'vials', label: t('care.unit.vials') },
      { value: 'doses', label: t('care.unit.doses') },
    ],
    'vials',
  );
  const qty = h('input', { type: 'number', min: '1', inputmode: 'numeric' });
  const ref = h('input', { type: 'text', maxlength: '60' });
  const fields = {
    vaccine: 'r-vaccine',
    lot_number: 'r-lot',
    expiry: 'r-expiry',
    thawed_at: 'r-thawed',
    doses: 'r-qty',
    vials: 'r-qty',
    ref: 'r-ref',
    site: 'r-vaccine',
  };
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'div',
      { class: 'form-grid' },
      field('r-vaccine', t('care.f.vaccine'), vac),
      field('r-lot', t('care.f.lot_number'), lotNo, t('care.f.lot_number_hint')),
      field('r-expiry', t('care.f.expiry'), expiry),
      field('r-thawed', t('care.f.thawed_at'), thawed, t('care.f.thawed_hint')),
      field('r-unit', t('care.f.unit'), unit),
      field('r-qty', t('care.f.quantity'), qty),
      field('r-ref', t('care.f.ref'), ref, t('care.f.ref_hint')),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('care.receipt.submit') }),
    ),
  );
  wire(
    form,
    'receipt',
    fields,
    () => {
      const body = {
        site: C.site.id,
        vaccine: vac.value,
        lot_number: lotNo.value.trim(),
        expiry: expiry.value || undefined,
        thawed_at: localToRfc(thawed.value),
        ref: ref.value.trim() || undefined,
      };
      body[unit.value] = num(qty);
      return api('POST', '/api/v1/receipts', { body });
    },
    (r) =>
      t('care.receipt.done', {
        n: (r && r.doses) || '',
        lot: lotNo.value.trim(),
        stock: (r && r.stock) || '',
      }),
  );
  return h(
    'section',
    { class: 'card', id: 'receipt', 'aria-labelledby': 'receipt-h' },
    h('h2', { id: 'receipt-h', text: t('care.receipt.title') }),
    msgSlot('receipt'),
    form,
  );
}

/* ---- transfers */

function transferCard() {
  const id = C.site.id;
  const transfers = (S.stock && S.stock.transfers) || [];
  const rows = transfers.map((x) => {
    const incoming = x.to_site === id;
    const acts = [];
    if (incoming && x.status === 'sent') {
      const qid = `recv-${x.id}`;
      const q = h('input', { type: 'number', min: '0', id: qid, value: String(x.doses), class: 'narrow' });
      const f = h(
        'form',
        { class: 'row-actions', novalidate: true },
        h('label', { for: qid, class: 'visually-hidden', text: t('care.transfer.received_doses') }),
        q,
        h('button', {
          type: 'submit',
          class: 'btn btn-secondary',
          text: t('care.transfer.receive'),
          'aria-label': t('care.transfer.receive_label', { id: x.id }),
        }),
      );
      wire(
        f,
        'transfer',
        { doses: qid },
        () => api('POST', `/api/v1/transfers/${x.id}/receive`, { body: { doses: num(q) } }),
        (r) => t('care.transfer.received', { id: x.id, n: (r && r.received_doses) ?? num(q) }),
      );
      acts.push(f);
    }
    return {
      attrs: { class: incoming && x.status === 'sent' ? 'incoming' : '' },
      cells: [
        `#${x.id}`,
        incoming ? t('care.transfer.from', { site: siteName(x.from_site) }) : t('care.transfer.to', { site: siteName(x.to_site) }),
        `${shortVaccine(x.vaccine)} · ${x.lot_number}`,
        h('span', {
          class: 'num',
          text:
            x.received_doses !== undefined && x.received_doses !== null && x.status === 'received'
              ? `${x.received_doses} / ${x.doses}`
              : String(x.doses),
        }),
        h('span', { class: `badge badge-${x.status}`, text: t(`care.transfer.status.${x.status}`) }),
        acts.length ? acts : '',
      ],
    };
  });
  /* send */
  const lot = select(lotOptions((l) => l.doses > 0));
  const others = C.sites.filter((s) => s.id !== id);
  const to = others.length
    ? select(others.map((s) => ({ value: s.id, label: `${s.name || s.code} (${s.code})` })))
    : h('input', { type: 'number', min: '1', inputmode: 'numeric' });
  const doses = h('input', { type: 'number', min: '1', inputmode: 'numeric' });
  const note = h('input', { type: 'text', maxlength: '80' });
  const fields = { lot: 's-lot', to_site: 's-to', doses: 's-doses', note: 's-note', from_site: 's-lot' };
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('h3', { text: t('care.transfer.send_title') }),
    h(
      'div',
      { class: 'form-grid' },
      field('s-lot', t('care.f.lot'), lot),
      field('s-to', t('care.f.to_site'), to, others.length ? null : t('care.f.to_site_hint')),
      field('s-doses', t('care.f.doses'), doses),
      field('s-note', t('care.f.note'), note),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-secondary', text: t('care.transfer.send') }),
    ),
  );
  wire(
    form,
    'transfer',
    fields,
    () =>
      api('POST', '/api/v1/transfers', {
        body: {
          lot: lot.value ? Number(lot.value) : undefined,
          from_site: id,
          to_site: to.value ? Number(to.value) : undefined,
          doses: num(doses),
          note: note.value.trim() || undefined,
        },
      }),
    (r) => t('care.transfer.sent', { id: (r && r.id) || '', n: num(doses) }),
  );
  return h(
    'section',
    { class: 'card', id: 'transfers', 'aria-labelledby': 'transfers-h' },
    h('h2', { id: 'transfers-h', text: t('care.transfer.title') }),
    h('p', { class: 'muted', text: t('care.transfer.intro') }),
    msgSlot('transfer'),
    rows.length
      ? table(
          t('care.transfer.title'),
          [
            t('care.col.id'),
            t('care.col.direction'),
            t('care.col.lot'),
            t('care.col.doses'),
            t('care.col.status'),
            t('care.col.action'),
          ],
          rows,
          'transfers-table',
        )
      : h('p', { class: 'muted', text: t('care.transfer.none') }),
    form,
  );
}

/* ---- counts and reconciliation */

function countCard() {
  const lot = select(lotOptions());
  const counted = h('input', { type: 'number', min: '0', inputmode: 'numeric' });
  const note = h('input', { type: 'text', maxlength: '80' });
  const fields = { lot: 'c-lot', counted: 'c-counted', note: 'c-note', site: 'c-lot' };
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'div',
      { class: 'form-grid' },
      field('c-lot', t('care.f.lot'), lot),
      field('c-counted', t('care.f.counted'), counted, t('care.f.counted_hint')),
      field('c-note', t('care.f.note'), note),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('care.count.submit') }),
    ),
  );
  wire(
    form,
    'count',
    fields,
    async () => {
      const r = await api('POST', '/api/v1/counts', {
        body: {
          site: C.site.id,
          lot: lot.value ? Number(lot.value) : undefined,
          counted: num(counted),
          note: note.value.trim() || undefined,
        },
      });
      S.count = r;
      return r;
    },
    (r) =>
      r && r.discrepancy
        ? {
            text: t('care.count.diff', { e: r.expected, c: r.counted, d: signed(r.discrepancy) }),
            kind: 'warn',
          }
        : t('care.count.match', { c: r ? r.counted : '' }),
  );
  const fu = (S.stock && S.stock.followups) || [];
  const lotNo = (id) => (lots().find((l) => l.lot === id) || {}).lot_number || `#${id}`;
  const rows = fu.map((f) => ({
    attrs: { class: f.discrepancy ? 'discrepancy' : '' },
    cells: [
      fmtStamp(f.at, S.today),
      lotNo(f.lot),
      h('span', { class: 'num', text: String(f.expected) }),
      h('span', { class: 'num', text: String(f.counted) }),
      h(
        'span',
        { class: f.discrepancy ? 'num diff' : 'num' },
        f.discrepancy ? h('strong', { text: signed(f.discrepancy) }) : '0',
        f.discrepancy ? h('span', { class: 'visually-hidden', text: ` ${t('care.count.flagged')}` }) : null,
      ),
      f.by || '',
      f.note || '',
    ],
  }));
  return h(
    'section',
    { class: 'card', id: 'counts', 'aria-labelledby': 'counts-h' },
    h('h2', { id: 'counts-h', text: t('care.count.title') }),
    h('p', { class: 'muted', text: t('care.count.intro') }),
    msgSlot('count'),
    form,
    h('h3', { text: t('care.count.followups') }),
    rows.length
      ? table(
          t('care.count.followups'),
          [
            t('care.col.when'),
            t('care.col.lot'),
            t('care.col.expected'),
            t('care.col.counted'),
            t('care.col.discrepancy'),
            t('care.col.by'),
            t('care.col.note'),
          ],
          rows,
          'followups-table',
        )
      : h('p', { class: 'muted', text: t('care.count.none') }),
  );
}

function signed(n) {
  return n > 0 ? `+${n}` : String(n);
}

/* ---- wastage */

function wastageCard() {
  const w = S.wastage || {};
  const list = w.wastage || [];
  const byReason = w.by_reason || {};
  const rows = list.map((x) => [
    fmtStamp(x.at, S.today),
    `${shortVaccine(x.vaccine)} · ${x.lot_number}`,
    x.vial ? `#${x.vial}` : '–',
    h('span', { class: 'num', text: String(x.doses) }),
    t(`care.reason.${x.reason}`),
    x.note || '',
    x.by || '',
  ]);
  const lot = select(lotOptions());
  const doses = h('input', { type: 'number', min: '1', inputmode: 'numeric' });
  const reason = select(WASTE_REASONS.map((r) => ({ value: r, label: t(`care.reason.${r}`) })), 'broken');
  const note = h('input', { type: 'text', maxlength: '80' });
  const fields = { lot: 'w-lot', doses: 'w-doses', reason: 'w-reason', note: 'w-note', site: 'w-lot', vial: 'w-lot' };
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('h3', { text: t('care.waste.record_title') }),
    h(
      'div',
      { class: 'form-grid' },
      field('w-lot', t('care.f.lot'), lot),
      field('w-doses', t('care.f.doses'), doses),
      field('w-reason', t('care.f.reason'), reason),
      field('w-note', t('care.f.note'), note, t('care.f.note_hint')),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('care.waste.submit') }),
    ),
  );
  wire(
    form,
    'waste',
    fields,
    () =>
      api('POST', '/api/v1/wastage', {
        body: {
          site: C.site.id,
          lot: lot.value ? Number(lot.value) : undefined,
          doses: num(doses),
          reason: reason.value,
          note: note.value.trim() || undefined,
        },
      }),
    () => t('care.waste.done', { n: num(doses), reason: t(`care.reason.${reason.value}`) }),
  );
  return h(
    'section',
    { class: 'card', id: 'wastage', 'aria-labelledby': 'wastage-h' },
    h('h2', { id: 'wastage-h', text: t('care.waste.title') }),
    h(
      'p',
      { class: 'counts', id: 'waste-total' },
      h('strong', { text: String(w.total || 0) }),
      ` ${t('care.waste.total')}`,
      Object.keys(byReason).length
        ? ` (${Object.entries(byReason)
            .map(([k, v]) => `${t(`care.reason.${k}`)} ${v}`)
            .join(', ')})`
        : '',
    ),
    msgSlot('waste'),
    rows.length
      ? table(
          t('care.waste.title'),
          [
            t('care.col.when'),
            t('care.col.lot'),
            t('care.col.vial'),
            t('care.col.doses'),
            t('care.col.reason'),
            t('care.col.note'),
            t('care.col.by'),
          ],
          rows,
          'wastage-table',
        )
      : h('p', { class: 'muted', text: t('care.waste.none') }),
    form,
  );
}

/* ---- cold-chain excursions */

function excursionCard() {
  const lot = select(lotOptions());
  const from = h('input', { type: 'datetime-local' });
  const to = h('input', { type: 'datetime-local' });
  const minC = h('input', { type: 'number', step: '0.1', inputmode: 'decimal' });
  const maxC = h('input', { type: 'number', step: '0.1', inputmode: 'decimal' });
  const decision = select(
    [
      { value: 'usable', label: t('care.exc.usable') },
      { value: 'discard', label: t('care.exc.discard') },
    ],
    'usable',
  );
  const doses = h('input', { type: 'number', min: '0', inputmode: 'numeric' });
  const note = h('input', { type: 'text', maxlength: '80' });
  const fields = {
    lot: 'e-lot',
    from: 'e-from',
    to: 'e-to',
    min_c: 'e-min',
    max_c: 'e-max',
    decision: 'e-decision',
    doses: 'e-doses',
    note: 'e-note',
    site: 'e-lot',
  };
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'div',
      { class: 'form-grid' },
      field('e-lot', t('care.f.lot'), lot),
      field('e-from', t('care.f.exc_from'), from),
      field('e-to', t('care.f.exc_to'), to),
      field('e-min', t('care.f.min_c'), minC),
      field('e-max', t('care.f.max_c'), maxC),
      field('e-decision', t('care.f.decision'), decision),
      field('e-doses', t('care.f.exc_doses'), doses, t('care.f.exc_doses_hint')),
      field('e-note', t('care.f.note'), note),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', text: t('care.exc.submit') }),
    ),
  );
  wire(
    form,
    'exc',
    fields,
    () =>
      api('POST', '/api/v1/excursions', {
        body: {
          site: C.site.id,
          lot: lot.value ? Number(lot.value) : undefined,
          from: localToRfc(from.value),
          to: localToRfc(to.value),
          min_c: num(minC),
          max_c: num(maxC),
          decision: decision.value,
          doses: decision.value === 'discard' ? (num(doses) ?? 0) : undefined,
          note: note.value.trim() || undefined,
        },
      }),
    (r) =>
      r && r.wasted
        ? t('care.exc.done_wasted', { n: r.wasted })
        : t('care.exc.done'),
  );
  return h(
    'section',
    { class: 'card', id: 'excursions', 'aria-labelledby': 'exc-h' },
    h('h2', { id: 'exc-h', text: t('care.exc.title') }),
    h('p', { class: 'muted', text: t('care.exc.intro') }),
    msgSlot('exc'),
    form,
  );
}

async function renderSite(app) {
  await load();
  S.today = (S.stock && S.stock.date) || '';
  const nav = h(
    'nav',
    { class: 'care-toc', 'aria-label': t('care.toc') },
    h(
      'ul',
      null,
      [
        ['stock', 'care.stock.title'],
        ['receipt', 'care.receipt.title'],
        ['transfers', 'care.transfer.title'],
        ['counts', 'care.count.title'],
        ['wastage', 'care.waste.title'],
        ['excursions', 'care.exc.title'],
      ].map(([id, key]) => h('li', null, h('a', { href: `#${id}`, text: t(key) }))),
    ),
  );
  app.replaceChildren(
    ...[
      h('p', { class: 'lead', text: t('care.site.lead', { site: C.site.name || C.site.code }) }),
      sitePicker(redraw),
      nav,
      stockCard(),
      receiptCard(),
      transferCard(),
      countCard(),
      wastageCard(),
      excursionCard(),
    ].filter(Boolean),
  );
  S.msg = null;
}

const shell = startCare({ roles: ['site_coordinator', 'regional_coordinator'], render: renderSite });
redraw = shell.redraw;

/*
 * plan.js — the coordinator's planning page (web/plan.html), Swedish and English.
 *
 * Who: national oversight (every region; may allocate a week and re-plan a national
 * figure) and regional coordinators (their own region only; re-plan their region's
 * allocation). Anyone else is told to sign in with one of those roles.
 *
 * What it shows, all from the plan API (docs/api-plan.md):
 *   GET  /api/v1/deliveries?vaccine=        weeks with first/latest forecast and actual,
 *                                           cut weeks marked (text and colour)
 *   GET  /api/v1/allocations?week&vaccine&region   the stored plan: regions, sites
 *   POST /api/v1/allocations                (national) allocate and store the week
 *   GET  /api/v1/allocations.csv|.xlsx      export links
 *   GET  /api/v1/projections?region         P10/P50/P90 bands, drawn here as SVG
 *   POST /api/v1/plans/replan               preview (dry_run) and then apply
 * Charts are SVG built with DOM calls and classes (the CSP allows no inline styles),
 * with a title, a description and the same figures as a table.
 */
import { api, ApiError } from './api.js';
import { t, lang, setLang, applyStatic, locale } from './i18n.js';
import './i18n-plan.js';
import { h } from './ui.js';

const REGION_NAMES = {
  '01': 'Stockholm', '03': 'Uppsala', '04': 'Sörmland', '05': 'Östergötland', '06': 'Jönköping',
  '07': 'Kronoberg', '08': 'Kalmar', '09': 'Gotland', 10: 'Blekinge', 12: 'Skåne', 13: 'Halland',
  14: 'Västra Götaland', 17: 'Värmland', 18: 'Örebro', 19: 'Västmanland', 20: 'Dalarna',
  21: 'Gävleborg', 22: 'Västernorrland', 23: 'Jämtland Härjedalen', 24: 'Västerbotten',
  25: 'Norrbotten',
};
const VACCINES = { COM: 'Comirnaty', MOD: 'Spikevax', AZ: 'Vaxzevria' };
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const state = { me: null, week: '2021-W10', vaccine: 'COM', region: '', preview: null, proj: null };

const num = (v) => new Intl.NumberFormat(locale()).format(v);
const pct = (v) => new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(v * 100);
const regionName = (c) => (c ? `${REGION_NAMES[c] || c} (${c})` : t('pl.all_regions'));
const national = () => state.me && state.me.role === 'national';

function table(caption, head, rows, opts = {}) {
  return h('table', { class: 'pl-table' },
    h('caption', { text: caption }),
    h('thead', null, h('tr', null, head.map(([text, cls]) => h('th', { scope: 'col', class: cls, text })))),
    h('tbody', null, rows.map((r) => h('tr', { class: r.cls }, r.cells.map((c, i) => (i === 0 && opts.rowHeader !== false
      ? h('th', { scope: 'row', class: c.cls }, c.node || c.text)
      : h('td', { class: c.cls }, c.node || c.text)))))));
}

const cell = (text, cls) => ({ text: String(text), cls });
const ncell = (v) => cell(v === null || v === undefined ? t('pl.none') : num(v), 'num');

function replace(id, node) {
  $(id).replaceChildren(node);
}

/* ---------------------------------------------------------------- deliveries */

function weekIndex(w) {
  const [y, n] = w.split('-W').map(Number);
  return y * 53 + n;
}

async function drawDeliveries() {
  const d = await api('GET', '/api/v1/deliveries', { query: { vaccine: state.vaccine } });
  const byWeek = new Map();
  for (const f of d.deliveries) {
    if (f.region) continue;
    const w = byWeek.get(f.week) || { week: f.week, first: null, last: null, actual: null, changes: [] };
    if (f.kind === 'forecast') {
      w.last = f.doses;
      w.first = f.changes.length ? (f.changes[0].before ?? f.changes[0].after) : f.doses;
    } else {
      w.actual = f.doses;
    }
    for (const c of f.changes) w.changes.push({ ...c, kind: f.kind });
    byWeek.set(f.week, w);
  }
  const cur = weekIndex(state.week);
  const weeks = [...byWeek.values()]
    .filter((w) => weekIndex(w.week) >= cur - 8 && weekIndex(w.week) <= cur + 4)
    .sort((a, b) => weekIndex(a.week) - weekIndex(b.week));
  const rows = weeks.map((w) => {
    const fc = w.last;
    const cut = fc !== null && w.actual !== null && w.actual < fc;
    const diff = fc !== null && w.actual !== null && fc > 0 ? (w.actual - fc) / fc : null;
    const chain = w.changes
      .filter((c) => c.before !== null)
      .map((c) => `${t(c.kind === 'actual' ? 'pl.kind.actual' : 'pl.kind.forecast')}: ${num(c.before)} → ${num(c.after)}`)
      .join('; ');
    const diffNode = diff === null ? t('pl.none') : h('span', null,
      `${diff > 0 ? '+' : ''}${pct(diff)} %`, cut ? h('span', { class: 'cut-mark', text: ` ${t('pl.cut')}` }) : null);
    return {
      cls: [cut ? 'cut' : '', w.week === state.week ? 'current' : ''].join(' ').trim() || undefined,
      cells: [cell(w.week), ncell(w.first), ncell(w.last), ncell(w.actual),
        { node: diffNode, cls: 'num' }, cell(chain || t('pl.none'))],
    };
  });
  replace('deliv', rows.length ? table(t('pl.deliv.caption', { vaccine: VACCINES[state.vaccine] }), [
    [t('pl.col.week')], [t('pl.col.first_fc'), 'num'], [t('pl.col.last_fc'), 'num'], [t('pl.col.actual'), 'num'],
    [t('pl.col.diff'), 'num'], [t('pl.col.changes')]], rows) : h('p', { text: t('pl.none') }));
}

/* ---------------------------------------------------------------- allocation */

const policyName = (p) => (p ? t(`pl.policy.${p}`) : t('pl.none'));

async function drawAllocation() {
  const q = { week: state.week, vaccine: state.vaccine, region: state.region };
  const a = await api('GET', '/api/v1/allocations', { query: q });
  $('alloc-note').textContent = a.regions.length ? t('pl.alloc.note') : t('pl.alloc.none');
  const rows = a.regions.map((r) => ({
    cells: [cell(regionName(r.region)), ncell(r.doses), ncell(r.dose1), ncell(r.reserve), cell(policyName(r.policy))],
  }));
  replace('alloc', rows.length ? table(t('pl.alloc.caption', { vaccine: VACCINES[state.vaccine], week: state.week }), [
    [t('pl.col.region')], [t('pl.col.doses'), 'num'], [t('pl.col.dose1'), 'num'], [t('pl.col.reserve'), 'num'],
    [t('pl.col.policy')]], rows) : h('p'));
  const query = new URLSearchParams(Object.entries(q).filter(([, v]) => v)).toString();
  $('dl-csv').href = `/api/v1/allocations.csv?${query}`;
  $('dl-xlsx').href = `/api/v1/allocations.xlsx?${query}`;
  $('allocate').hidden = !national();
  const name = regionName(state.region);
  if (!state.region) {
    $('sites-h').textContent = t('pl.sites.choose');
    replace('sites', h('p', { text: t('pl.sites.pick') }));
    return;
  }
  $('sites-h').textContent = t('pl.sites.title', { name });
  const srows = a.sites.map((s) => ({
    cells: [cell(s.name), cell(s.code), ncell(s.doses), ncell(s.dose1), ncell(s.reserve)],
  }));
  replace('sites', srows.length ? table(t('pl.sites.caption', { name, week: state.week }), [
    [t('pl.col.site')], [t('pl.col.code')], [t('pl.col.doses'), 'num'], [t('pl.col.dose1'), 'num'],
    [t('pl.col.reserve'), 'num']], srows) : h('p', { text: t('pl.alloc.none') }));
}

async function allocate() {
  const r = await api('POST', '/api/v1/allocations', { body: { week: state.week, vaccine: state.vaccine } });
  await drawAllocation();
  $('alloc-note').textContent = t('pl.alloc.done', { doses: num(r.regions.reduce((s, x) => s + x.doses, 0)), n: r.regions.length });
}

/* ---------------------------------------------------------------- projection */

function svgEl(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const k of kids) el.append(k);
  return el;
}

function drawChart(p) {
  const W = 760, H = 320, L = 48, R = 40, T = 12, B = 40;
  const n = p.weeks.length;
  const x = (i) => L + (n > 1 ? (i * (W - L - R)) / (n - 1) : 0);
  const y = (v) => T + (1 - v) * (H - T - B);
  const cur = p.weeks.findIndex((w) => w.week === state.week);
  const last = p.weeks[cur >= 0 ? cur : n - 1];
  const titleId = 'proj-title', descId = 'proj-desc';
  const svg = svgEl('svg', { class: 'pl-chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}` },
    svgEl('title', { id: titleId }, $('proj-h').textContent),
    svgEl('desc', { id: descId }, t('pl.proj.desc', { week: last.week, d1: pct(last.dose1_p50), fv: pct(last.full_p50) })));
  for (let v = 0; v <= 1.0001; v += 0.25) {
    svg.append(svgEl('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.append(svgEl('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, `${Math.round(v * 100)} %`));
  }
  const band = (lo, hi, cls) => {
    const up = p.weeks.map((w, i) => `${x(i)},${y(w[hi])}`);
    const down = p.weeks.map((w, i) => `${x(i)},${y(w[lo])}`).reverse();
    svg.append(svgEl('polygon', { class: cls, points: up.concat(down).join(' ') }));
  };
  const line = (k, cls) => svg.append(svgEl('polyline', { class: cls, points: p.weeks.map((w, i) => `${x(i)},${y(w[k])}`).join(' ') }));
  band('dose1_p10', 'dose1_p90', 'band-d1');
  band('full_p10', 'full_p90', 'band-fv');
  line('dose1_p50', 'line-d1');
  line('full_p50', 'line-fv');
  if (cur >= 0) svg.append(svgEl('line', { class: 'now', x1: x(cur), x2: x(cur), y1: T, y2: H - B }));
  svg.append(svgEl('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  for (let i = 0; i < n; i += Math.max(1, Math.ceil(n / 8))) {
    svg.append(svgEl('text', { x: x(i), y: H - B + 18, 'text-anchor': 'middle' }, p.weeks[i].week));
  }
  const legend = h('ul', { class: 'pl-legend' },
    h('li', null, h('span', { class: 'sw sw-d1', 'aria-hidden': 'true' }), t('pl.proj.d1')),
    h('li', null, h('span', { class: 'sw sw-fv', 'aria-hidden': 'true' }), t('pl.proj.fv')),
    h('li', null, h('span', { class: 'sw sw-band', 'aria-hidden': 'true' }), t('pl.proj.band')));
  $('proj').replaceChildren(svg, legend);
  const rows = p.weeks.map((w) => ({
    cells: [cell(w.week), cell(pct(w.dose1_p10), 'num'), cell(pct(w.dose1_p50), 'num'), cell(pct(w.dose1_p90), 'num'),
      cell(pct(w.full_p50), 'num'), ...w.group_dose1_p50.map((g) => cell(pct(g), 'num'))],
  }));
  replace('proj-table', table(t('pl.proj.caption'), [[t('pl.col.week')], [t('pl.col.d1_p10'), 'num'],
    [t('pl.col.d1_p50'), 'num'], [t('pl.col.d1_p90'), 'num'], [t('pl.col.fv_p50'), 'num'], [t('pl.col.g80'), 'num'],
    [t('pl.col.g65'), 'num'], [t('pl.col.g18'), 'num']], rows));
}

async function drawProjection() {
  $('proj-h').textContent = t('pl.proj.title', { name: regionName(state.region) });
  if (!state.proj || state.proj.region !== state.region) {
    state.proj = await api('GET', '/api/v1/projections', { query: { region: state.region, runs: 50, seed: 1 } });
  }
  drawChart(state.proj);
}

/* ---------------------------------------------------------------- re-plan */

function replanIntro() {
  const regional = !national() || state.region;
  $('replan-intro').textContent = t(regional ? 'pl.replan.intro_region' : 'pl.replan.intro_national');
  $('doses-label').textContent = t(regional ? 'pl.replan.doses_region' : 'pl.replan.doses_national');
}

function showReplan(r) {
  const title = t(r.applied ? 'pl.replan.applied_title' : 'pl.replan.preview_title', {
    before: r.doses_before === null ? t('pl.none') : num(r.doses_before), after: num(r.doses_after),
  });
  const totals = h('ul', { class: 'pl-totals' },
    [['pl.replan.closed', r.totals.closed_slots], ['pl.replan.cancelled', r.totals.cancelled],
      ['pl.replan.moved', r.totals.moved], ['pl.replan.uncovered', r.totals.uncovered2]]
      .map(([k, v]) => h('li', null, h('strong', { text: num(v) }), ` ${t(k)}`)));
  const rows = r.changes.map((c) => ({
    cells: [cell(c.name || c.code || c.site_id), cell(c.week), ncell(c.supply_before), ncell(c.supply_after),
      ncell(c.close_unreleased + c.close_open), ncell(c.cancel1), cell(c.moved_to || t('pl.none'))],
  }));
  $('replan-out').replaceChildren(h('h3', { id: 'replan-result', tabindex: '-1', text: title }), totals,
    rows.length ? h('div', { class: 'table-scroll' }, table(t('pl.replan.caption'), [[t('pl.col.site')], [t('pl.col.week')],
      [t('pl.col.supply_before'), 'num'], [t('pl.col.supply_after'), 'num'], [t('pl.col.close'), 'num'],
      [t('pl.col.cancel'), 'num'], [t('pl.col.moved_to')]], rows)) : h('p', { text: t('pl.replan.nochange') }));
  $('replan-result').focus();
}

function replanBody(dryRun) {
  const body = {
    week: state.week, vaccine: state.vaccine, doses: Number($('doses').value),
    kind: $('kind').value, dry_run: dryRun,
  };
  if (!national() || state.region) body.region = state.region || state.me.region;
  if ($('reason').value.trim()) body.reason = $('reason').value.trim();
  return body;
}

async function preview(ev) {
  ev.preventDefault();
  const v = $('doses').value.trim();
  const ok = /^\d+$/.test(v);
  $('doses-err').hidden = ok;
  $('doses-err').textContent = ok ? '' : t('pl.replan.doses_bad');
  $('doses').setAttribute('aria-invalid', ok ? 'false' : 'true');
  if (!ok) {
    $('doses').focus();
    return;
  }
  state.preview = replanBody(true);
  showReplan(await api('POST', '/api/v1/plans/replan', { body: state.preview }));
  $('apply').disabled = false;
}

async function apply() {
  if (!state.preview) return;
  const r = await api('POST', '/api/v1/plans/replan', { body: { ...state.preview, dry_run: false } });
  state.preview = null;
  $('apply').disabled = true;
  showReplan(r);
  await Promise.all([drawDeliveries(), drawAllocation()]);
}

/* ---------------------------------------------------------------- page */

function fillRegions() {
  const sel = $('region');
  const codes = national() ? ['', ...Object.keys(REGION_NAMES).sort()] : [state.me.region];
  sel.replaceChildren(...codes.map((c) => h('option', { value: c, text: regionName(c), selected: c === state.region })));
  sel.disabled = !national();
}

async function drawAll() {
  document.title = t('pl.doc_title');
  applyStatic(document);
  $('who').textContent = state.me ? t('signed_in_as', { name: state.me.display_name || state.me.user || '' }) : '';
  $('week').value = state.week;
  $('vaccine').value = state.vaccine;
  fillRegions();
  replanIntro();
  await Promise.all([drawDeliveries(), drawAllocation(), drawProjection()]);
}

async function run(fn) {
  const status = $('status');
  status.hidden = false;
  status.textContent = t('loading');
  try {
    await fn();
    $('error').hidden = true;
  } catch (e) {
    $('error').hidden = false;
    const detail = e instanceof ApiError && e.problem && e.problem.detail ? ` ${e.problem.detail}` : '';
    $('error').textContent = t('pl.error', { status: e && e.status !== undefined ? e.status : '?' }) + detail;
  }
  status.textContent = '';
  status.hidden = true;
}

async function main() {
  document.documentElement.lang = lang();
  applyStatic(document);
  $('lang').setAttribute('lang', lang() === 'sv' ? 'en' : 'sv');
  $('lang').addEventListener('click', () => {
    setLang(lang() === 'sv' ? 'en' : 'sv');
    $('lang').setAttribute('lang', lang() === 'sv' ? 'en' : 'sv');
    if (state.me) run(drawAll);
    else applyStatic(document);
  });
  try {
    state.me = await api('GET', '/api/v1/me');
  } catch {
    state.me = null;
  }
  const role = state.me && state.me.role;
  if (role !== 'national' && role !== 'regional_coordinator') {
    $('status').hidden = true;
    $('signin').hidden = false;
    for (const s of document.querySelectorAll('main > section, #pick')) s.hidden = true;
    return;
  }
  if (role === 'regional_coordinator') state.region = state.me.region;
  $('pick').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const w = $('week').value.trim().toUpperCase();
    const ok = /^\d{4}-W\d{2}$/.test(w);
    $('week-err').hidden = ok;
    $('week-err').textContent = ok ? '' : t('pl.week_bad');
    $('week').setAttribute('aria-invalid', ok ? 'false' : 'true');
    if (!ok) {
      $('week').focus();
      return;
    }
    state.week = w;
    state.vaccine = $('vaccine').value;
    state.region = $('region').value;
    run(drawAll);
  });
  $('allocate').addEventListener('click', () => run(allocate));
  $('replan').addEventListener('submit', (ev) => run(() => preview(ev)));
  $('apply').addEventListener('click', () => run(apply));
  await run(drawAll);
}

main();

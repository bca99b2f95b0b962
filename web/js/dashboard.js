/*
 * dashboard.js — the situational picture (web/dashboard.html), Swedish and English.
 *
 * Public figures come from public routes, so the page works without signing in and
 * every count of 1–4 arrives already hidden ("<5"):
 *   /api/v1/stats/coverage   coverage per region, per age band, per municipality
 *                            (measure persons = at least 1 dose, full = fully vaccinated)
 *   /api/v1/stats/compare    vaxchain's weekly cumulative count beside FoHM's
 *   /api/v1/reports/dashboard  doses given, deliveries per week, stock in days, wastage,
 *                            the region's municipalities (names for the drill-down)
 * The traffic-light board (/api/v1/reports/traffic-light/national) needs a regional
 * coordinator or national session; otherwise the page says how to sign in.
 *
 * Drill-down: choosing a region redraws the age, series and supply charts for it and
 * lists its municipalities; a municipality's button shows its age bands. Charts are
 * drawn by js/chart.js (SVG, accessible). Language: the header button, kept in
 * localStorage like the other pages.
 */
import { api, ApiError } from './api.js';
import { t, lang, setLang, applyStatic, locale } from './i18n.js';
import { AREAS } from './i18n-dashboard.js';
import { h } from './ui.js';
import { barChart, lineChart } from './chart.js';

const $ = (id) => document.getElementById(id);
const state = { me: null, dash: null, region: '', regionNames: {}, munis: [] };

function pct(share) {
  return share === null || share === undefined ? null : Math.round(share * 1000) / 10;
}

function num(v) {
  return new Intl.NumberFormat(locale()).format(v);
}

function fmtPct(v) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(v);
}

/* A count cell: the number, or the suppression text the API gave. */
function countText(obj, name) {
  const v = obj[name];
  if (v === null || v === undefined) return obj[`${name}_display`] || obj.display || '–';
  return num(v);
}

async function getJson(path, query) {
  try {
    return await api('GET', path, { query });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 401 || e.status === 403)) return null;
    throw e;
  }
}

function regionName(code) {
  if (!code) return t('db.sweden');
  return state.regionNames[code] || code;
}

function replace(el, node) {
  el.replaceChildren(node || h('p', { class: 'muted', text: t('db.none') }));
}

/* ------------------------------------------------------------ charts */

async function drawCoverage() {
  const [p1, full] = await Promise.all([
    getJson('/api/v1/stats/coverage', { measure: 'persons', by: 'region' }),
    getJson('/api/v1/stats/coverage', { measure: 'full', by: 'region' }),
  ]);
  if (!p1 || !p1.cells) return replace($('cov-chart'), null);
  const codes = state.dash.regions.map((r) => r.code);
  const share = (res, code) => {
    const c = res && res.cells ? res.cells.find((x) => x.region === code) : null;
    return c ? pct(c.share) : 0;
  };
  const d1 = codes.map((c) => share(p1, c));
  const df = codes.map((c) => share(full, c));
  const desc = codes.map((c, i) => `${regionName(c)}: ${fmtPct(d1[i] || 0)} %, ${fmtPct(df[i] || 0)} %`).join('; ');
  replace($('cov-chart'), barChart({
    title: t('db.cov.title'),
    desc: `${t('db.cov.desc')} ${desc}`,
    categories: codes.map(regionName),
    series: [{ name: t('db.dose1'), values: d1 }, { name: t('db.full'), values: df }],
    horizontal: true,
    labelWidth: 190,
    unit: ' %',
    max: Math.max(10, ...d1.map((v) => v || 0)),
    format: fmtPct,
    missing: '<5',
    width: 560,
  }));
}

async function drawAges(targetId, headingId, name, query, titleKey, descKey) {
  $(headingId).textContent = t(titleKey, { name });
  const res = await getJson('/api/v1/stats/coverage', { measure: 'persons', by: 'age', ...query });
  if (!res || !res.cells || !res.cells.length) return replace($(targetId), null);
  const cats = res.cells.map((c) => c.age);
  const vals = res.cells.map((c) => pct(c.share));
  const desc = res.cells.map((c) => `${c.age}: ${c.n === null ? c.display : `${fmtPct(pct(c.share))} %`}`).join('; ');
  replace($(targetId), barChart({
    title: t(titleKey, { name }),
    desc: `${t(descKey, { name })} ${desc}`,
    categories: cats,
    series: [{ name: t('db.dose1'), values: vals }],
    unit: ' %',
    format: fmtPct,
    missing: '<5',
    width: 560,
    height: 280,
  }));
}

/* ISO week "2021-W10" of a "YYYY-MM-DD" date. */
function isoWeek(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const wd = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - wd);
  const y0 = new Date(Date.UTC(date.getUTCFullYear(), 0, 1));
  const w = Math.ceil(((date - y0) / 86400000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(w).padStart(2, '0')}`;
}

/* Shares (%) per week up to the dashboard's date: vaxchain's cumulative persons with
 * at least 1 dose of the population, and FoHM's published share (the demo population
 * is a sample, so shares compare where counts cannot). */
async function drawSeries() {
  const name = regionName(state.region);
  $('series-h').textContent = t('db.series.title', { name });
  const through = isoWeek(state.dash.date);
  const region = state.region || '00';
  const [ours, off] = await Promise.all([
    getJson('/api/v1/stats/coverage', {
      measure: 'persons', by: 'week', cumulative: 'true', week: `..${through}`,
      region: state.region || undefined,
    }),
    getJson('/api/v1/stats/official', {
      dataset: 'region_week', region, measure: 'persons_dose1_cum', week: `..${through}`,
    }),
  ]);
  const weeks = new Map();
  for (const c of (ours && ours.cells) || []) weeks.set(c.week, { ours: pct(c.share), off: null });
  for (const r of (off && off.rows) || []) {
    const e = weeks.get(r.week) || { ours: null, off: null };
    e.off = r.share === null || r.share === undefined ? null : Math.round(r.share * 1000) / 10;
    weeks.set(r.week, e);
  }
  const keys = [...weeks.keys()].filter((w) => w <= through).sort();
  if (!keys.length) return replace($('series-chart'), null);
  const ov = keys.map((w) => weeks.get(w).ours);
  const fv = keys.map((w) => weeks.get(w).off);
  const last = keys.length - 1;
  replace($('series-chart'), lineChart({
    title: t('db.series.title', { name }),
    desc: `${t('db.series.desc')} ${keys[last]}: vaxchain ${ov[last] === null ? '–' : fmtPct(ov[last])} %, ${t('db.series.fohm')} ${fv[last] === null ? '–' : fmtPct(fv[last])} %.`,
    labels: keys.map((w) => w.replace(/^\d{4}-/, '')),
    series: [
      { name: t('db.series.ours'), values: ov, cls: 'series-0' },
      { name: t('db.series.fohm'), values: fv, cls: 'official' },
    ],
    unit: ' %',
    format: fmtPct,
    missing: '<5',
    width: 560,
    height: 280,
  }));
}

async function drawSupply() {
  const name = regionName(state.region);
  $('supply-h').textContent = t('db.supply.title', { name });
  if (!state.region) {
    replace($('supply-chart'), h('p', { class: 'muted', text: t('db.supply.pick') }));
    return;
  }
  const res = await getJson('/api/v1/reports/dashboard', { region: state.region, weeks: 10 });
  const r = res && res.regions && res.regions[0];
  if (!r || !r.weeks) return replace($('supply-chart'), null);
  state.munis = r.municipalities || [];
  replace($('supply-chart'), barChart({
    title: t('db.supply.title', { name }),
    desc: `${t('db.supply.desc')} ${r.weeks.map((w) => `${w.week}: ${w.delivered} / ${w.given === null ? w.given_display : w.given}`).join('; ')}`,
    categories: r.weeks.map((w) => w.week.replace(/^\d{4}-/, '')),
    series: [
      { name: t('db.supply.delivered'), values: r.weeks.map((w) => w.delivered), cls: 'delivered' },
      { name: t('db.supply.given'), values: r.weeks.map((w) => w.given), cls: 'series-0' },
    ],
    format: num,
    missing: '<5',
    width: 560,
    height: 280,
  }));
}

function drawStock() {
  const rows = state.dash.regions.map((r) => h('tr', { dataset: { region: r.code } },
    h('th', { scope: 'row', text: r.name }),
    h('td', { class: 'num', text: countText(r, 'doses_7d') }),
    h('td', { class: 'num', text: r.stock_doses === null ? '–' : num(r.stock_doses) }),
    h('td', { class: 'num' }, r.stock_days === null ? (r.stock_days_display || '–') : fmtPct(r.stock_days),
      r.stock_source === 'estimate' && r.stock_days !== null ? h('span', { class: 'muted small', text: ` (${t('db.stock.estimate')})` }) : null),
    h('td', { class: 'num', text: r.wastage_pct === null ? '–' : `${fmtPct(r.wastage_pct)} %` })));
  replace($('stock-table'), h('table', { class: 'db-table', id: 'stock' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: t('db.region') }),
      h('th', { scope: 'col', class: 'num', text: t('db.stock.given7') }),
      h('th', { scope: 'col', class: 'num', text: t('db.stock.doses') }),
      h('th', { scope: 'col', class: 'num', text: t('db.stock.days') }),
      h('th', { scope: 'col', class: 'num', text: t('db.stock.waste') }))),
    h('tbody', {}, rows)));
}

/* ------------------------------------------------------------ drill-down */

async function drawMunicipalities() {
  const box = $('muni');
  if (!state.region) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  $('muni-detail').hidden = true;
  const name = regionName(state.region);
  $('muni-h').textContent = t('db.muni.title', { name });
  const res = await getJson('/api/v1/stats/coverage', { measure: 'persons', by: 'kommun', region: state.region });
  const cells = (res && res.cells) || [];
  const rows = state.munis.map((m) => {
    const c = cells.find((x) => x.kommun === m.code);
    const persons = c ? (c.n === null ? c.display : num(c.n)) : '0';
    const share = c && c.share !== null && c.share !== undefined ? `${fmtPct(pct(c.share))} %` : '–';
    const pop = c && c.population !== null && c.population !== undefined ? num(c.population) : '–';
    return h('tr', { dataset: { kommun: m.code } },
      h('th', { scope: 'row' }, h('button', {
        type: 'button', class: 'link-button', text: m.name,
        'aria-label': t('db.muni.open', { name: m.name }),
        onclick: () => openMunicipality(m),
      })),
      h('td', { class: 'num', text: persons }),
      h('td', { class: 'num', text: pop }),
      h('td', { class: 'num', text: share }));
  });
  replace($('muni-table'), h('table', { class: 'db-table', id: 'muni-list' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: t('db.muni.kommun') }),
      h('th', { scope: 'col', class: 'num', text: t('db.muni.persons') }),
      h('th', { scope: 'col', class: 'num', text: t('db.muni.pop') }),
      h('th', { scope: 'col', class: 'num', text: t('db.muni.share') }))),
    h('tbody', {}, rows)));
}

async function openMunicipality(m) {
  state.kommun = m;
  $('muni-detail').hidden = false;
  await drawAges('muni-chart', 'muni-detail-h', m.name, { filter: `kommun:${m.code}` },
    'db.muni.detail', 'db.muni.detail_desc');
  $('muni-detail-h').focus();
}

/* ------------------------------------------------------------ board */

async function drawBoard() {
  const month = state.dash.date.slice(0, 7);
  $('board-h').textContent = t('db.board.title', { month });
  const role = state.me && state.me.role;
  const allowed = role === 'regional_coordinator' || role === 'national';
  $('board-signin').hidden = allowed;
  $('board-body').hidden = !allowed;
  if (!allowed) return;
  $('board-file').hidden = role !== 'regional_coordinator';
  const c = await api('GET', '/api/v1/reports/traffic-light/national', { query: { month } });
  $('board-filed').textContent = t('db.board.filed', { n: c.regions_filed, total: c.regions_total });
  for (const f of ['html', 'pdf', 'xlsx']) {
    $(`dl-${f}`).href = `/api/v1/reports/traffic-light/national?month=${month}&format=${f}&lang=${lang()}`;
  }
  const head = h('tr', {}, h('th', { scope: 'col', text: t('db.region') }),
    AREAS.map((a) => h('th', { scope: 'col', text: t(`area.${a}`) })));
  const rows = c.regions.map((r) => h('tr', { dataset: { region: r.code, filed: r.filed } },
    h('th', { scope: 'row', text: r.name }),
    r.filed
      ? AREAS.map((a) => {
        const col = r.colors[a];
        return h('td', { dataset: { area: a, color: col } }, h('span', { class: `tl tl-${col}`, text: t(`color.${col}`) }));
      })
      : h('td', { colspan: AREAS.length, class: 'muted', dataset: { area: 'all' }, text: t('db.board.not_filed') })));
  replace($('board-table'), h('table', { class: 'db-table board', id: 'board-grid' },
    h('thead', {}, head), h('tbody', {}, rows)));
}

/* ------------------------------------------------------------ page */

function fillRegionPicker() {
  const sel = $('region');
  sel.replaceChildren(h('option', { value: '', text: t('db.sweden') }),
    ...state.dash.regions.map((r) => h('option', { value: r.code, text: r.name })));
  sel.value = state.region;
}

async function drawAll() {
  document.title = t('db.doc_title');
  applyStatic(document);
  $('asof').textContent = t('db.asof', { date: state.dash.date });
  $('who').textContent = state.me ? t('signed_in_as', { name: state.me.display_name || state.me.user || '' }) : '';
  fillRegionPicker();
  drawStock();
  await Promise.all([drawCoverage(), drawRegionParts(), drawBoard()]);
}

async function drawRegionParts() {
  const name = regionName(state.region);
  await Promise.all([
    drawAges('age-chart', 'age-h', name, state.region ? { region: state.region } : {}, 'db.age.title', 'db.age.desc'),
    drawSeries(),
    drawSupply().then(drawMunicipalities),
  ]);
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
    $('error').textContent = t('db.error', { status: e && e.status !== undefined ? e.status : '?' });
  }
  status.textContent = '';
  status.hidden = true;
}

async function main() {
  document.documentElement.lang = lang();
  $('lang').addEventListener('click', () => {
    setLang(lang() === 'sv' ? 'en' : 'sv');
    $('lang').setAttribute('lang', lang() === 'sv' ? 'en' : 'sv');
    run(drawAll);
  });
  $('lang').setAttribute('lang', lang() === 'sv' ? 'en' : 'sv');
  $('region').addEventListener('change', (ev) => {
    state.region = ev.target.value;
    run(drawRegionParts);
  });
  $('muni-back').addEventListener('click', () => {
    $('muni-detail').hidden = true;
    $('region').focus();
  });
  await run(async () => {
    state.me = await getJson('/api/v1/me');
    state.dash = await api('GET', '/api/v1/reports/dashboard');
    for (const r of state.dash.regions) state.regionNames[r.code] = r.name;
    const q = new URLSearchParams(location.search).get('region');
    if (q && state.regionNames[q]) state.region = q;
    await drawAll();
  });
}

main();

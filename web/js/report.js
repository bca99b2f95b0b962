/*
 * report.js — filing the region's traffic-light report (web/report.html).
 *
 * For a regional coordinator (GET /api/v1/me); anyone else is told to sign in. The
 * form has one fieldset per area: four colour radio buttons and a reason. Next to
 * each area the colour vaxchain suggests from data (GET .../suggestions) with its
 * explanation and a button that takes it over. Sending posts the report
 * (POST /api/v1/reports/traffic-light); field errors come back as problem+json and
 * are shown at the area they name. The month's history (every filing, superseded
 * ones included) is listed below and refreshed after each filing.
 */
import { api, ApiError } from './api.js';
import { t, lang, setLang, applyStatic } from './i18n.js';
import { AREAS, COLORS } from './i18n-dashboard.js';
import { h, fmtDateTime } from './ui.js';

const $ = (id) => document.getElementById(id);
const state = { me: null, suggestions: null, month: '' };

function monthOfToday(dash) {
  return dash && dash.date ? dash.date.slice(0, 7) : new Date().toISOString().slice(0, 7);
}

function areaBlock(code) {
  const sug = state.suggestions && state.suggestions.suggestions[code];
  const radios = COLORS.map((c) => {
    const id = `c-${code}-${c}`;
    return h('label', { for: id },
      h('input', { type: 'radio', id, name: `color-${code}`, value: c, checked: c === 'unknown' }),
      h('span', { class: `tl tl-${c}`, text: t(`color.${c}`) }));
  });
  const reasonId = `r-${code}`;
  const hintId = `h-${code}`;
  const sugBox = sug ? h('div', { class: 'suggestion', dataset: { suggested: sug.color } },
    h('strong', { text: `${t('rp.suggestion')} ` }),
    h('span', { class: `tl tl-${sug.color}`, text: t(`color.${sug.color}`) }),
    h('p', { class: 'small', text: sug.text[lang()] || sug.text.sv }),
    sug.color !== 'unknown'
      ? h('button', {
        type: 'button', class: 'btn btn-secondary', text: t('rp.use'),
        'aria-label': `${t('rp.use')}: ${t(`area.${code}`)}`,
        onclick: () => {
          const r = document.querySelector(`input[name="color-${code}"][value="${sug.color}"]`);
          if (r) r.checked = true;
          const ta = $(reasonId);
          if (!ta.value && sug.color !== 'green') ta.value = sug.text[lang()] || sug.text.sv;
        },
      })
      : null) : null;
  return h('fieldset', { class: 'area-row', id: `area-${code}`, dataset: { area: code } },
    h('legend', { text: t(`area.${code}`) }),
    h('div', { class: 'color-choices' }, radios),
    sugBox,
    h('div', { class: 'field' },
      h('label', { for: reasonId, text: t('rp.reason') }),
      h('p', { class: 'hint', id: hintId, text: t('rp.reason_hint') }),
      h('textarea', { id: reasonId, name: `reason-${code}`, maxlength: 500, 'aria-describedby': hintId }),
      h('p', { class: 'field-error', id: `e-${code}`, hidden: true })));
}

async function loadSuggestions() {
  try {
    state.suggestions = await api('GET', '/api/v1/reports/traffic-light/suggestions', { query: { month: state.month } });
  } catch {
    state.suggestions = null;
  }
}

function keepValues() {
  const v = {};
  for (const a of AREAS) {
    const c = document.querySelector(`input[name="color-${a}"]:checked`);
    const r = $(`r-${a}`);
    v[a] = { color: c ? c.value : 'unknown', reason: r ? r.value : '' };
  }
  return v;
}

function drawForm(values) {
  $('region-line').textContent = t('rp.region', { code: state.me.region });
  $('areas').replaceChildren(...AREAS.map(areaBlock));
  if (values) {
    for (const a of AREAS) {
      const c = document.querySelector(`input[name="color-${a}"][value="${values[a].color}"]`);
      if (c) c.checked = true;
      $(`r-${a}`).value = values[a].reason;
    }
  }
}

async function drawHistory() {
  const res = await api('GET', '/api/v1/reports/traffic-light', { query: { month: state.month, history: 'true' } });
  $('history-box').hidden = false;
  const items = res.reports.slice().reverse().map((r) => h('li', { dataset: { id: r.id } },
    h('strong', { text: `${r.superseded_by === null ? t('rp.current') : t('rp.superseded')}: ` }),
    t('rp.filed_by', { who: r.filed_by, time: fmtDateTime(r.filed_at) }),
    h('ul', { class: 'history-areas' }, AREAS.map((a) => h('li', {},
      `${t(`area.${a}`)}: `, h('span', { class: `tl tl-${r.areas[a].color}`, text: t(`color.${r.areas[a].color}`) }),
      r.areas[a].reason ? ` – ${r.areas[a].reason}` : '')))));
  $('history').replaceChildren(...(items.length ? items : [h('li', { text: t('rp.history_none') })]));
}

function clearErrors() {
  for (const a of AREAS) {
    const e = $(`e-${a}`);
    if (e) {
      e.hidden = true;
      e.textContent = '';
    }
    const ta = $(`r-${a}`);
    if (ta) ta.removeAttribute('aria-invalid');
  }
}

async function submit(ev) {
  ev.preventDefault();
  clearErrors();
  const areas = {};
  for (const a of AREAS) {
    const c = document.querySelector(`input[name="color-${a}"]:checked`);
    areas[a] = { color: c ? c.value : 'unknown', reason: $(`r-${a}`).value.trim() };
  }
  const box = $('result');
  try {
    const r = await api('POST', '/api/v1/reports/traffic-light', { body: { month: $('month').value, areas } });
    box.className = 'alert alert-ok';
    box.replaceChildren(...[h('p', { text: t('rp.sent', { time: fmtDateTime(r.filed_at) }) }),
      r.supersedes !== null ? h('p', { text: t('rp.supersedes') }) : null,
      h('p', {}, h('a', { href: '/dashboard.html#board', text: t('rp.to_board') }))].filter(Boolean));
    box.hidden = false;
    await drawHistory();
    box.focus();
  } catch (e) {
    box.className = 'alert alert-error';
    const errs = (e instanceof ApiError && e.problem && e.problem.errors) || [];
    box.replaceChildren(h('p', { text: (e.problem && e.problem.detail) || e.message }));
    box.hidden = false;
    for (const fe of errs) {
      const code = String(fe.field || '').replace(/^areas\./, '').replace(/\..*$/, '');
      const slot = $(`e-${code}`);
      if (slot) {
        slot.textContent = fe.reason;
        slot.hidden = false;
        $(`r-${code}`).setAttribute('aria-invalid', 'true');
      }
    }
  }
}

async function drawAll(values) {
  document.title = t('rp.doc_title');
  applyStatic(document);
  $('who').textContent = state.me ? t('signed_in_as', { name: state.me.display_name || state.me.user }) : '';
  if (!state.me || state.me.role !== 'regional_coordinator') {
    $('signin').hidden = false;
    return;
  }
  $('form').hidden = false;
  drawForm(values);
  await drawHistory();
}

async function main() {
  document.documentElement.lang = lang();
  const status = $('status');
  try {
    state.me = await api('GET', '/api/v1/me').catch(() => null);
    const dash = await api('GET', '/api/v1/reports/dashboard').catch(() => null);
    state.month = new URLSearchParams(location.search).get('month') || monthOfToday(dash);
    $('month').value = state.month;
    if (state.me && state.me.role === 'regional_coordinator') await loadSuggestions();
    await drawAll(null);
  } finally {
    status.hidden = true;
  }
  $('result').setAttribute('tabindex', '-1');
  $('form').addEventListener('submit', submit);
  $('month').addEventListener('change', async () => {
    state.month = $('month').value;
    await loadSuggestions();
    await drawAll(null);
  });
  $('lang').setAttribute('lang', lang() === 'sv' ? 'en' : 'sv');
  $('lang').addEventListener('click', async () => {
    const v = state.me && state.me.role === 'regional_coordinator' ? keepValues() : null;
    setLang(lang() === 'sv' ? 'en' : 'sv');
    $('lang').setAttribute('lang', lang() === 'sv' ? 'en' : 'sv');
    await drawAll(v);
  });
}

main();

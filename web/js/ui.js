/*
 * ui.js — small DOM and formatting helpers shared by the views.
 *
 * h() builds elements from data (text is always set as text, never parsed as
 * HTML, so names and server messages cannot inject markup). Dates from the API
 * are "YYYY-MM-DD" and times RFC 3339 in Stockholm local time; the wall-clock
 * part of the string is shown as is, so the browser's own time zone never shifts
 * an appointment.
 */
import { t, has, lang, locale } from './i18n.js';

/*
 * Create element `tag` with attributes `attrs` (on* keys become listeners,
 * `class`, `text`, boolean true → empty attribute, false/null/undefined → left out)
 * and children (strings, nodes, arrays, null/false skipped).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let uid = 0;
/* A unique element id with prefix `p`. */
export function uniqueId(p) {
  uid += 1;
  return `${p}-${uid}`;
}

/* "2021-03-08" → "måndag 8 mars 2021" / "Monday 8 March 2021". */
export function fmtDate(ymd, opts) {
  if (!ymd || typeof ymd !== 'string') return '';
  const [y, m, d] = ymd.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return ymd;
  const o = opts || { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
  return new Intl.DateTimeFormat(locale(), { ...o, timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/* Short form for day lists: "mån 8 mars" / "Mon 8 Mar". */
export function fmtDay(ymd) {
  return fmtDate(ymd, { weekday: 'short', day: 'numeric', month: 'short' });
}

/* "2021-03-08T09:15:00+01:00" → "09:15". */
export function fmtTime(rfc3339) {
  return typeof rfc3339 === 'string' && rfc3339.length >= 16 ? rfc3339.slice(11, 16) : '';
}

/* "måndag 8 mars 2021 kl. 09:15". */
export function fmtDateTime(rfc3339) {
  if (typeof rfc3339 !== 'string') return '';
  return t('date.at', { date: fmtDate(rfc3339.slice(0, 10)), time: fmtTime(rfc3339) });
}

/* Add `n` days to "YYYY-MM-DD". */
export function addDays(ymd, n) {
  const [y, m, d] = ymd.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d + n));
  return dt.toISOString().slice(0, 10);
}

/* The display name of vaccine `code`. */
export function vaccineName(code) {
  return code && has(`vaccine.${code}`) ? t(`vaccine.${code}`) : code || '';
}

/* A field name for people. */
export function fieldName(f) {
  return has(`field.${f}`) ? t(`field.${f}`) : f;
}

/* A server reason ("bad check digit: expected 6, got 7") in the user's language
 * where the dictionary knows its start; otherwise as the server wrote it. */
const REFUSAL_CODES = new Set([
  'bad_request',
  'no_person',
  'bad_code',
  'code_used',
  'key_reused',
  'has_series',
  'no_series',
  'no_slot',
  'not_eligible',
  'cohort_closed',
  'fully_vaccinated',
  'interval',
  'age',
  'slot_full',
  'no_supply',
  'store',
]);

export function reasonText(reason) {
  if (typeof reason !== 'string') return '';
  /* booking refusals: "<code>: <message in the user's language>" */
  const m = /^([a-z_]+): (.*)$/s.exec(reason);
  const r = m && REFUSAL_CODES.has(m[1]) ? m[2] : reason;
  if (lang() === 'en' || r !== reason) return r;
  const head = r.split(':')[0].trim();
  if (has(`reason.${head}`)) {
    const rest = r
      .slice(head.length)
      .replace(/^:\s*/, '')
      .replace(/^expected (\S+), got (\S+)$/, (m, a, b) =>
        t('reason.expected_got', { want: a, got: b }),
      );
    return rest ? `${t(`reason.${head}`)} (${rest})` : t(`reason.${head}`);
  }
  return r;
}

/* Move keyboard focus to `el` (made focusable when it is not). */
export function focus(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
    el.setAttribute('tabindex', '-1');
  }
  el.focus({ preventScroll: false });
}

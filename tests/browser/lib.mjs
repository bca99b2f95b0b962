/*
 * lib.mjs — what the browser tests share: where the server and chromium are, the
 * check/flow runner with its pass/fail counts, a Node-side JSON API client, and the
 * page checks every screenshot goes through (labelled controls, WCAG AA contrast,
 * visible keyboard focus). Each test script runs in its own node process, so the
 * counts in `stats` are that script's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = (process.argv[2] || 'http://127.0.0.1:8080/').replace(/\/?$/, '/');
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = process.env.VX_SCREENSHOTS || path.join(ROOT, 'build', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const T0 = Date.now();


fs.mkdirSync(SHOTS, { recursive: true });

export const stats = { passed: 0, failed: 0 };
/* console errors and uncaught page errors the tests collect (CSP violations included) */
export const consoleErrors = [];

export function log(msg) {
  console.log(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
}

export class FlowAborted extends Error {}

/* Run one check; a failure is counted and ends the flow it belongs to (the later
 * steps of a flow depend on the earlier ones). */
export async function check(name, fn) {
  try {
    await fn();
    stats.passed++;
    log(`ok   ${name}`);
  } catch (e) {
    stats.failed++;
    log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    throw new FlowAborted(name);
  }
}

/* Run a flow on a signed-out page (starting at `start`, relative to BASE); after a
 * failed check, skip the rest of it. A failure's screenshot is `<prefix>failed-<name>.png`. */
export async function flow(ctx, page, name, fn, { start = '', prefix = '' } = {}) {
  await ctx.clearCookies();
  try {
    await page.goto(new URL(start, BASE).href);
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    await fn();
  } catch (e) {
    if (!(e instanceof FlowAborted)) {
      stats.failed++;
      log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    } else {
      log(`skip the rest of ${name}`);
    }
    await page
      .screenshot({ path: path.join(SHOTS, `${prefix}failed-${name}.png`), fullPage: true })
      .catch(() => {});
  }
}

/* ------------------------------------------------------------ API helper (Node side) */

export async function apiJson(method, p, body, cookie) {
  const headers = { Accept: 'application/json', 'X-Requested-With': 'vaxchain' };
  if (body) headers['Content-Type'] = 'application/json';
  if (cookie) headers.Cookie = cookie;
  const res = await fetch(new URL(p, BASE), {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: res.status, data, cookie: (res.headers.get('set-cookie') || '').split(';')[0] };
}

/* ------------------------------------------------------------ page checks */

/* Every input/select/textarea/button on the page has an accessible name. */
export async function assertLabelled(page) {
  const bad = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (el.type === 'hidden' || el.closest('[hidden]')) continue;
      const named =
        (el.labels && el.labels.length > 0) ||
        el.getAttribute('aria-label') ||
        el.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' && el.textContent.trim());
      if (!named) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
  assert.deepEqual(bad, [], `unlabelled controls: ${bad.join(' | ')}`);
}

/*
 * Text contrast against the effective background: at least 4.5:1, or 3:1 for
 * large text (24 px, or 18.66 px bold). Disabled controls are exempt (WCAG 1.4.3).
 */
export async function assertContrast(page) {
  const bad = await page.evaluate(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const p = m[1]
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const blend = (fg, bg) => ({
      r: fg.r * fg.a + bg.r * (1 - fg.a),
      g: fg.g * fg.a + bg.g * (1 - fg.a),
      b: fg.b * fg.a + bg.b * (1 - fg.a),
      a: 1,
    });
    const bgOf = (el) => {
      const stack = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) {
          stack.push(c);
          if (c.a >= 1) break;
        }
      }
      let bg = { r: 255, g: 255, b: 255, a: 1 };
      for (let i = stack.length - 1; i >= 0; i--) bg = blend(stack[i], bg);
      return bg;
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || seen.has(el)) continue;
      seen.add(el);
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (
        el.closest('[disabled], :disabled, .visually-hidden, .skip, noscript, dialog:not([open])')
      )
        continue;
      const label = el.closest('label');
      if (label && label.control && label.control.disabled) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || Number(cs.opacity) < 1) continue;
      const fg0 = parse(cs.color);
      if (!fg0) continue;
      const bg = bgOf(el);
      const fg = blend(fg0, bg);
      const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        out.push(`${ratio.toFixed(2)}:1 "${n.textContent.trim().slice(0, 40)}"`);
    }
    return out;
  });
  assert.deepEqual(bad, [], `low contrast: ${bad.join(' | ')}`);
}

/* Screenshot `file`.png of the whole page, then the page checks. */
export async function shot(page, file) {
  await page.waitForTimeout(50); /* let focus rings and fonts settle */
  await page.screenshot({ path: path.join(SHOTS, `${file}.png`), fullPage: true });
  await assertLabelled(page);
  await assertContrast(page);
}

/* Press Tab until `locator` has focus (at most `max` presses); the focus must be visible. */
export async function tabTo(page, locator, max = 40) {
  const handle = await locator.elementHandle();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await handle.evaluate((el) => el === document.activeElement)) {
      const visible = await handle.evaluate((el) => {
        const cs = getComputedStyle(el);
        const label = el.labels && el.labels[0] ? getComputedStyle(el.labels[0]) : null;
        const ring = (s) =>
          s &&
          ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none');
        return el.matches(':focus-visible') && (ring(cs) || ring(label));
      });
      assert.ok(visible, 'focus is not visible');
      return;
    }
  }
  throw new Error(`Tab never reached ${locator}`);
}

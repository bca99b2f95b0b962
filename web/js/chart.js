/*
 * chart.js — vaxchain's own small SVG charts: bars (grouped or stacked, vertical or
 * horizontal) and lines, with axes, tick labels, a legend and <title>/<desc>.
 *
 * Why our own (docs/dashboard.md): the dashboard needs four chart shapes, no
 * animation and no interaction beyond tooltips; ~250 lines of code we can read beat a
 * 200 kB dependency with its own release cycle, and the server's CSP (no inline
 * styles) rules out libraries that style nodes inline. Accessibility is built in:
 * every chart is role="img" labelled by its <title> with a <desc> that states the
 * figures in words, every bar/point has its own <title> (a tooltip and a screen-reader
 * text), and colours come from CSS classes (series-0.., ok/warn/bad) with a legend
 * that does not rely on colour alone (the names are written out). Elements are built
 * with createElementNS; text is set as text, never parsed.
 *
 * Data: numbers, or null for "not known / suppressed" (drawn as no bar, its <title>
 * says so via opts.missing, e.g. "<5").
 */
const NS = 'http://www.w3.org/2000/svg';
let uid = 0;

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

/* A "nice" upper bound and step for an axis from 0 to max. */
export function niceScale(max, ticks = 5) {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  return { max: Math.ceil(max / step) * step, step };
}

function frame(opts, w, h) {
  uid += 1;
  const id = `chart-${uid}`;
  const svg = el('svg', {
    class: `chart ${opts.className || ''}`.trim(),
    viewBox: `0 0 ${w} ${h}`,
    width: w,
    height: h,
    role: 'img',
    'aria-labelledby': `${id}-t ${id}-d`,
    preserveAspectRatio: 'xMinYMin meet',
  });
  svg.append(el('title', { id: `${id}-t` }, opts.title || ''));
  svg.append(el('desc', { id: `${id}-d` }, opts.desc || ''));
  return svg;
}

function fmt(v, opts) {
  if (v === null || v === undefined) return opts.missing || '–';
  return opts.format ? opts.format(v) : String(v);
}

function legend(svg, series, x, y) {
  let cx = x;
  series.forEach((s, i) => {
    const g = el('g', { class: 'legend' });
    g.append(el('rect', { x: cx, y: y - 10, width: 12, height: 12, class: s.cls || `series-${i}` }));
    const tx = el('text', { x: cx + 16, y, class: 'legend-text' }, s.name);
    g.append(tx);
    svg.append(g);
    cx += 28 + s.name.length * 7.2;
  });
}

/*
 * Bar chart. opts: title, desc, categories [labels], series [{name, values, cls}],
 * stacked (bool), horizontal (bool), max (axis maximum; default from the data),
 * unit ("%" appended to ticks), format(v) for value labels, missing (text for null),
 * width, height (of the vertical chart; horizontal grows with the categories).
 */
export function barChart(opts) {
  const cats = opts.categories || [];
  const series = opts.series || [];
  const horizontal = !!opts.horizontal;
  const labelW = horizontal ? opts.labelWidth || 150 : 48;
  const rowH = horizontal ? (opts.stacked ? 22 : 10 + 12 * series.length) : 0;
  const w = opts.width || 640;
  const h = horizontal ? 40 + cats.length * rowH + 40 : opts.height || 300;
  const svg = frame(opts, w, h);
  let dataMax = 0;
  cats.forEach((_, ci) => {
    if (opts.stacked) {
      const sum = series.reduce((a, s) => a + (s.values[ci] || 0), 0);
      dataMax = Math.max(dataMax, sum);
    } else series.forEach((s) => { dataMax = Math.max(dataMax, s.values[ci] || 0); });
  });
  const scale = niceScale(opts.max || dataMax);
  const top = 30;
  const unit = opts.unit || '';
  if (horizontal) {
    const plotW = w - labelW - 60;
    const x0 = labelW;
    const bottom = top + cats.length * rowH;
    for (let t = 0; t <= scale.max + 1e-9; t += scale.step) {
      const x = x0 + (plotW * t) / scale.max;
      svg.append(el('line', { x1: x, y1: top, x2: x, y2: bottom, class: 'grid' }));
      svg.append(el('text', { x, y: bottom + 16, 'text-anchor': 'middle', class: 'tick' },
        `${+t.toFixed(2)}${unit}`));
    }
    cats.forEach((c, ci) => {
      const y = top + ci * rowH;
      svg.append(el('text', { x: x0 - 6, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'cat' }, c));
      let acc = 0;
      series.forEach((s, si) => {
        const v = s.values[ci];
        const bw = v ? (plotW * v) / scale.max : 0;
        const by = opts.stacked ? y + 4 : y + 5 + si * 12;
        const bh = opts.stacked ? rowH - 8 : 10;
        const bx = opts.stacked ? x0 + (plotW * acc) / scale.max : x0;
        const r = el('rect', { x: bx, y: by, width: Math.max(0, bw), height: bh, class: s.cls || `series-${si}` });
        r.append(el('title', {}, `${c} – ${s.name}: ${fmt(v, opts)}${v === null || v === undefined ? '' : unit}`));
        svg.append(r);
        if (!opts.stacked) {
          svg.append(el('text', { x: bx + bw + 4, y: by + 9, class: 'value' },
            `${fmt(v, opts)}${v === null || v === undefined ? '' : unit}`));
        }
        acc += v || 0;
      });
    });
    svg.append(el('line', { x1: x0, y1: top, x2: x0, y2: bottom, class: 'axis' }));
    legend(svg, series, x0, 16);
    return svg;
  }
  const plotH = h - top - 50;
  const x0 = labelW;
  const plotW = w - x0 - 10;
  const y0 = top + plotH;
  for (let t = 0; t <= scale.max + 1e-9; t += scale.step) {
    const y = y0 - (plotH * t) / scale.max;
    svg.append(el('line', { x1: x0, y1: y, x2: x0 + plotW, y2: y, class: 'grid' }));
    svg.append(el('text', { x: x0 - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, `${+t.toFixed(2)}${unit}`));
  }
  const band = plotW / Math.max(1, cats.length);
  const barW = opts.stacked ? band * 0.6 : (band * 0.75) / Math.max(1, series.length);
  cats.forEach((c, ci) => {
    const bx0 = x0 + ci * band + (opts.stacked ? band * 0.2 : band * 0.125);
    let acc = 0;
    series.forEach((s, si) => {
      const v = s.values[ci];
      const bh = v ? (plotH * v) / scale.max : 0;
      const bx = opts.stacked ? bx0 : bx0 + si * barW;
      const by = opts.stacked ? y0 - (plotH * acc) / scale.max - bh : y0 - bh;
      const r = el('rect', { x: bx, y: by, width: Math.max(1, barW - 1), height: Math.max(0, bh), class: s.cls || `series-${si}` });
      r.append(el('title', {}, `${c} – ${s.name}: ${fmt(v, opts)}${v === null || v === undefined ? '' : unit}`));
      svg.append(r);
      acc += v || 0;
    });
    const lx = x0 + ci * band + band / 2;
    svg.append(el('text', { x: lx, y: y0 + 16, 'text-anchor': 'middle', class: 'cat' }, c));
  });
  svg.append(el('line', { x1: x0, y1: y0, x2: x0 + plotW, y2: y0, class: 'axis' }));
  svg.append(el('line', { x1: x0, y1: top, x2: x0, y2: y0, class: 'axis' }));
  legend(svg, series, x0, h - 10);
  return svg;
}

/*
 * Line chart. opts: title, desc, labels [x labels], series [{name, values, cls}],
 * unit, format, missing, width, height. Null values break the line.
 */
export function lineChart(opts) {
  const labels = opts.labels || [];
  const series = opts.series || [];
  const w = opts.width || 640;
  const h = opts.height || 300;
  const svg = frame(opts, w, h);
  const top = 30;
  const x0 = 64;
  const plotW = w - x0 - 16;
  const plotH = h - top - 56;
  const y0 = top + plotH;
  let dataMax = 0;
  series.forEach((s) => s.values.forEach((v) => { if (v > dataMax) dataMax = v; }));
  const scale = niceScale(opts.max || dataMax);
  const unit = opts.unit || '';
  for (let t = 0; t <= scale.max + 1e-9; t += scale.step) {
    const y = y0 - (plotH * t) / scale.max;
    svg.append(el('line', { x1: x0, y1: y, x2: x0 + plotW, y2: y, class: 'grid' }));
    svg.append(el('text', { x: x0 - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' },
      `${opts.format ? opts.format(t) : +t.toFixed(2)}${unit}`));
  }
  const dx = labels.length > 1 ? plotW / (labels.length - 1) : 0;
  const every = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((l, i) => {
    if (i % every) return;
    svg.append(el('text', { x: x0 + i * dx, y: y0 + 16, 'text-anchor': 'middle', class: 'cat' }, l));
  });
  series.forEach((s, si) => {
    const cls = s.cls || `series-${si}`;
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      const x = x0 + i * dx;
      const y = y0 - (plotH * v) / scale.max;
      d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)} `;
      pen = true;
    });
    if (d) svg.append(el('path', { d: d.trim(), class: `line ${cls}` }));
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const c = el('circle', { cx: x0 + i * dx, cy: y0 - (plotH * v) / scale.max, r: 3, class: `dot ${cls}` });
      c.append(el('title', {}, `${labels[i]} – ${s.name}: ${fmt(v, opts)}${unit}`));
      svg.append(c);
    });
  });
  svg.append(el('line', { x1: x0, y1: y0, x2: x0 + plotW, y2: y0, class: 'axis' }));
  svg.append(el('line', { x1: x0, y1: top, x2: x0, y2: y0, class: 'axis' }));
  legend(svg, series, x0, h - 10);
  return svg;
}

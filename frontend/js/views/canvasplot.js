// A small line-chart renderer on <canvas> for panels redrawn every frame (views/units.js): axes with
// ticks and labels, a title, polylines in a colour and dash, diamond markers with labels, dotted
// guides, and a hover highlight. Plotly's SVG subplots cost ~130 ms per redraw here; a canvas costs
// a few. A panel is plain data (see drawPanel); this module only draws it and finds what is hovered.
import { COLORS, FONT_SIZE } from "./theme.js";

const FONT = getComputedStyle(document.documentElement).getPropertyValue("--font").trim()
  || "system-ui, sans-serif";
const AXIS_COLOR = "#c7cdd8"; // theme.axis()'s line and tick colour, so canvas and Plotly agree
const DASHES = { solid: [], dash: [7, 4], dot: [2, 3], dashdot: [7, 3, 2, 3] };
const MARKER = 5.5; // half-diagonal of a joint's diamond, CSS px
const TICK = 4;
const PAD = 6; // between the canvas edge, labels and the plot area

/** Tick values for [lo, hi]: about `target` (at least 3) steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo, hi, target = 5) {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return { values: [lo], step: 1 };
  const power = 10 ** Math.floor(Math.log10(span / target));
  const count = (s) => Math.floor(hi / s + 1e-9) - Math.ceil(lo / s - 1e-9) + 1;
  const want = Math.max(3, target - 1);
  // the widest step that still gives enough ticks (the last one always does: span / step >= 2 target)
  const step = [10, 5, 2, 1, 0.5].map((m) => m * power).find((s) => count(s) >= want);
  const values = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k += 1) values.push(k === 0 ? 0 : k * step);
  return { values, step };
}

/** A tick's text: as many decimals as the step needs, a true minus sign. */
export function tickText(value, step) {
  const power = Math.floor(Math.log10(step) + 1e-9);
  const mantissa = Math.round((step / 10 ** power) * 10) / 10; // 1, 2, 2.5 or 5
  const decimals = Math.min(8, Math.max(0, -power + (mantissa % 1 ? 1 : 0)));
  return value.toFixed(decimals).replace("-", "\u2212");
}

/** [lo, hi] over every finite value of `rows` (and `extra`), padded 6% so no line sits on the frame. */
export function valueRange(rows, extra = []) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of rows) {
    for (const v of row) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  for (const v of extra) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [-1, 1];
  if (hi - lo < 1e-9) return [lo - Math.max(0.5, Math.abs(lo) * 0.1), hi + Math.max(0.5, Math.abs(hi) * 0.1)];
  const pad = 0.06 * (hi - lo);
  return [lo - pad, hi + pad];
}

/**
 * A canvas's drawing context for `size` {width, height} CSS px, its backing store `size.pixels`
 * [width, height] device px where the browser reports them (ResizeObserver's device-pixel box:
 * exact, so lines stay sharp), else the CSS size times devicePixelRatio.
 */
export function prepare(canvas, size) {
  const ratio = window.devicePixelRatio || 1;
  const [width, height] = size.pixels ?? [Math.round(size.width * ratio), Math.round(size.height * ratio)];
  if (canvas.width !== width || canvas.height !== height) { // resizing clears: only when it changed
    canvas.width = Math.max(1, width);
    canvas.height = Math.max(1, height);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(canvas.width / size.width, 0, 0, canvas.height / size.height, 0, 0);
  ctx.clearRect(0, 0, size.width, size.height);
  return ctx;
}

/**
 * Draw `panel` on `ctx` (from prepare) in a box of `size` CSS px; returns the geometry drawn:
 * {plot: {left, top, width, height}, xRange, yRange, xTicks, yTicks, texts: [{text, left, right,
 * top, bottom}]} (every text's box, for tests that check labels fit).
 * panel: {title, x (shared abscissae), xRange, yRange, series: [{name, y, color, dash, width}],
 * markers: [{x, y, color, label, below}], guides: [{x, color}]}; highlight: a series index drawn
 * thicker (the hovered one), or -1.
 */
export function drawPanel(ctx, panel, size, highlight = -1) {
  const texts = [];
  const yTicks = niceTicks(panel.yRange[0], panel.yRange[1], Math.max(3, Math.round(size.height / 55)));
  const xTicks = niceTicks(panel.xRange[0], panel.xRange[1], Math.max(3, Math.round(size.width / 70)));
  ctx.font = `${FONT_SIZE - 1}px ${FONT}`;
  const yLabels = yTicks.values.map((v) => tickText(v, yTicks.step));
  const labelWidth = Math.max(...yLabels.map((t) => ctx.measureText(t).width));
  const titleHeight = FONT_SIZE + 8;
  const plot = { left: PAD + labelWidth + TICK + 3, top: titleHeight + PAD };
  plot.width = Math.max(10, size.width - plot.left - PAD - 4);
  plot.height = Math.max(10, size.height - plot.top - FONT_SIZE - TICK - 2 * PAD);
  const sx = scale(panel.xRange, plot.left, plot.left + plot.width);
  const sy = scale(panel.yRange, plot.top + plot.height, plot.top);

  drawGrid(ctx, plot, xTicks.values.map(sx), yTicks.values.map(sy), sy(0), panel.yRange);
  ctx.fillStyle = COLORS.ink;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  yTicks.values.forEach((v, i) => texts.push(text(ctx, yLabels[i], plot.left - TICK - 3, sy(v))));
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const below = plot.top + plot.height + TICK + 2;
  xTicks.values.forEach((v) => texts.push(text(ctx, tickText(v, xTicks.step), sx(v), below)));

  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top - 2, plot.width, plot.height + 4);
  ctx.clip();
  for (const guide of panel.guides) drawGuide(ctx, sx(guide.x), plot, guide.color);
  panel.series.forEach((s, i) => {
    if (i !== highlight) drawLine(ctx, panel.x, s, sx, sy, s.width);
  });
  if (panel.series[highlight]) drawLine(ctx, panel.x, panel.series[highlight], sx, sy, panel.series[highlight].width + 2);
  ctx.restore();

  for (const marker of panel.markers) texts.push(drawMarker(ctx, sx(marker.x), sy(marker.y), marker));
  texts.push(drawTitle(ctx, panel.title, size.width));
  return { plot, xRange: panel.xRange, yRange: panel.yRange, xTicks: xTicks.values, yTicks: yTicks.values, texts };
}

/** A value -> pixel map of `range` onto [from, to] (also `.invert`, pixel -> value). */
function scale([lo, hi], from, to) {
  const k = (to - from) / (hi - lo || 1);
  const map = (v) => from + (v - lo) * k;
  map.invert = (p) => lo + (p - from) / k;
  return map;
}

function drawGrid(ctx, plot, xs, ys, zero, yRange) {
  ctx.lineWidth = 1;
  ctx.strokeStyle = COLORS.grid;
  ctx.beginPath();
  for (const x of xs) { ctx.moveTo(Math.round(x) + 0.5, plot.top); ctx.lineTo(Math.round(x) + 0.5, plot.top + plot.height); }
  for (const y of ys) { ctx.moveTo(plot.left, Math.round(y) + 0.5); ctx.lineTo(plot.left + plot.width, Math.round(y) + 0.5); }
  ctx.stroke();
  ctx.strokeStyle = AXIS_COLOR;
  ctx.beginPath(); // the frame's left and bottom edges, and their ticks outside
  const bottom = Math.round(plot.top + plot.height) + 0.5;
  const left = Math.round(plot.left) - 0.5;
  ctx.moveTo(left, plot.top);
  ctx.lineTo(left, bottom);
  ctx.lineTo(plot.left + plot.width, bottom);
  for (const x of xs) { ctx.moveTo(Math.round(x) + 0.5, bottom); ctx.lineTo(Math.round(x) + 0.5, bottom + TICK); }
  for (const y of ys) { ctx.moveTo(left, Math.round(y) + 0.5); ctx.lineTo(left - TICK, Math.round(y) + 0.5); }
  ctx.stroke();
  if (yRange[0] < 0 && yRange[1] > 0) { // y = 0: where a pre-activation changes sign
    ctx.strokeStyle = "#9aa3b2";
    ctx.beginPath();
    ctx.moveTo(plot.left, Math.round(zero) + 0.5);
    ctx.lineTo(plot.left + plot.width, Math.round(zero) + 0.5);
    ctx.stroke();
  }
}

function drawGuide(ctx, x, plot, color) {
  ctx.save();
  ctx.globalAlpha = 0.55;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.setLineDash(DASHES.dot);
  ctx.beginPath();
  ctx.moveTo(x, plot.top);
  ctx.lineTo(x, plot.top + plot.height);
  ctx.stroke();
  ctx.restore();
}

// One polyline; a non-finite value breaks it (as Plotly leaves a gap).
function drawLine(ctx, xs, series, sx, sy, width) {
  ctx.strokeStyle = series.color;
  ctx.lineWidth = width;
  ctx.lineJoin = "round";
  ctx.setLineDash(DASHES[series.dash] ?? []);
  ctx.beginPath();
  let open = false;
  const ys = series.y;
  for (let i = 0; i < xs.length; i += 1) {
    const v = ys[i];
    if (!Number.isFinite(v)) { open = false; continue; }
    if (open) ctx.lineTo(sx(xs[i]), sy(v));
    else ctx.moveTo(sx(xs[i]), sy(v));
    open = true;
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

// A diamond with a white rim and its label above (or below, so neighbouring labels do not merge).
function drawMarker(ctx, x, y, marker) {
  ctx.beginPath();
  ctx.moveTo(x, y - MARKER);
  ctx.lineTo(x + MARKER, y);
  ctx.lineTo(x, y + MARKER);
  ctx.lineTo(x - MARKER, y);
  ctx.closePath();
  ctx.fillStyle = marker.color;
  ctx.fill();
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.font = `600 ${FONT_SIZE - 2}px ${FONT}`;
  ctx.textAlign = "center";
  ctx.textBaseline = marker.below ? "top" : "bottom";
  ctx.lineWidth = 3; // a white halo keeps the number readable over the lines
  ctx.strokeText(marker.label, x, marker.below ? y + MARKER + 1 : y - MARKER - 1);
  ctx.fillStyle = marker.color;
  const box = text(ctx, marker.label, x, marker.below ? y + MARKER + 1 : y - MARKER - 1);
  ctx.font = `${FONT_SIZE - 1}px ${FONT}`;
  return box;
}

// The title, bold and muted, at the top left; a smaller font (then an ellipsis) if it is too wide.
function drawTitle(ctx, title, width) {
  let size = FONT_SIZE - 1;
  ctx.font = `700 ${size}px ${FONT}`;
  while (ctx.measureText(title).width > width - 2 * PAD && size > FONT_SIZE - 4) {
    size -= 1;
    ctx.font = `700 ${size}px ${FONT}`;
  }
  let shown = title;
  while (shown.length > 4 && ctx.measureText(shown).width > width - 2 * PAD) shown = `${shown.slice(0, -2)}…`;
  ctx.fillStyle = COLORS.muted;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  const box = text(ctx, shown, PAD, PAD);
  ctx.font = `${FONT_SIZE - 1}px ${FONT}`;
  return box;
}

// fillText, returning the text's box in CSS px (from the context's current alignment).
function text(ctx, value, x, y) {
  ctx.fillText(value, x, y);
  const m = ctx.measureText(value);
  return { text: value, left: x - m.actualBoundingBoxLeft, right: x + m.actualBoundingBoxRight,
    top: y - m.actualBoundingBoxAscent, bottom: y + m.actualBoundingBoxDescent };
}

/**
 * What the pointer at (px, py) CSS px is over, given a panel and the geometry drawPanel returned:
 * {marker} (within a marker's reach), {index, series} (the nearest abscissa, and the series nearest
 * the pointer there), or null outside the plot area.
 */
export function hitTest(panel, geometry, px, py) {
  const { plot } = geometry;
  const sx = scale(panel.xRange, plot.left, plot.left + plot.width);
  const sy = scale(panel.yRange, plot.top + plot.height, plot.top);
  const reach = MARKER + 3;
  const marker = panel.markers.findIndex((m) => Math.abs(sx(m.x) - px) + Math.abs(sy(m.y) - py) <= reach);
  if (marker >= 0) return { marker };
  if (px < plot.left || px > plot.left + plot.width || py < plot.top - 4 || py > plot.top + plot.height + 4) {
    return null;
  }
  const index = nearestIndex(panel.x, sx.invert(px));
  let series = -1;
  let best = Infinity;
  panel.series.forEach((s, i) => {
    const d = Math.abs(sy(s.y[index]) - py);
    if (d < best) { best = d; series = i; }
  });
  return { index, series, x: panel.x[index] };
}

// The index of the abscissa nearest `x` (xs ascending): binary search.
function nearestIndex(xs, x) {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid; else hi = mid;
  }
  return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
}

/** A vertical hairline at abscissa `x` over a drawn panel's plot area (the hovered x). */
export function drawCursor(ctx, panel, geometry, x) {
  const { plot } = geometry;
  const px = scale(panel.xRange, plot.left, plot.left + plot.width)(x);
  ctx.strokeStyle = "rgba(91, 101, 119, 0.45)"; // solid and light: not one of the dotted joint guides
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(Math.round(px) + 0.5, plot.top);
  ctx.lineTo(Math.round(px) + 0.5, plot.top + plot.height);
  ctx.stroke();
}

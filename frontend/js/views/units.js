// The lecture's hidden-unit panels for 1-input nets: pre-activation -> activation -> weighted ->
// summed (shallow), or each layer's unit outputs as functions of x (deep), with each shallow unit's
// joint (where its pre-activation is zero) marked. Only draws; it adds no math the server did not send.
// One <canvas> per panel, kept between frames (views/canvasplot.js draws them): Plotly's SVG
// subplots cost ~130 ms per frame, the page's largest cost. What was drawn stays readable for the
// browser tests: the element's `drawn` is the panels as drawn (series, markers, guides, geometry).
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().
import { bends } from "./captions.js";
import { drawCursor, drawPanel, hitTest, prepare, valueRange } from "./canvasplot.js";
import { UNIT_HUES, unitStyle } from "./palette.js";
import { COLORS, FONT_SIZE } from "./theme.js";


// Why a run has no units to draw, by status (its function is null).
const STOPPED = {
  diverged: "The run diverged: its weights are no longer finite numbers, so there are no units to draw. Reset it.",
  failed: "The server failed on this run: there are no units to draw. Reset it.",
};

const ROW_HEIGHT = 18 * FONT_SIZE; // about 235 px per row of panels on a laptop, more on a projector
const ROW_GAP = 10;
const HOVER_ROWS = 8; // a tooltip lists at most this many units (those nearest the pointer)

export class UnitsView {
  /** element: the panels' container; caption: a paragraph that explains what is (and is not) drawn. */
  constructor(element, caption) {
    this.element = element;
    this.caption = caption;
    element.classList.add("units1d");
    this.cells = []; // one per panel: {canvas, size (CSS px, from the ResizeObserver) | null}
    this.panels = []; // what is drawn, one entry per cell (see buildPanels)
    this.pointer = null; // {cell, px, py}: where the pointer is, so a new frame keeps its hover
    this.tip = document.createElement("div");
    this.tip.className = "units-tip";
    this.tip.hidden = true;
    // Sizes come from the observer, never from reading layout during a frame (a forced layout).
    this.observer = new ResizeObserver((entries) => this.#resized(entries));
    element.addEventListener("pointermove", (event) => this.#hover(event));
    element.addEventListener("pointerleave", () => this.#unhover());
    element.drawn = { panels: [] };
  }

  reset() {
    this.#empty("");
  }

  setData(snapshot) {
    this.update(snapshot);
  }

  /** A frame: its 1-D function, drawn with the run's activation (panel titles) and task. */
  update({ run, function: fn, options }) {
    const { activation } = run.config.model;
    this.element.dataset.joints = "0";
    if (!fn && STOPPED[run.status]) return this.#empty(STOPPED[run.status]);
    if (!fn || fn.kind !== "1d") return this.#empty("Hidden units are drawn for networks with one input.");
    const units = fn.units;
    if (!units) {
      return this.#empty(`Too many hidden units per layer to draw one by one (over ${options.limits.max_units_shown}).`);
    }
    if (!units.layers.length) {
      return this.#empty("No hidden layer: the network is y = β₀ + β₁x, i.e. linear regression.");
    }
    const panels = buildPanels(fn, units, activation, run.task, bends(run.config.model, options));
    const joints = panels[0].markers;
    this.element.dataset.joints = String(joints.length);
    this.element.hidden = false;
    this.#cellsFor(panels.length);
    // the last frame's geometry, until this one is drawn: a hovered pointer keeps its hover
    panels.forEach((panel, i) => { panel.geometry = this.panels[i]?.geometry ?? null; });
    this.panels = panels;
    this.element.drawn = { panels };
    this.#drawAll();
    this.#caption(run, fn, units, joints.length);
    return undefined;
  }

  // Keep the canvases while the number of panels stays (every frame of a run): only a new shape
  // builds new ones.
  #cellsFor(count) {
    if (this.cells.length === count) return;
    this.observer.disconnect();
    this.pointer = null;
    const columns = Math.min(count, count === 5 ? 5 : 4);
    const rows = Math.ceil(count / columns);
    this.element.style.setProperty("--columns", String(columns));
    this.element.style.height = `${rows * ROW_HEIGHT + (rows - 1) * ROW_GAP}px`;
    this.cells = Array.from({ length: count }, (_, index) => {
      const canvas = document.createElement("canvas");
      canvas.dataset.panel = String(index);
      this.observer.observe(canvas, { box: "device-pixel-content-box" });
      return { canvas, size: null };
    });
    this.element.replaceChildren(...this.cells.map((cell) => cell.canvas), this.tip);
  }

  #resized(entries) {
    for (const entry of entries) {
      const cell = this.cells.find((c) => c.canvas === entry.target);
      if (!cell) continue;
      const { width, height } = entry.contentRect;
      cell.size = width > 0 && height > 0 ? { width, height, pixels: devicePixels(entry) } : null;
    }
    this.#drawAll();
  }

  // Every panel with a known size; the hovered unit thicker and a hairline at the hovered x in
  // every panel (they share x), so a unit can be followed from its pre-activation to the sum.
  #drawAll() {
    const hit = this.#hit();
    const focus = hit && !("marker" in hit) ? hit : null;
    const layer = focus ? this.panels[this.pointer.cell].layer : undefined;
    const unit = focus ? this.panels[this.pointer.cell].series[focus.series]?.unit : undefined;
    this.cells.forEach((cell, i) => {
      const panel = this.panels[i];
      if (!cell.size || !panel) return;
      const ctx = prepare(cell.canvas, cell.size);
      const highlight = layer !== undefined && panel.layer === layer
        ? panel.series.findIndex((s) => s.unit === unit) : -1;
      panel.geometry = drawPanel(ctx, panel, cell.size, highlight);
      if (focus) drawCursor(ctx, panel, panel.geometry, focus.x);
    });
    this.#tooltip(hit);
  }

  #hover(event) {
    const canvas = event.target.closest?.("canvas");
    const cell = canvas ? this.cells.findIndex((c) => c.canvas === canvas) : -1;
    this.pointer = cell >= 0 ? { cell, px: event.offsetX, py: event.offsetY } : null;
    this.#drawAll();
  }

  #unhover() {
    if (!this.pointer) return;
    this.pointer = null;
    this.#drawAll();
  }

  // What the pointer is over in the panel drawn last (null: nothing).
  #hit() {
    const panel = this.pointer && this.panels[this.pointer.cell];
    if (!panel?.geometry) return null;
    return hitTest(panel, panel.geometry, this.pointer.px, this.pointer.py);
  }

  #tooltip(hit) {
    const panel = hit && this.panels[this.pointer.cell];
    const rows = panel ? hoverRows(panel, hit) : [];
    this.tip.hidden = !rows.length;
    if (!rows.length) return;
    this.tip.replaceChildren(...rows.map(({ text, color, strong }) => {
      const line = document.createElement("div");
      line.textContent = text;
      if (color) line.style.color = color;
      if (strong) line.style.fontWeight = "700";
      return line;
    }));
    this.#place();
  }

  // Beside the pointer, on the side with more room, and clamped inside the panels (the card
  // clips what pokes out). Reading sizes forces a layout, but only while hovering.
  #place() {
    const { canvas, size } = this.cells[this.pointer.cell];
    const x = canvas.offsetLeft + this.pointer.px;
    const flip = this.pointer.px > (size?.width ?? 0) / 2;
    const width = this.tip.offsetWidth;
    const height = this.tip.offsetHeight;
    const left = flip ? x - 14 - width : x + 14;
    const top = canvas.offsetTop + this.pointer.py - height / 2;
    this.tip.style.left = `${Math.max(0, Math.min(left, this.element.clientWidth - width))}px`;
    this.tip.style.top = `${Math.max(0, Math.min(top, this.element.clientHeight - height))}px`;
  }

  #caption(run, fn, units, joints) {
    const total = units.layers[units.layers.length - 1].post.length;
    let text = `${total} unit${total === 1 ? "" : "s"} in the last hidden layer`
      + (total > UNIT_HUES.length ? "; one colour and dash per unit (hover a line for its number)." : "; one colour per unit.");
    if (run.task !== "regression") {
      text += " The sum f is the output before the sigmoid: P(y = 1) = sig[f].";
    }
    if (fn.y.length > 1) {
      text += ` Weighted and sum are output y₁'s; the other ${fn.y.length - 1} output(s) weight the same units, so they bend at the same joints.`;
    }
    if (joints) {
      text += " ◆ marks each unit's joint, where its pre-activation crosses zero: "
        + "the unit bends there, and so does the output.";
    }
    this.caption.textContent = text;
  }

  #empty(text) {
    this.observer.disconnect();
    this.cells = [];
    this.panels = [];
    this.pointer = null;
    this.element.replaceChildren();
    this.element.drawn = { panels: [] };
    this.element.hidden = true;
    this.caption.textContent = text;
  }
}

// The canvas's exact size in device pixels, or null (then prepare() multiplies by devicePixelRatio).
// Ignored where it disagrees with the CSS size times the ratio: emulated screens (headless
// Chromium's device scale factor) report CSS pixels there.
function devicePixels(entry) {
  const device = entry.devicePixelContentBoxSize?.[0];
  if (!device) return null;
  const expected = entry.contentRect.width * (window.devicePixelRatio || 1);
  return Math.abs(device.inlineSize - expected) <= 2 ? [device.inlineSize, device.blockSize] : null;
}

/**
 * The panels to draw: [{title, layer (whose units it shows; null: the sum), x, xRange, yRange,
 * series: [{name, unit, label, y, color, dash, width}], markers: [{unit, x, y, color, label, below}]
 * (the joints), guides: [{unit, x, color}] (a faint line where a unit bends)}].
 */
export function buildPanels(fn, units, activation, task, bent) {
  const x = fn.x;
  const layers = units.layers;
  const last = layers[layers.length - 1];
  const lines = (rows) => rows.map((y, i) => ({
    name: `unit ${i + 1}`, unit: i, label: `unit ${i + 1}`, y, ...unitStyle(i), width: 2,
  }));
  const panel = (title, layer, series, markers = [], guides = []) => ({
    title, layer, x, xRange: [x[0], x[x.length - 1]],
    yRange: valueRange(series.map((s) => s.y), markers.map((m) => m.y)), series, markers, guides,
  });
  const panels = [];
  // only a bending activation has joints (identity is piecewise linear too, with no bend)
  const joints = layers.length === 1 && bent ? serverJoints(units.joints, units.weighted.length) : [];
  const guides = joints.map((j) => ({ unit: j.unit, x: j.x, color: unitStyle(j.unit).color }));
  if (layers.length === 1) {
    panels.push(panel("1. pre-activation θ₀ + θ₁x", 0, lines(last.pre), jointMarkers(joints)));
    panels.push(panel(`2. activation h = ${activation}[·]`, 0, lines(last.post), [], guides));
    panels.push(panel("3. weighted φ·h", 0, lines(units.weighted), [], guides));
  } else {
    layers.forEach((layer, l) => {
      panels.push(panel(`${l + 1}. layer ${l + 1} outputs h${"′".repeat(l)}`, l, lines(layer.post)));
    });
    panels.push(panel(`${panels.length + 1}. weighted φ·h`, layers.length - 1, lines(units.weighted)));
  }
  const sum = x.map((_, n) => units.bias + units.weighted.reduce((acc, row) => acc + row[n], 0));
  const name = task === "regression" ? "y" : "f";
  // each joint is a kink of the sum (unless its unit's φ is zero)
  panels.push(panel(`${panels.length + 1}. sum ${name} = φ₀ + Σ φ·h`, null,
    [{ name: "sum", unit: null, label: name, y: sum, color: COLORS.fit, dash: "solid", width: 3 }], [], guides));
  return panels;
}

// The server's joints (x = -b/w per unit, null where a unit has none inside the plotted x), as
// {unit, x}.
function serverJoints(joints, count) {
  const all = Array.from({ length: count }, (_, unit) => unit);
  return all.filter((unit) => joints?.[unit] != null).map((unit) => ({ unit, x: joints[unit] }));
}

// Each joint as a diamond on the zero line, labelled with its unit's number (colour alone is not
// enough to tell units apart); neighbouring joints take turns above and below the line, so close
// labels do not merge.
function jointMarkers(joints) {
  const order = joints.map((j, i) => [j.x, i]).sort((a, b) => a[0] - b[0]);
  const rank = [];
  order.forEach(([, i], r) => { rank[i] = r; });
  return joints.map((j, i) => ({ unit: j.unit, x: j.x, y: 0, color: unitStyle(j.unit).color,
    label: String(j.unit + 1), below: rank[i] % 2 === 1 }));
}

// The tooltip's lines for a hit (canvasplot.hitTest): a joint, or the hovered x and the values of
// the units nearest the pointer there (the nearest first, in bold).
function hoverRows(panel, hit) {
  if ("marker" in hit) {
    const m = panel.markers[hit.marker];
    return [{ text: `unit ${m.unit + 1} joint at x = ${m.x.toFixed(3)}`, color: m.color, strong: true }];
  }
  const at = (s) => s.y[hit.index];
  const target = at(panel.series[hit.series]);
  const shown = panel.series.map((s, i) => ({ s, i }))
    .sort((a, b) => Math.abs(at(a.s) - target) - Math.abs(at(b.s) - target)).slice(0, HOVER_ROWS);
  return [{ text: `x = ${panel.x[hit.index].toFixed(3)}` },
    ...shown.map(({ s, i }) => ({ text: `${s.label}: ${Number(at(s)).toFixed(3)}`,
      color: s.unit === null ? COLORS.ink : s.color, strong: i === hit.series }))];
}

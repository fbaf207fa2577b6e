// The 1-D view: training and test points, the fitted function (or the class-1 probability), its
// exact kinks, and the closed-form linear-regression baseline. Only draws; never fetches.
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().
import { COLORS, PLOT_CONFIG, axis, baseLayout, plotly } from "./theme.js";
import { onPlotAreaClick } from "./plotclick.js";

// Why there is no function to draw, by run status.
const STOPPED = { diverged: "Diverged: no finite function to draw", failed: "The server failed on this run" };

export class Fit1dView {
  /** options.onClick({x, y, pixelDistance}) when the plot area is clicked (custom data). */
  constructor(element, { onClick } = {}) {
    this.element = element;
    this.showBaseline = false;
    this.showTest = true;
    this.data = null;
    this.fn = null;
    this.breakpointCount = 0;
    this.preview = null;
    plotly().newPlot(element, [], baseLayout({ xaxis: axis(), yaxis: axis() }), PLOT_CONFIG);
    if (onClick) onPlotAreaClick(element, onClick);
  }

  /** A snapshot: new data (the points and the axis ranges they imply) and its function. */
  setData({ run, data, function: fn }) {
    this.data = data;
    this.dataTraces = null; // built once per data set: unchanged arrays let Plotly skip them
    this.fn = fn?.kind === "1d" ? fn : null;
    this.stopped = this.fn ? null : STOPPED[run.status] ?? null;
    this.#draw();
    plotly().Plots.resize(this.element); // it may have been hidden (another mode) until now
  }

  /** A frame: its fitted function (none for a diverged or failed run: only the data stays). */
  update({ run, function: fn }) {
    if (fn && fn.kind !== "1d") return;
    this.fn = fn ?? null;
    this.stopped = fn ? null : STOPPED[run.status] ?? null;
    this.#draw();
  }

  reset() {
    this.data = null;
    this.dataTraces = null;
    this.fn = null;
    this.stopped = null;
    this.#draw();
  }

  /** The step inspector's fit after its step ({x, y: [per output]}), dashed over the fit; null: none. */
  setPreview(preview) {
    this.preview = preview ?? null;
    this.element.dataset.preview = this.preview ? "1" : "";
    this.#draw();
  }

  setBaseline(on) {
    this.showBaseline = on;
    this.#draw();
  }

  /** Show or hide the test points. */
  setShowTest(on) {
    this.showTest = on;
    this.#draw();
  }

  get binary() {
    return this.data?.task === "binary";
  }

  #draw() {
    const traces = [...this.#dataTraces(), ...this.#fitTraces()];
    plotly().react(this.element, traces, this.#layout());
    this.element.dataset.breakpoints = String(this.breakpointCount);
    this.element.dataset.sharedKinks = String(this.sharedKinks ?? 0);
  }

  #dataTraces() {
    if (!this.data) return [];
    this.dataTraces ??= this.#buildDataTraces();
    return this.showTest ? this.dataTraces : this.dataTraces.filter((t) => !t.name.startsWith("test"));
  }

  #buildDataTraces() {
    // one output: y is flat (N,); several: (N, outputs) rows, drawn as one set of points each
    const outputs = outputCount(this.data);
    const points = (split, name, color, filled, o) => ({
      type: "scatter", mode: "markers", name: o === 0 ? name : `${name} y${o + 1}`,
      x: split.x.map((p) => p[0]), y: split.y.map((y) => Number(outputs > 1 ? y[o] : y)),
      marker: {
        size: 7, color: filled ? color : "rgba(255,255,255,0.9)", symbol: OUTPUT_SYMBOLS[o % OUTPUT_SYMBOLS.length],
        line: { color, width: 1.6 }, opacity: 0.9,
      },
      hovertemplate: `${name}${outputs > 1 ? ` y${o + 1}` : ""}: x=%{x:.3f}, y=%{y:.3f}<extra></extra>`,
    });
    const traces = [];
    for (let o = 0; o < outputs; o += 1) {
      traces.push(points(this.data.train, "train", COLORS.train, true, o),
        points(this.data.test, "test", COLORS.test, false, o));
    }
    return traces;
  }

  #fitTraces() {
    const fn = this.fn;
    this.breakpointCount = 0;
    if (!fn) return [];
    const traces = [];
    if (this.showBaseline && fn.baseline && !this.binary) {
      const [lo, hi] = [fn.x[0], fn.x[fn.x.length - 1]];
      const { beta0, beta1 } = fn.baseline;
      traces.push({
        type: "scatter", mode: "lines", name: "linear regression",
        x: [lo, hi], y: [beta0 + beta1 * lo, beta0 + beta1 * hi],
        line: { color: COLORS.baseline, width: 2, dash: "dash" },
        hovertemplate: `linear regression: y = ${fmt(beta0)} + ${fmt(beta1)}x<extra></extra>`,
      });
    }
    // one curve per output (two_outputs: both read the same hidden units, so they bend together)
    fn.y.forEach((curve, o) => {
      const suffix = o === 0 ? "" : ` y${o + 1}`;
      const drawn = this.binary ? probabilityCurve(fn.x, curve) : { x: fn.x, y: curve };
      traces.push({
        type: "scatter", mode: "lines", name: (this.binary ? "P(y=1 | x)" : "network") + suffix,
        x: drawn.x, y: drawn.y, line: { color: OUTPUT_COLORS[o % OUTPUT_COLORS.length], width: 3, dash: o ? "dash" : "solid" },
        hovertemplate: `${this.binary ? "P(y=1)" : `f${fn.y.length > 1 ? o + 1 : ""}(x)`} = %{y:.3f} at x = %{x:.3f}<extra></extra>`,
      });
      const kinks = fn.piecewise?.breakpoints?.[o] ?? [];
      if (o === 0) this.breakpointCount = kinks.length;
      if (kinks.length) {
        traces.push({
          type: "scatter", mode: "markers", name: `kinks${suffix}`,
          x: kinks, y: kinks.map((k) => interpolate(drawn.x, drawn.y, k)),
          marker: { size: 10, symbol: "circle", color: "#fff", line: { color: COLORS.kink, width: 2.5 } },
          hovertemplate: `kink${suffix} at x = %{x:.3f}<extra></extra>`,
        });
      }
    });
    if (this.preview) {
      this.preview.y.forEach((curve, o) => {
        const drawn = this.binary ? probabilityCurve(this.preview.x, curve) : { x: this.preview.x, y: curve };
        traces.push({ type: "scatter", mode: "lines", name: `after this step${o ? ` y${o + 1}` : ""}`, x: drawn.x, y: drawn.y,
          line: { color: COLORS.kink, width: 2.5, dash: "dash" }, hovertemplate: "after the step: %{y:.3f} at x = %{x:.3f}<extra></extra>" });
      });
    }
    return traces;
  }

  #layout() {
    const [lo, hi] = this.data?.input_range?.[0] ?? [-1, 1];
    const pad = 0.04 * (hi - lo);
    const layout = baseLayout({
      xaxis: axis({ title: { text: "x" }, range: [lo - pad, hi + pad], zeroline: false }),
      yaxis: axis({ title: { text: this.binary ? "P(y = 1 | x)" : "y" }, range: this.#yRange() }),
    });
    if (this.stopped) {
      layout.annotations = [{ text: this.stopped, xref: "paper", yref: "paper", x: 0.5, y: 0.5,
        showarrow: false, font: { color: COLORS.muted }, bgcolor: "rgba(255,255,255,0.85)" }];
    }
    if (this.fn && this.fn.y.length > 1) layout.shapes = sharedKinkLines(this.fn);
    this.sharedKinks = this.fn && this.fn.y.length > 1 ? layout.shapes.length : 0;
    if (this.binary) {
      layout.shapes = [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 0.5, y1: 0.5,
        line: { color: COLORS.muted, width: 1, dash: "dot" } }];
    }
    return layout;
  }

  // Fixed from the data, so a wild early fit (or a diverging one) does not rescale the picture.
  #yRange() {
    if (this.binary) return [-0.08, 1.08];
    const ys = this.data ? [...this.data.train.y, ...this.data.test.y].flat().map(Number) : [];
    let lo = Math.min(-1, ...ys);
    let hi = Math.max(1, ...ys);
    if (ys.length) {
      lo = Math.min(...ys);
      hi = Math.max(...ys);
    }
    const pad = Math.max(0.25, 0.15 * (hi - lo));
    return [lo - pad, hi + pad];
  }
}

const OUTPUT_COLORS = [COLORS.fit, "#7c3aed", "#0d9488"];
const OUTPUT_SYMBOLS = ["circle", "diamond", "square"];

function outputCount(data) {
  const first = data.train.y[0] ?? data.test.y[0];
  return Array.isArray(first) ? first.length : 1;
}

// A faint vertical line at every kink x that all outputs share (a shared hidden unit's joint).
function sharedKinkLines(fn) {
  const [first, ...others] = fn.piecewise?.breakpoints ?? [];
  const near = (list, x) => list.some((k) => Math.abs(k - x) < 1e-6 * (1 + Math.abs(x)));
  return (first ?? []).filter((x) => others.every((list) => near(list, x))).map((x) => ({
    type: "line", layer: "below", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1,
    line: { color: COLORS.kink, width: 1.2, dash: "dot" }, opacity: 0.6,
  }));
}

// sig[f(x)] is not piecewise linear: sample it densely. f itself is exact by linear interpolation
// between the polyline abscissae (they include every kink), so no accuracy is lost.
function probabilityCurve(xs, fs, samples = 400) {
  const [lo, hi] = [xs[0], xs[xs.length - 1]];
  const grid = Array.from({ length: samples }, (_, i) => lo + ((hi - lo) * i) / (samples - 1));
  const x = [...new Set([...grid, ...xs])].sort((a, b) => a - b);
  const y = x.map((v) => 1 / (1 + Math.exp(-interpolate(xs, fs, v))));
  return { x, y };
}

// Linear interpolation of the exact polyline (its abscissae include every kink).
function interpolate(xs, ys, x) {
  let i = 1;
  while (i < xs.length - 1 && xs[i] < x) i += 1;
  const [x0, x1, y0, y1] = [xs[i - 1], xs[i], ys[i - 1], ys[i]];
  return x1 === x0 ? y0 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

function fmt(value) {
  return Number(value).toPrecision(3);
}

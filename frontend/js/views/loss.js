// Loss chart: train and test loss against step. Drawn once, then grown with extendTraces from the
// stream's history deltas, so a frame never redraws the whole chart.
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().
import { COLORS, PLOT_CONFIG, axis, baseLayout, plotly } from "./theme.js";

const LOSS_TITLES = { mse: "MSE loss", bce: "BCE loss", cross_entropy: "cross-entropy loss" };
const MAX_POINTS = 4000; // beyond this the history is thinned by two and redrawn once

export class LossView {
  constructor(element) {
    this.element = element;
    this.logScale = true; // losses span orders of magnitude; the checkbox starts ticked too
    this.logStep = false; // a log step axis keeps the first steps readable on a long run
    this.lossName = "loss";
    this.count = 0;
    this.low = Infinity; // the smallest and largest finite positive loss drawn, for log ticks
    this.high = 0;
    this.tickKey = "";
    plotly().newPlot(element, this.#traces({ step: [], train_loss: [], test_loss: [] }),
      this.#layout(), PLOT_CONFIG);
  }

  /** A snapshot: its whole history {step, train_loss, test_loss} and its loss's name. */
  setData({ run, history }) {
    this.#replace(history, run.loss);
  }

  reset() {
    this.#replace(null, "loss");
  }

  #replace(history, lossName) {
    this.lossName = lossName;
    const clean = sanitize(history ?? { step: [], train_loss: [], test_loss: [] });
    this.count = clean.step.length;
    this.low = Infinity;
    this.high = 0;
    this.tickKey = "";
    this.#track(clean);
    plotly().react(this.element, this.#traces(clean), this.#layout());
  }

  /** A frame: append its history delta. */
  update({ history: delta }) {
    if (!delta || !delta.step || delta.step.length === 0) return;
    const clean = sanitize(delta);
    plotly().extendTraces(this.element, {
      x: [clean.step, clean.step], y: [clean.train_loss, clean.test_loss],
    }, [0, 1]);
    this.count += clean.step.length;
    if (this.count > MAX_POINTS) this.#thin();
    if (this.#track(clean) && this.logScale) {
      plotly().relayout(this.element, { "yaxis.tickvals": this.ticks.values, "yaxis.ticktext": this.ticks.text });
    }
  }

  setLogScale(on) {
    this.logScale = on;
    plotly().relayout(this.element, {
      "yaxis.type": on ? "log" : "linear", "yaxis.autorange": true,
      "yaxis.tickvals": on ? this.ticks?.values : null, "yaxis.ticktext": on ? this.ticks?.text : null,
    });
  }

  /** Step on a log axis (step 0 is not drawn there) or a linear one. */
  setLogStep(on) {
    this.logStep = on;
    plotly().relayout(this.element, { "xaxis.type": on ? "log" : "linear", "xaxis.autorange": true,
      "xaxis.rangemode": on ? "normal" : "tozero", "xaxis.title.text": on ? "step (log)" : "step" });
  }

  // Keep the loss range; true when the log-axis ticks must change (rarely: a new decade).
  #track(history) {
    for (const v of [...history.train_loss, ...history.test_loss]) {
      if (v > 0 && v < this.low) this.low = v;
      if (v > this.high && Number.isFinite(v)) this.high = v;
    }
    if (!(this.high > 0)) return false;
    const ticks = logTicks(this.low, this.high);
    const key = ticks.text.join(",");
    if (key === this.tickKey) return false;
    this.tickKey = key;
    this.ticks = ticks;
    return true;
  }

  /** The train losses drawn so far (tests and the stats view read them). */
  trainLosses() {
    return (this.element.data?.[0]?.y ?? []).filter((v) => v !== null);
  }

  #thin() {
    const [train, test] = this.element.data;
    const keep = (values) => values.filter((_, i) => i % 2 === 0 || i === values.length - 1);
    const history = { step: keep(train.x), train_loss: keep(train.y), test_loss: keep(test.y) };
    this.count = history.step.length;
    plotly().react(this.element, this.#traces(history), this.#layout());
  }

  #traces(history) {
    const line = (name, y, color, dash) => ({
      type: "scatter", mode: "lines", name, x: history.step.slice(), y: y.slice(),
      line: { color, width: 2.2, dash }, hovertemplate: `${name} %{y:.4g} at step %{x}<extra></extra>`,
    });
    return [
      line("train loss", history.train_loss, COLORS.train, "solid"),
      line("test loss", history.test_loss, COLORS.test, "dot"),
    ];
  }

  #layout() {
    return baseLayout({
      showlegend: true,
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
      margin: { l: 74, r: 12, t: 28, b: 50 },
      xaxis: axis({ title: { text: this.logStep ? "step (log)" : "step", standoff: 6 },
        type: this.logStep ? "log" : "linear", rangemode: this.logStep ? "normal" : "tozero" }),
      yaxis: axis({ title: { text: LOSS_TITLES[this.lossName] ?? this.lossName, standoff: 8 }, type: this.logScale ? "log" : "linear",
        tickvals: this.logScale ? this.ticks?.values : undefined,
        ticktext: this.logScale ? this.ticks?.text : undefined,
        exponentformat: "e" }),
    });
  }
}

// Readable ticks for a log axis from low to high: 1-2-5 steps, or whole decades on wide ranges.
function logTicks(low, high) {
  const first = Math.floor(Math.log10(low));
  const last = Math.ceil(Math.log10(high));
  const span = last - first;
  const mantissas = span <= 2 ? [1, 2, 3, 5] : span <= 5 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(span / 8));
  const values = [];
  for (let e = first; e <= last; e += every) for (const m of mantissas) values.push(m * 10 ** e);
  const text = values.map((v) => (v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(2))) : v.toExponential(0)));
  return { values, text };
}

// Non-finite losses (a diverged run) become gaps instead of breaking the axis.
function sanitize(history) {
  const finite = (values) => values.map((v) => (Number.isFinite(v) ? v : null));
  return { step: history.step, train_loss: finite(history.train_loss), test_loss: finite(history.test_loss) };
}

// Loss chart: train and test loss against step. Drawn once, then grown with extendTraces from the
// stream's history deltas, so a frame never redraws the whole chart.
import { COLORS, PLOT_CONFIG, axis, baseLayout, plotly } from "./theme.js";

const MAX_POINTS = 4000; // beyond this the history is thinned by two and redrawn once

export class LossView {
  constructor(element) {
    this.element = element;
    this.logScale = true; // losses span orders of magnitude; the checkbox starts ticked too
    this.lossName = "loss";
    this.count = 0;
    plotly().newPlot(element, this.#traces({ step: [], train_loss: [], test_loss: [] }),
      this.#layout(), PLOT_CONFIG);
  }

  /** Replace everything with a whole history {step, train_loss, test_loss} (snapshot). */
  reset(history, lossName = "loss") {
    this.lossName = lossName;
    const clean = sanitize(history ?? { step: [], train_loss: [], test_loss: [] });
    this.count = clean.step.length;
    plotly().react(this.element, this.#traces(clean), this.#layout());
  }

  /** Append a history delta from a frame. */
  update(delta) {
    if (!delta || !delta.step || delta.step.length === 0) return;
    const clean = sanitize(delta);
    plotly().extendTraces(this.element, {
      x: [clean.step, clean.step], y: [clean.train_loss, clean.test_loss],
    }, [0, 1]);
    this.count += clean.step.length;
    if (this.count > MAX_POINTS) this.#thin();
  }

  setLogScale(on) {
    this.logScale = on;
    plotly().relayout(this.element, {
      "yaxis.type": on ? "log" : "linear", "yaxis.autorange": true,
    });
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
      margin: { l: 60, r: 12, t: 28, b: 50 },
      xaxis: axis({ title: { text: "step", standoff: 6 }, rangemode: "tozero" }),
      yaxis: axis({ title: { text: this.lossName, standoff: 6 }, type: this.logScale ? "log" : "linear",
        exponentformat: "e" }),
    });
  }
}

// Non-finite losses (a diverged run) become gaps instead of breaking the axis.
function sanitize(history) {
  const finite = (values) => values.map((v) => (Number.isFinite(v) ? v : null));
  return { step: history.step, train_loss: finite(history.train_loss), test_loss: finite(history.test_loss) };
}

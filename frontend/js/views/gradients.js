// The "Gradients and activations" card (GET /api/runs/{id}/gradients, the step the run takes next):
// one row per layer with the size of its gradient and of its update beside its weights (log bars
// on one scale for all layers, so vanishing and exploding gradients show as a slope), histograms
// of its activations h_k and of dL/df_k, and its dead units; under it each layer's gradient norm
// over the steps seen here. Polls while on screen (views/poller.js). A view of the registry.
import { Poller } from "./poller.js";
import { VIRIDIS } from "./surface.js";
import { PLOT_CONFIG, axis, baseLayout, plotly } from "./theme.js";

const GRAD_DECADES = [-7, 2]; // the gradient bar's log10 range
const RATIO_DECADES = [-7, 0]; // the update / weights bar's log10 range
const HEALTHY_RATIO = 1e-3; // a common rule of thumb for the update-to-weight ratio, marked
const MAX_HISTORY = 400; // points per layer in the chart

const short = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–"
  : String(Number(v.toPrecision(2))).replace("-", "−"));
const subscript = (k) => String(k).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);

/** A layer's colour: viridis from dark (input side) to green (output), readable on white. */
export function layerColor(index, count) {
  const t = count > 1 ? (0.8 * index) / (count - 1) : 0;
  return VIRIDIS.reduce((best, stop) => (Math.abs(stop[0] - t) < Math.abs(best[0] - t) ? stop : best))[1];
}

/** A log-scale bar's width in percent for `value` over `decades` ([low, high] of log10). */
export function logShare(value, [low, high]) {
  if (!(value > 0)) return 0;
  return Math.max(0, Math.min(100, (100 * (Math.log10(value) - low)) / (high - low)));
}

/** Draw a histogram {edges, counts} as bars on a canvas, with the zero line when 0 is inside. */
function drawHistogram(canvas, { edges, counts }, color) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 120;
  const height = canvas.clientHeight || 34;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const top = Math.max(...counts, 1);
  const bin = width / counts.length;
  g.fillStyle = color;
  counts.forEach((count, i) => {
    const h = count ? Math.max(1, ((height - 2) * count) / top) : 0;
    g.fillRect(i * bin + 0.5, height - h, Math.max(1, bin - 1), h);
  });
  const low = edges[0];
  const high = edges.at(-1);
  if (low < 0 && high > 0) {
    g.fillStyle = "rgba(0,0,0,0.45)";
    g.fillRect((width * -low) / (high - low) - 0.5, 0, 1, height);
  }
  canvas.drawn = { edges, counts };
  canvas.title = `from ${short(low)} to ${short(high)}; tallest bar ${top} values`;
}

export class GradientsView {
  /** element: the card; fetchStats(runId) answers the wire Gradients. */
  constructor(element, { fetchStats }) {
    this.element = element;
    this.caption = element.querySelector(".gradients-caption");
    this.body = element.querySelector(".gradients-table tbody");
    this.chart = element.querySelector(".gradients-history");
    this.poller = new Poller(element, {
      fetch: fetchStats,
      onAnswer: (stats) => this.#draw(stats),
      onError: (error) => this.#off(error.message),
      onStopped: () => this.#off("The run diverged or failed: it has no gradient to show. Reset it."),
    });
    plotly().newPlot(this.chart, [], this.#layout(), PLOT_CONFIG);
    this.reset();
  }

  reset() {
    this.poller.reset();
    this.history = []; // per layer {step: [], norm: []}
    this.lastStep = -1;
    this.stats = null;
    this.caption.textContent = "Waiting for a run…";
  }

  setData({ run }) {
    this.reset();
    this.body.replaceChildren();
    plotly().react(this.chart, [], this.#layout());
    this.poller.follow(run);
  }

  update({ run }) {
    if (run) this.poller.follow(run);
  }

  #off(message) {
    this.caption.textContent = message;
    this.element.dataset.off = "1";
  }

  #draw(stats) {
    delete this.element.dataset.off;
    if (stats.step < this.lastStep || this.history.length !== stats.layers.length) {
      this.history = stats.layers.map(() => ({ step: [], norm: [] })); // a reset or a rebuild
    }
    this.lastStep = stats.step;
    stats.layers.forEach((layer, k) => {
      const line = this.history[k];
      if (line.step.at(-1) === stats.step) return;
      line.step.push(stats.step);
      line.norm.push(layer.grad_norm > 0 ? layer.grad_norm : null);
      if (line.step.length > MAX_HISTORY) { line.step.shift(); line.norm.shift(); }
    });
    this.stats = stats;
    this.#rows(stats);
    this.#chart(stats);
    this.caption.textContent = this.#words(stats);
    this.element.dataset.step = String(stats.step);
  }

  #rows(stats) {
    const count = stats.layers.length;
    if (this.body.children.length !== count) {
      this.body.replaceChildren(...stats.layers.map((_, k) => this.#row(k, count)));
    }
    stats.layers.forEach((layer, k) => {
      const row = this.body.children[k];
      const color = layerColor(k, count);
      row.querySelector(".grad-name").textContent = layer.name === "output" ? "output" : `h${subscript(k + 1)}`;
      row.querySelector(".grad-shape").textContent = `Ω ${layer.shape[0]}×${layer.shape[1]}`;
      setBar(row.querySelector(".grad-norm"), layer.grad_norm, GRAD_DECADES, color);
      setBar(row.querySelector(".grad-ratio"), layer.update_ratio, RATIO_DECADES, color);
      drawHistogram(row.querySelector(".grad-post"), layer.post, color);
      drawHistogram(row.querySelector(".grad-pre"), layer.grad_pre, color);
      row.querySelector(".grad-dead").textContent = layer.dead === null ? "–" : `${Math.round(100 * layer.dead)}%`;
      Object.assign(row.dataset, { gradNorm: String(layer.grad_norm), postStd: String(layer.post_std) });
    });
  }

  #row(k, count) {
    const row = document.createElement("tr");
    row.innerHTML = `<th scope="row"><span class="grad-name"></span> <span class="grad-shape"></span></th>
      <td><div class="grad-bar grad-norm"><span class="fill"></span><span class="value"></span></div></td>
      <td><div class="grad-bar grad-ratio"><span class="fill"></span><span class="mark"></span><span class="value"></span></div></td>
      <td><canvas class="grad-hist grad-post" role="img" aria-label="Histogram of this layer's activations"></canvas></td>
      <td><canvas class="grad-hist grad-pre" role="img" aria-label="Histogram of this layer's dL/df"></canvas></td>
      <td class="grad-dead"></td>`;
    row.style.setProperty("--layer", layerColor(k, count));
    const mark = row.querySelector(".grad-ratio .mark");
    mark.style.left = `${logShare(HEALTHY_RATIO, RATIO_DECADES)}%`;
    mark.title = `${HEALTHY_RATIO}: a common rule of thumb for a healthy update`;
    return row;
  }

  #chart(stats) {
    const count = stats.layers.length;
    const traces = stats.layers.map((layer, k) => ({
      type: "scatter", mode: "lines+markers", marker: { size: 4 }, name: layer.name === "output" ? "output" : `layer ${k + 1}`,
      x: [...this.history[k].step], y: [...this.history[k].norm], // new arrays: react redraws
      line: { color: layerColor(k, count), width: 2 },
      hovertemplate: `${layer.name}: ‖∇‖ %{y:.2g} at step %{x}<extra></extra>` }));
    plotly().react(this.chart, traces, this.#layout());
    this.chart.drawn = traces.map(({ name, x, y }) => ({ name, x, y }));
  }

  #words(stats) {
    const norms = stats.layers.map((l) => l.grad_norm).filter((v) => v > 0);
    const spread = norms.length > 1 ? Math.max(...norms) / Math.min(...norms) : 1;
    const first = stats.layers[0].grad_norm;
    const last = stats.layers.at(-1).grad_norm;
    let verdict = "";
    if (stats.layers.length > 2 && first > 0 && last / first > 100) verdict = " The first layer's gradient is over 100× smaller than the output's: it vanishes on the way back.";
    else if (stats.layers.length > 2 && last > 0 && first / last > 100) verdict = " The first layer's gradient is over 100× larger than the output's: it explodes on the way back.";
    else if (stats.layers.length > 2) verdict = ` Every layer's gradient is within ${short(spread)}× of the others.`;
    return `Step ${stats.step.toLocaleString("en-US")}, the next batch of ${stats.batch} (init ${stats.init}, ${stats.optimizer}): `
      + `‖∇θₖ‖ of each layer's weights and biases, the update it gets over ‖θₖ‖ (the tick: 10⁻³), `
      + `and the spread of hₖ and ∂L/∂fₖ.${verdict}`;
  }

  #layout() {
    return baseLayout({ margin: { l: 64, r: 8, t: 8, b: 40 }, showlegend: true,
      legend: { orientation: "v", x: 1.02, xanchor: "left", y: 1, font: { size: 11 } },
      xaxis: axis({ title: { text: "step" }, rangemode: "tozero" }),
      yaxis: axis({ title: { text: "‖∇θₖ‖ (log)" }, type: "log", dtick: 1, exponentformat: "power" }) });
  }
}

function setBar(bar, value, decades, color) {
  const fill = bar.querySelector(".fill");
  fill.style.width = `${logShare(value, decades)}%`;
  fill.style.background = color;
  bar.querySelector(".value").textContent = short(value);
  bar.dataset.value = String(value);
}

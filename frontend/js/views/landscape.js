// The "Loss landscape" card: the training loss on a 2-D slice through the current weights
// (GET /api/runs/{id}/landscape) as a contour map of log10(loss), the optimizer's path on it and
// the current point at the centre. A two-parameter net (linear regression) is drawn in beta_0 and
// beta_1 themselves, the exact loss surface, with arrows: the negative gradient, the momentum's
// velocity, Adam's step (its per-parameter scale written out). While the card is on screen it asks
// for a new slice whenever the run has moved (views/poller.js: at most 4 a second, and less for a
// net whose slice is expensive).
// A view of the registry (views/registry.js); it fetches through the function it is given.
import { Poller } from "./poller.js";
import { COLORS, PLOT_CONFIG, axis, baseLayout, plotly } from "./theme.js";

const ARROW_SHARE = 0.3; // the longest arrow spans this share of the window
const ARROWS = { gradient: "#db2777", velocity: "#117733", adam: "#D55E00" };
const SUB = { beta_0: "β₀", beta_1: "β₁" };

/** A number in 3 significant digits with a true minus sign. */
const short = (v) => (Number.isFinite(v) ? String(Number(v.toPrecision(3))).replace("-", "−") : "–");

/** Arrows from the centre for a two-parameter slice: [{name, dx, dy, color, text}] in axis units. */
export function arrowsOf(slice) {
  const o = slice.optimizer;
  if (slice.kind !== "parameters" || !o) return [];
  const list = [{ name: "gradient", v: slice.slope.map((g) => -g), text: "−∇L" }];
  if (o.velocity) list.push({ name: "velocity", v: o.velocity.map((v) => -o.learning_rate * v), text: "momentum −αv" });
  if (o.adam_mean && o.adam_scale) {
    list.push({ name: "adam", v: o.adam_mean.map((m, i) => -m * o.adam_scale[i]), text: "Adam step" });
  }
  const span = Math.min(slice.x.at(-1) - slice.x[0], slice.y.at(-1) - slice.y[0]);
  const longest = Math.max(...list.map(({ v }) => Math.hypot(v[0], v[1])), 1e-300);
  return list.map(({ name, v, text }) => ({ name, text, color: ARROWS[name],
    dx: (v[0] / longest) * ARROW_SHARE * span, dy: (v[1] / longest) * ARROW_SHARE * span }));
}

export class LandscapeView {
  /** element: the card; fetchSlice(runId, query) answers the wire Landscape. */
  constructor(element, { fetchSlice }) {
    this.element = element;
    this.plot = element.querySelector(".landscape-plot");
    this.caption = element.querySelector(".landscape-caption");
    this.choice = element.querySelector(".landscape-directions");
    this.poller = new Poller(element, {
      fetch: (runId) => fetchSlice(runId, this.choice.value === "auto" ? {} : { directions: this.choice.value }),
      key: () => this.choice.value,
      onAnswer: (slice) => this.#draw(slice),
      onError: (error) => { this.caption.textContent = error.message; },
      onStopped: () => { this.caption.textContent = "The run diverged or failed: its loss is not finite here."; },
    });
    this.choice.addEventListener("change", () => this.poller.refresh());
    plotly().newPlot(this.plot, [], this.#layout(["", ""]), PLOT_CONFIG);
    this.reset();
  }

  reset() {
    this.poller.reset();
    this.slice = null;
    this.caption.textContent = "Waiting for a run…";
  }

  setData({ run }) {
    this.reset();
    this.poller.follow(run);
  }

  update({ run }) {
    if (run) this.poller.follow(run);
  }

  #draw(slice) {
    this.slice = slice;
    const z = slice.loss.map((row) => row.map((v) => (v > 0 ? Math.log10(v) : null)));
    const names = slice.labels.map((l) => SUB[l] ?? l);
    const [cx, cy] = slice.centre;
    const traces = [
      { type: "contour", x: slice.x, y: slice.y, z, colorscale: "Viridis", ncontours: 24,
        contours: { coloring: "heatmap" }, line: { width: 0.5, color: "rgba(255,255,255,0.5)" },
        colorbar: { title: { text: "log₁₀ loss", side: "right" }, thickness: 12 },
        hovertemplate: `${names[0]} %{x:.3g}<br>${names[1]} %{y:.3g}<br>log₁₀ loss %{z:.3f}<extra></extra>` },
      { type: "scatter", mode: "lines+markers", x: slice.path.x, y: slice.path.y, name: "path",
        line: { color: "#ffffff", width: 2 }, marker: { size: 4, color: "#ffffff" },
        customdata: slice.path.step, hovertemplate: "step %{customdata}<extra>path</extra>" },
      { type: "scatter", mode: "markers", x: [cx], y: [cy], name: "now",
        marker: { size: 13, color: COLORS.kink, symbol: "star", line: { color: "#fff", width: 1 } },
        hovertemplate: `now: step ${slice.step}, loss ${short(slice.centre_loss)}<extra></extra>` },
    ];
    const arrows = arrowsOf(slice);
    const layout = this.#layout(names, arrows.flatMap((a) => [
      { x: cx + a.dx, y: cy + a.dy, ax: cx, ay: cy, xref: "x", yref: "y", axref: "x", ayref: "y",
        showarrow: true, arrowhead: 3, arrowwidth: 2.5, arrowcolor: a.color, text: " " },
      { x: cx + a.dx, y: cy + a.dy, xref: "x", yref: "y", showarrow: false, text: a.text,
        font: { color: a.color }, bgcolor: "rgba(255,255,255,0.8)",
        xanchor: a.dx >= 0 ? "left" : "right", yanchor: a.dy >= 0 ? "bottom" : "top" }]));
    plotly().react(this.plot, traces, layout);
    this.plot.drawn = { kind: slice.kind, step: slice.step, centre: slice.centre, x: slice.x,
      y: slice.y, path: slice.path, centre_loss: slice.centre_loss, arrows };
    Object.assign(this.plot.dataset, { kind: slice.kind, step: String(slice.step),
      path: String(slice.path.step.length), arrows: String(arrows.length) });
    this.caption.textContent = this.#words(slice, names);
  }

  #words(slice, names) {
    const at = `Step ${slice.step}: loss ${short(slice.centre_loss)} at the star.`;
    if (slice.kind !== "parameters") {
      const how = slice.kind === "pca" ? "the two main directions of the weights' own path"
        : "two random directions, each unit's scaled to its weights (filter-normalised)";
      return `${at} A slice through every weight along ${how}; the white line is the path projected on it.`;
    }
    const g = slice.slope;
    let text = `${at} The exact loss surface of y = β₀ + β₁x; ∂L/∂β₀ = ${short(g[0])}, ∂L/∂β₁ = ${short(g[1])}.`;
    const o = slice.optimizer;
    if (o?.adam_scale) text += ` Adam's own step size per parameter, α/(√v̂+ε): β₀ ${short(o.adam_scale[0])}, β₁ ${short(o.adam_scale[1])}.`;
    return text;
  }

  #layout(names, annotations = []) {
    return baseLayout({ margin: { l: 56, r: 8, t: 8, b: 44 }, annotations,
      xaxis: axis({ title: { text: names[0] }, zeroline: false }),
      yaxis: axis({ title: { text: names[1] }, zeroline: false }) });
  }
}

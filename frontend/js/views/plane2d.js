// The 2-D view: the network's output (or class probability) over the plane as a heatmap, the
// decision boundary, the data, and optionally the linear regions (activation patterns). Only draws.
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().
import { CLASS_COLORS, PROBABILITY_SCALE } from "./palette.js";
import { COLORS, PLOT_CONFIG, VALUE_SCALE, axis, baseLayout, plotly } from "./theme.js";
import { onPlotAreaClick } from "./plotclick.js";
import { boundarySegments, boundaryTrace, jointLineTraces, polygonTrace } from "./overlays2d.js";

export class Plane2dView {
  /** options.onClick({x, y, pixelDistance}) when the plane is clicked (custom data). */
  constructor(element, { onClick } = {}) {
    this.element = element;
    this.showRegions = false;
    this.showTest = true; // test points
    this.discrete = false; // the predicted class instead of P(y = 1)
    this.jointLines = false; // each first-layer unit's joint line
    this.data = null;
    this.fn = null;
    plotly().newPlot(element, [], baseLayout(), PLOT_CONFIG);
    if (onClick) onPlotAreaClick(element, onClick);
  }

  setData({ data, function: fn }) {
    this.data = data;
    this.pointTraces = null; // built once per data set: unchanged arrays let Plotly skip them
    this.fn = fn?.kind === "2d" ? fn : null;
    this.#draw();
    plotly().Plots.resize(this.element); // it may have been hidden (another mode) until now
  }

  update({ function: fn }) {
    if (fn && fn.kind !== "2d") return;
    this.fn = fn ?? null; // none for a diverged or failed run: only the points stay
    this.#draw();
  }

  reset() {
    this.data = null;
    this.pointTraces = null;
    this.fn = null;
    this.#draw();
  }

  setRegions(on) {
    this.showRegions = on;
    this.#draw();
  }

  setShowTest(on) {
    this.showTest = on;
    this.#draw();
  }

  setDiscrete(on) {
    this.discrete = on;
    this.#draw();
  }

  setJointLines(on) {
    this.jointLines = on;
    this.#draw();
  }

  #draw() {
    const traces = [...this.#surface(), ...this.#overlays(), ...this.#points()];
    plotly().react(this.element, traces, this.#layout());
    this.element.dataset.heatmap = traces.some((t) => t.type === "heatmap") ? "1" : "0";
    this.element.dataset.polygons = String(this.showRegions && this.fn?.polygons ? this.fn.polygons.length : 0);
  }

  // Joint lines (when ticked) and the exact region outlines (with "linear regions", when sent).
  #overlays() {
    const fn = this.fn;
    if (!fn) return [];
    const traces = [];
    if (this.showRegions && Array.isArray(fn.polygons)) traces.push(polygonTrace(fn.polygons));
    if (this.jointLines) traces.push(...jointLineTraces(fn.units));
    return traces;
  }

  #surface() {
    const fn = this.fn;
    if (!fn) return [];
    const task = this.data?.task;
    const traces = [];
    if (this.showRegions && fn.regions && !Array.isArray(fn.polygons)) {
      traces.push({
        type: "heatmap", x: fn.x, y: fn.y, z: fn.regions.map((row) => row.map(scramble)),
        colorscale: "Rainbow", showscale: false, opacity: 0.55, zmin: 0, zmax: 1,
        hovertemplate: "region %{text}<extra></extra>", text: fn.regions,
      });
    } else if ((task === "multiclass" || (task === "binary" && this.discrete)) && (fn.classes || task === "binary")) {
      // the predicted class: the server's argmax (multiclass), P(y=1) > 0.5 (binary)
      const k = this.data.classes ?? 2;
      const classes = task === "binary" ? fn.z.map((row) => row.map((p) => (p > 0.5 ? 1 : 0))) : fn.classes;
      traces.push({
        type: "heatmap", x: fn.x, y: fn.y, z: classes, zmin: -0.5, zmax: k - 0.5, name: "predicted class",
        colorscale: discreteScale(k), showscale: false, opacity: 0.35,
        hovertemplate: "predicted class %{z}<extra></extra>",
      });
    } else {
      const binary = task === "binary";
      traces.push({
        type: "heatmap", x: fn.x, y: fn.y, z: fn.z, zsmooth: "best",
        colorscale: binary ? PROBABILITY_SCALE : VALUE_SCALE,
        ...(binary ? { zmin: 0, zmax: 1 } : {}),
        opacity: binary ? 0.85 : 0.9,
        colorbar: { thickness: 12, len: 0.8, title: { text: binary ? "P(y=1)" : "f(x)", side: "right" } },
        hovertemplate: `${binary ? "P(y=1)" : "f"} = %{z:.3f}<extra></extra>`,
      });
    }
    const segments = task === "regression" ? null : boundarySegments(fn.boundary);
    if (segments) {
      traces.push(boundaryTrace(segments)); // exact segments (piecewise-linear nets without features)
    } else if (task === "binary") {
      traces.push({
        type: "contour", x: fn.x, y: fn.y, z: fn.z, showscale: false, hoverinfo: "skip",
        contours: { start: 0.5, end: 0.5, size: 1, coloring: "none" },
        line: { color: COLORS.ink, width: 2.5 }, name: "decision boundary",
      });
    }
    return traces;
  }

  #points() {
    if (!this.data) return [];
    this.pointTraces ??= this.#buildPoints();
    return this.showTest ? this.pointTraces : this.pointTraces.filter((t) => t.name !== "test");
  }

  #buildPoints() {
    const { task, train, test } = this.data;
    const colorOf = (y) => (task === "regression" ? Number(y) : CLASS_COLORS[Number(y) % CLASS_COLORS.length]);
    const scatter = (split, name, filled) => ({
      type: "scatter", mode: "markers", name,
      x: split.x.map((p) => p[0]), y: split.x.map((p) => p[1]),
      marker: {
        size: filled ? 8 : 7,
        color: filled ? split.y.map(colorOf) : "rgba(255,255,255,0.85)",
        ...(task === "regression" && filled ? { colorscale: VALUE_SCALE } : {}),
        line: { width: 1.4, color: filled ? "#fff" : split.y.map((y) => (task === "regression" ? COLORS.ink : colorOf(y))) },
      },
      hovertemplate: `${name}: (%{x:.2f}, %{y:.2f}) → ${"%{text}"}<extra></extra>`,
      text: split.y.map((y) => String(y)),
    });
    return [scatter(train, "train", true), scatter(test, "test", false)];
  }

  #layout() {
    const [[x0, x1], [y0, y1]] = this.data?.input_range ?? [[-1.5, 1.5], [-1.5, 1.5]];
    return baseLayout({
      xaxis: axis({ title: { text: "x₁" }, range: [x0, x1], constrain: "domain" }),
      yaxis: axis({ title: { text: "x₂" }, range: [y0, y1], scaleanchor: "x", scaleratio: 1,
        constrain: "domain" }),
    });
  }
}

// Region ids are arbitrary integers; spread them over the colour scale so neighbours differ.
function scramble(id) {
  return ((id * 0.6180339887) % 1 + 1) % 1;
}

function discreteScale(k) {
  const scale = [];
  for (let i = 0; i < k; i += 1) {
    const color = CLASS_COLORS[i % CLASS_COLORS.length];
    scale.push([i / k, color], [(i + 1) / k, color]);
  }
  return scale;
}

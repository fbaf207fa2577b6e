// The 2-D view: the network's output (or class probability) over the plane as a coloured surface,
// the decision boundary, the data, and optionally the linear regions (activation patterns). The
// surface is painted on a canvas under Plotly's plot (views/surface.js); Plotly draws the axes,
// lines and points over it. Only draws. A view of the registry (views/registry.js):
// setData(snapshot), update(frame), reset(). `element.surface` is the surface drawn (or null).
import { CLASS_COLORS, PROBABILITY_SCALE } from "./palette.js";
import { COLORS, PLOT_CONFIG, VALUE_SCALE, axis, baseLayout, plotly } from "./theme.js";
import { onPlotAreaClick } from "./plotclick.js";
import { boundarySegments, boundaryTrace, jointLineTraces, polygonTrace } from "./overlays2d.js";
import { REGION_STOPS, VIRIDIS, drawSurface, valueAt, valueLimits } from "./surface.js";

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
    this.surface = null;
    plotly().newPlot(element, [], baseLayout(), PLOT_CONFIG);
    this.canvas = Object.assign(document.createElement("canvas"), { className: "plane-surface" });
    this.canvas.setAttribute("aria-hidden", "true");
    this.tip = Object.assign(document.createElement("div"), { className: "plane-tip", hidden: true });
    element.append(this.tip);
    element.on("plotly_afterplot", () => this.#paint()); // a resize or relayout moved the axes
    element.addEventListener("mousemove", (event) => this.#hover(event));
    element.addEventListener("mouseleave", () => { this.tip.hidden = true; });
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
    this.surface = this.#surfaceOf();
    this.element.surface = this.surface;
    const traces = [...this.#colorBar(), ...this.#boundary(), ...this.#overlays(), ...this.#points()];
    plotly().react(this.element, traces, this.#layout());
    this.#paint();
    this.element.dataset.heatmap = this.surface ? "1" : "0";
    this.element.dataset.surface = this.surface?.kind ?? "";
    this.element.dataset.polygons = String(this.showRegions && this.fn?.polygons ? this.fn.polygons.length : 0);
  }

  // The canvas sits under Plotly's SVG layers, exactly over the axes' area (a square plane is
  // narrower than the plot margins: each axis has its own offset and length).
  #paint() {
    const layout = this.element._fullLayout;
    const [xa, ya] = [layout?.xaxis, layout?.yaxis];
    if (!xa?._length || !ya?._length) return;
    const container = this.element.querySelector(".svg-container");
    if (container && this.canvas.parentNode !== container) container.prepend(this.canvas);
    Object.assign(this.canvas.style, { left: `${xa._offset}px`, top: `${ya._offset}px` });
    drawSurface(this.canvas, this.surface, { width: xa._length, height: ya._length,
      xRange: xa.range, yRange: ya.range });
  }

  // The surface's value under the pointer (Plotly's own hover covers the points and lines).
  #hover(event) {
    const layout = this.element._fullLayout;
    const [xa, ya] = [layout?.xaxis, layout?.yaxis];
    const rect = this.element.getBoundingClientRect();
    const [px, py] = [event.clientX - rect.left - (xa?._offset ?? 0), event.clientY - rect.top - (ya?._offset ?? 0)];
    const inside = xa && this.surface && px >= 0 && py >= 0 && px <= xa._length && py <= ya._length;
    const at = inside ? valueAt(this.surface, xa.p2l(px), ya.p2l(py)) : null;
    this.tip.hidden = !at;
    if (!at) return;
    const { label, kind } = this.surface;
    const shown = kind === "regions" ? `region ${at.text}` : kind === "class" ? `${label} ${at.value}`
      : `${label} = ${Number(at.value).toFixed(3)}`;
    this.tip.textContent = `${shown} at (${this.surface.x[at.j].toFixed(2)}, ${this.surface.y[at.i].toFixed(2)})`;
    Object.assign(this.tip.style, { left: `${event.clientX - rect.left + 14}px`, top: `${event.clientY - rect.top + 14}px` });
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

  // What the canvas paints: the grid's regions (with "linear regions" and no exact polygons), the
  // predicted class (multiclass, or binary with "discrete"), else the output or P(y=1).
  #surfaceOf() {
    const fn = this.fn;
    if (!fn) return null;
    const task = this.data?.task;
    if (this.showRegions && fn.regions && !Array.isArray(fn.polygons)) {
      return { kind: "regions", label: "region", x: fn.x, y: fn.y, z: fn.regions.map((row) => row.map(scramble)),
        text: fn.regions, zmin: 0, zmax: 1, stops: REGION_STOPS, smooth: false, opacity: 0.55 };
    }
    if ((task === "multiclass" || (task === "binary" && this.discrete)) && (fn.classes || task === "binary")) {
      // the predicted class: the server's argmax (multiclass), P(y=1) > 0.5 (binary)
      const k = this.data.classes ?? 2;
      const z = task === "binary" ? fn.z.map((row) => row.map((p) => (p > 0.5 ? 1 : 0))) : fn.classes;
      return { kind: "class", label: "predicted class", x: fn.x, y: fn.y, z, zmin: -0.5, zmax: k - 0.5,
        stops: discreteScale(k), smooth: false, opacity: 0.35 };
    }
    const binary = task === "binary";
    const [zmin, zmax] = binary ? [0, 1] : valueLimits(fn.z);
    return { kind: binary ? "probability" : "value", label: binary ? "P(y=1)" : "f", x: fn.x, y: fn.y, z: fn.z,
      zmin, zmax, stops: binary ? PROBABILITY_SCALE : VIRIDIS, smooth: true, opacity: binary ? 0.85 : 0.9 };
  }

  // The continuous surfaces' colour bar: Plotly draws it for an invisible marker on the same scale.
  #colorBar() {
    const s = this.surface;
    if (!s || (s.kind !== "value" && s.kind !== "probability")) return [];
    return [{
      type: "scatter", mode: "markers", name: "colour scale", x: [s.x[0]], y: [s.y[0]], hoverinfo: "skip",
      marker: { size: 1, opacity: 0, color: [s.zmin], cmin: s.zmin, cmax: s.zmax,
        colorscale: s.stops, showscale: true,
        colorbar: { thickness: 12, len: 0.8, title: { text: s.label === "f" ? "f(x)" : s.label, side: "right" } } },
    }];
  }

  // The decision boundary: the exact segments (piecewise-linear nets without features), else the
  // sampled P(y=1) = 0.5 contour (binary only).
  #boundary() {
    const fn = this.fn;
    const task = this.data?.task;
    if (!fn || task === "regression") return [];
    const segments = boundarySegments(fn.boundary);
    if (segments) return [boundaryTrace(segments)];
    if (task !== "binary") return [];
    return [{
      type: "contour", x: fn.x, y: fn.y, z: fn.z, showscale: false, hoverinfo: "skip",
      contours: { start: 0.5, end: 0.5, size: 1, coloring: "none" },
      line: { color: COLORS.ink, width: 2.5 }, name: "decision boundary",
    }];
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
      // no grid lines over the painted surface (they would sit on it: the canvas is under the SVG)
      xaxis: axis({ title: { text: "x₁" }, range: [x0, x1], constrain: "domain", showgrid: !this.surface,
        zeroline: !this.surface }),
      yaxis: axis({ title: { text: "x₂" }, range: [y0, y1], scaleanchor: "x", scaleratio: 1,
        constrain: "domain", showgrid: !this.surface, zeroline: !this.surface }),
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

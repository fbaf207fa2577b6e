// The lecture's hidden-unit panels for 2-input nets (UDL Figure 3.8): for each unit of the last
// hidden layer its pre-activation, activation and weighted contribution over the plane, then their
// sum, the output. Small canvases (a res x res image scaled up with drawImage), not Plotly: 25+
// heatmaps redrawn every frame would cost far more. Only draws what the server sent (function.units).
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().
import { unitStyle } from "./palette.js";
import { STAGE_TITLES, drawPlane, planeScale } from "./planes.js";

const STOPPED = {
  diverged: "The run diverged: there are no units to draw. Reset it.",
  failed: "The server failed on this run: there are no units to draw. Reset it.",
};

export class Units2dView {
  /** element: the panels' container; caption: a paragraph that says what is drawn. */
  constructor(element, caption) {
    this.element = element;
    this.caption = caption;
    this.shape = "";
    this.panels = []; // {canvas, stage, unit} in drawing order
  }

  reset() {
    this.#empty("");
  }

  setData(snapshot) {
    this.update(snapshot);
  }

  update({ run, function: fn }) {
    if (!fn && STOPPED[run.status]) return this.#empty(STOPPED[run.status]);
    if (!fn || fn.kind !== "2d") return this.#empty("");
    const units = fn.units;
    if (!units) return this.#empty("Too many hidden units (or too fine a grid) to draw one by one.");
    const rows = rowsOf(units, run.config.model);
    const stages = units.layers.length ? ["pre", "post", "weighted"] : ["weighted"];
    const shape = `${rows.length}x${stages.join()}`;
    if (shape !== this.shape) this.#build(rows, stages, run.config.model.activation);
    this.shape = shape;
    this.element.hidden = false;
    this.#draw(units, rows, stages);
    this.#caption(run, units, rows);
    return undefined;
  }

  #build(rows, stages, activation) {
    const cell = 92; // canvas pixels (CSS --cell scales it to the rows and the layout)
    this.element.style.setProperty("--rows", String(rows.length));
    this.element.style.setProperty("--stages", String(stages.length));
    const parts = [document.createElement("span")];
    for (const stage of stages) parts.push(heading(STAGE_TITLES[stage](activation)));
    parts.push(heading(STAGE_TITLES.output()));
    this.panels = [];
    const place = (node, row, column) => {
      node.style.gridRow = String(row);
      node.style.gridColumn = String(column);
      parts.push(node);
    };
    rows.forEach((row, r) => {
      const label = document.createElement("span");
      label.className = "unit-label";
      label.textContent = row.label;
      label.style.color = row.unit === null ? "" : unitStyle(row.unit).color;
      place(label, r + 2, 1);
      stages.forEach((stage, s) => place(this.#canvas(stage, row.index, cell), r + 2, s + 2));
    });
    const sum = this.#canvas("output", 0, 2 * cell);
    sum.classList.add("sum");
    place(sum, `2 / span ${rows.length}`, stages.length + 2);
    this.element.replaceChildren(...parts);
  }

  #canvas(stage, index, size) {
    const canvas = document.createElement("canvas");
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    canvas.width = Math.round(size * ratio);
    canvas.height = Math.round(size * ratio);
    canvas.dataset.stage = stage;
    canvas.dataset.unit = String(index);
    this.panels.push({ canvas, stage, index });
    return canvas;
  }

  #draw(units, rows, stages) {
    const last = units.layers[units.layers.length - 1];
    const planes = {
      pre: last?.pre, post: last?.post, weighted: units.weighted[0], output: [units.output[0]],
    };
    const scales = Object.fromEntries(Object.entries(planes).map(([k, v]) => [k, v ? planeScale(v) : 1]));
    const grid = { x: units.x, y: units.y };
    const lines = units.layers.length === 1 ? units.lines ?? [] : []; // a deeper unit's joints bend
    for (const panel of this.panels) {
      const plane = planes[panel.stage][panel.index];
      panel.canvas.plane = plane; // what was drawn, for the browser tests (never read by the page)
      const drawnLines = panel.stage === "output"
        ? lines.map((line, u) => (line ? { line, color: unitStyle(u).color } : null)).filter(Boolean)
        : panel.stage === "weighted" || !lines[panel.index] ? []
          : [{ line: lines[panel.index], color: "#1d2433" }];
      panel.canvas.lines = drawnLines.map((d) => d.line);
      drawPlane(panel.canvas, plane, scales[panel.stage], grid, drawnLines);
    }
    this.element.dataset.panels = String(this.panels.length);
    this.element.dataset.rows = String(rows.length);
  }

  #caption(run, units, rows) {
    const outputs = units.output.length;
    const hidden = units.layers.length;
    let text = hidden
      ? `${rows.length} unit${rows.length === 1 ? "" : "s"} in the last hidden layer; blue < 0 < orange, one scale per column.`
      : "No hidden layer: each input's (and feature's) weighted term, then their sum.";
    if (run.task !== "regression") text += " The sum is the output before the sigmoid (softmax): a logit.";
    if (outputs > 1) text += ` Output 1 of ${outputs} (class 0's logit).`;
    if (hidden === 1 && units.lines) text += " Dashed: each unit's joint line, where its pre-activation is zero.";
    this.caption.textContent = text;
  }

  #empty(text) {
    this.shape = "";
    this.panels = [];
    this.element.replaceChildren();
    this.element.hidden = true;
    this.element.dataset.panels = "0";
    this.caption.textContent = text;
  }
}

const FEATURE_NAMES = { x1_squared: "x₁²", x2_squared: "x₂²", x1_x2: "x₁x₂", sin_pi_x1: "sin(πx₁)",
  sin_pi_x2: "sin(πx₂)" };

// One row per unit of the last hidden layer (depth 0: per input and feature column).
function rowsOf(units, model) {
  if (units.layers.length) {
    const count = units.layers[units.layers.length - 1].post.length;
    return Array.from({ length: count }, (_, u) => ({ index: u, unit: u, label: `unit ${u + 1}` }));
  }
  const names = ["x₁", "x₂", ...(model.features ?? []).map((name) => FEATURE_NAMES[name] ?? name)];
  return units.weighted[0].map((_, c) => ({ index: c, unit: null, label: names[c] ?? `input ${c + 1}` }));
}

function heading([text, formula]) {
  const span = document.createElement("span");
  span.className = "stage-title";
  span.textContent = text;
  span.title = formula;
  return span;
}

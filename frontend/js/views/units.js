// The lecture's hidden-unit panels for 1-input nets: pre-activation -> activation -> weighted ->
// summed (shallow), or each layer's unit outputs as functions of x (deep), with each shallow unit's
// joint (where its pre-activation is zero) marked. Only draws; it adds no math the server did not send.
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().
import { bends } from "./captions.js";
import { UNIT_HUES, unitStyle } from "./palette.js";
import { COLORS, FONT_SIZE, PLOT_CONFIG, axis, baseLayout, plotly } from "./theme.js";


// Why a run has no units to draw, by status (its function is null).
const STOPPED = {
  diverged: "The run diverged: its weights are no longer finite numbers, so there are no units to draw. Reset it.",
  failed: "The server failed on this run: there are no units to draw. Reset it.",
};

export class UnitsView {
  /** element: the chart; caption: a paragraph that explains what is (and is not) drawn. */
  constructor(element, caption) {
    this.element = element;
    this.caption = caption;
    plotly().newPlot(element, [], baseLayout(), PLOT_CONFIG);
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
    const joints = panels[0].joints ?? [];
    this.element.dataset.joints = String(joints.length);
    const traces = [];
    panels.forEach((panel, p) => {
      const suffix = p === 0 ? "" : String(p + 1);
      for (const trace of panel.traces) traces.push({ ...trace, xaxis: `x${suffix}`, yaxis: `y${suffix}` });
    });
    const layout = layoutFor(panels);
    const wasHidden = this.element.hidden;
    this.element.hidden = false;
    this.element.style.height = `${layout.height}px`;
    plotly().react(this.element, traces, layout);
    if (wasHidden) plotly().Plots.resize(this.element);
    const total = units.layers[units.layers.length - 1].post.length;
    this.caption.textContent = `${total} unit${total === 1 ? "" : "s"} in the last hidden layer`
      + (total > UNIT_HUES.length ? "; one colour and dash per unit (hover a line for its number)." : "; one colour per unit.");
    if (run.task !== "regression") {
      this.caption.textContent += " The sum f is the output before the sigmoid: P(y = 1) = sig[f].";
    }
    if (fn.y.length > 1) {
      this.caption.textContent += ` Weighted and sum are output y₁'s; the other ${fn.y.length - 1} output(s) weight the same units, so they bend at the same joints.`;
    }
    if (joints.length) {
      this.caption.textContent += " ◆ marks each unit's joint, where its pre-activation crosses zero: "
        + "the unit bends there, and so does the output.";
    }
    return undefined;
  }

  #empty(text) {
    this.element.hidden = true;
    this.caption.textContent = text;
  }
}

function buildPanels(fn, units, activation, task, bent) {
  const x = fn.x;
  const layers = units.layers;
  const last = layers[layers.length - 1];
  const shown = units.weighted.map((_, i) => i); // every unit the server sent (it caps them)
  const lines = (rows, indices) => indices.map((i) => ({
    type: "scatter", mode: "lines", x, y: rows[i], name: `unit ${i + 1}`,
    line: { ...unitStyle(i), width: 2 },
    hovertemplate: `unit ${i + 1}: %{y:.3f}<extra></extra>`,
  }));
  const panels = [];
  if (layers.length === 1) {
    // only a bending activation has joints (identity is piecewise linear too, with no bend)
    const joints = bent ? serverJoints(units.joints, shown) : [];
    const pre = [...lines(last.pre, shown), ...jointMarkers(joints)];
    panels.push({ title: "1. pre-activation θ₀ + θ₁x", traces: pre, joints });
    panels.push({ title: `2. activation h = ${activation}[·]`, traces: lines(last.post, shown), joints });
    panels.push({ title: "3. weighted φ·h", traces: lines(units.weighted, shown), joints });
  } else {
    layers.forEach((layer, l) => {
      panels.push({ title: `${l + 1}. layer ${l + 1} outputs h${"′".repeat(l)}`, traces: lines(layer.post, layer.post.map((_, i) => i)) });
    });
    panels.push({ title: `${panels.length + 1}. weighted φ·h`, traces: lines(units.weighted, shown) });
  }
  const sum = x.map((_, n) => units.bias + units.weighted.reduce((acc, row) => acc + row[n], 0));
  panels.push({
    title: `${panels.length + 1}. sum ${task === "regression" ? "y" : "f"} = φ₀ + Σ φ·h`,
    traces: [{
      type: "scatter", mode: "lines", x, y: sum, name: "sum",
      line: { color: COLORS.fit, width: 3 }, hovertemplate: "y = %{y:.3f}<extra></extra>",
    }],
    joints: panels[0].joints, // each joint is a kink of the sum (unless its unit's φ is zero)
  });
  return panels;
}

// The server's joints (x = -b/w per unit, null where a unit has none inside the plotted x), as
// {unit, x} for the units shown.
function serverJoints(joints, shown) {
  return shown.filter((unit) => joints?.[unit] != null).map((unit) => ({ unit, x: joints[unit] }));
}

// Each joint as a diamond on the zero line, labelled with its unit's number (colour alone is not
// enough to tell units apart).
function jointMarkers(joints) {
  if (!joints.length) return [];
  const byX = joints.map((j, i) => [j.x, i]).sort((a, b) => a[0] - b[0]);
  const order = [];
  byX.forEach(([, i], rank) => { order[i] = rank; });
  return [{
    type: "scatter", mode: "markers+text", name: "joints", x: joints.map((j) => j.x), y: joints.map(() => 0),
    customdata: joints.map((j) => j.unit + 1), text: joints.map((j) => String(j.unit + 1)),
    // neighbouring joints take turns above and below the line, so close labels do not merge
    textposition: joints.map((_, i) => (order[i] % 2 ? "bottom center" : "top center")), textfont: { size: FONT_SIZE - 2, color: joints.map((j) => unitStyle(j.unit).color) },
    cliponaxis: false,
    marker: { symbol: "diamond", size: 11, color: joints.map((j) => unitStyle(j.unit).color),
      line: { color: "#fff", width: 1.5 } },
    hovertemplate: "unit %{customdata} joint at x = %{x:.3f}<extra></extra>",
  }];
}

function layoutFor(panels) {
  const columns = Math.min(panels.length, panels.length === 5 ? 5 : 4);
  const rows = Math.ceil(panels.length / columns);
  const layout = baseLayout({
    height: rows * 18 * FONT_SIZE + 20, // about 240 px per row on a laptop, more on a projector
    grid: { rows, columns, pattern: "independent", xgap: 0.12, ygap: rows > 1 ? 0.25 : 0.3 },
    margin: { l: 36, r: 10, t: 28, b: 28 },
    annotations: [],
    shapes: [],
    hovermode: "x",
  });
  panels.forEach((panel, p) => {
    const suffix = p === 0 ? "" : String(p + 1);
    layout[`xaxis${suffix}`] = axis({ showticklabels: true, nticks: 5, zeroline: false });
    layout[`yaxis${suffix}`] = axis({ nticks: 5 });
    layout.annotations.push({
      text: `<b>${panel.title}</b>`, showarrow: false, xref: `x${suffix} domain`, yref: `y${suffix} domain`,
      x: 0, y: 1.02, xanchor: "left", yanchor: "bottom", font: { size: FONT_SIZE - 1, color: COLORS.muted },
    });
    if (p === 0) return; // the pre-activation panel marks its joints on the zero line instead
    for (const joint of panel.joints ?? []) { // a faint line where the unit bends
      layout.shapes.push({ type: "line", layer: "below", xref: `x${suffix}`, yref: `y${suffix} domain`,
        x0: joint.x, x1: joint.x, y0: 0, y1: 1, opacity: 0.55,
        line: { color: unitStyle(joint.unit).color, width: 1.5, dash: "dot" } });
    }
  });
  return layout;
}

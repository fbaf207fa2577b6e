// The "By hand" card (the lecture's Figure 3.3): a slider and a number box for every weight of a
// shallow 1-input, 1-output net of at most 4 hidden units, y = φ₀ + Σ φ_d a[θ_d0 + θ_d1 x].
// Moving one hands every weight to onWeights (throttled); the fit, the units and the loss come back
// in the server's frames. A view of the registry (views/registry.js); it never fetches or plots.
import { fullLayers, read, refusal, sameWeights, weightsOf, widthOf, write } from "../state/weights.js";
import { unitStyle } from "./palette.js";

const SEND_INTERVAL_MS = 50; // at most 20 set_weights per second while dragging
const SETTLE_MS = 2000; // after an edit, only the edited weights' echo (or this long) moves a slider
const SPAN = 4; // sliders span [-SPAN, SPAN], wider when a weight lies beyond
const SUB = "₀₁₂₃₄₅₆₇₈₉";

/** The parameters of a net of `units` hidden units: label, colour and place in the layers. */
export function parameters(units) {
  const list = [];
  for (let d = 0; d < units; d += 1) {
    const color = unitStyle(d).color;
    list.push({ key: `theta_${d + 1}_0`, label: `θ${SUB[d + 1]}₀`, unit: d, role: "bias", color, path: [0, "bias", d] });
    list.push({ key: `theta_${d + 1}_1`, label: `θ${SUB[d + 1]}₁`, unit: d, role: "slope", color, path: [0, "weight", d, 0] });
    list.push({ key: `phi_${d + 1}`, label: `φ${SUB[d + 1]}`, unit: d, role: "output", color, path: [1, "weight", 0, d] });
  }
  list.push({ key: "phi_0", label: "φ₀", unit: null, role: "offset", color: "", path: [1, "bias", 0] });
  return list;
}

/** A number as the card writes it: 3 significant digits, a true minus sign. */
export function shortNumber(value) {
  if (!Number.isFinite(value)) return "–";
  const text = Math.abs(value) >= 1e-3 || value === 0 ? String(Number(value.toPrecision(3))) : value.toExponential(2);
  return text.replace("-", "−");
}

export class ByHandView {
  /** element: the card; onWeights(layers) sends every weight; fetchWeights(runId) answers them
   * when the frames carry none (the server's unit pictures off); locked() says why this page may
   * not set weights (a watcher of a shared run), or null. */
  constructor(element, { onWeights, fetchWeights, locked = () => null }) {
    this.element = element;
    this.onWeights = onWeights;
    this.locked = locked;
    this.fetchWeights = fetchWeights;
    this.table = element.querySelector(".byhand-table");
    this.reason = element.querySelector(".byhand-reason");
    this.loss = element.querySelector(".byhand-loss");
    this.note = element.querySelector(".byhand-note");
    this.reset();
  }

  reset() {
    clearTimeout(this.timer);
    Object.assign(this, { layers: null, rows: null, units: 0, editedAt: -Infinity, awaited: null, lastSent: -Infinity,
      pending: null, timer: null, range: [-1, 1] });
    this.table.replaceChildren();
    this.#show("Waiting for a run…");
  }

  /** A run from scratch: can it be set by hand? Build the rows for its units. */
  setData({ run, data, function: fn }) {
    const why = refusal(run, data);
    this.#show(why);
    this.layers = null;
    this.awaited = null; // a rebuild or reset: the server's weights win
    if (why) return;
    this.range = data.input_range?.[0] ?? [-1, 1];
    const units = widthOf(run.config.model);
    if (units !== this.units || !this.rows) this.#build(units);
    this.#follow(run, fn);
  }

  /** A newer state: the loss, and the server's weights unless the student just moved one. */
  update({ run, function: fn }) {
    if (this.rows && !this.element.dataset.off) this.#follow(run, fn);
  }

  #follow(run, fn) {
    this.loss.textContent = `loss ${shortNumber(run.train_loss)}`;
    const playing = run.status === "running";
    this.element.dataset.playing = playing ? "1" : "0";
    const locked = this.locked();
    this.element.dataset.locked = locked ? "1" : "0";
    this.note.textContent = locked ?? (playing ? "Pause to set weights by hand." : "Drag a slider or type a number: every frame shows the new fit.");
    for (const row of this.rows) row.slider.disabled = row.box.disabled = playing || Boolean(locked);
    const sent = weightsOf(fn);
    if (!sent) {
      if (!this.layers) this.#ask(run.id);
    } else if (playing || !this.layers || this.#settled(sent)) this.#showWeights(sent);
  }

  // Frames of weights sent before the last edit must not move a slider back mid-drag: after an
  // edit, wait for the frame that carries the edited weights (or give up after SETTLE_MS).
  #settled(sent) {
    if (!this.awaited) return true;
    if (performance.now() - this.editedAt > SETTLE_MS || sameWeights(sent, this.awaited)) this.awaited = null;
    return !this.awaited;
  }

  async #ask(runId) {
    if (this.asking) return;
    this.asking = true;
    const weights = await this.fetchWeights(runId).catch(() => null); // GET .../weights: {layers}
    this.asking = false;
    if (weights && !this.layers && this.rows) this.#showWeights(fullLayers(weights.layers));
  }

  // Off: the card shrinks to its one-line reason (index.html's .byhand-on parts hide by CSS).
  #show(reason) {
    const off = reason ? "1" : "";
    this.reason.textContent = reason ?? "";
    if (this.element.dataset.off === off) return;
    this.element.dataset.off = off;
    window.dispatchEvent(new Event("resize")); // the grid's layout changed: responsive charts follow
  }

  #build(units) {
    this.units = units;
    this.rows = parameters(units).map((p) => ({ ...p, ...control(p, (value) => this.#edit(p, value)) }));
    const blocks = [];
    for (let d = 0; d < units; d += 1) blocks.push(unitBlock(d, this.rows.filter((r) => r.unit === d)));
    blocks.push(unitBlock(null, this.rows.filter((r) => r.unit === null)));
    this.table.replaceChildren(...blocks);
    this.joints = [...this.table.querySelectorAll(".byhand-joint")];
  }

  #showWeights(layers) {
    this.layers = layers;
    for (const row of this.rows) setControl(row, read(layers, row.path));
    this.#writeJoints();
  }

  #writeJoints() {
    const [lo, hi] = this.range;
    this.joints.forEach((cell, d) => {
      const bias = read(this.layers, [0, "bias", d]);
      const slope = read(this.layers, [0, "weight", d, 0]);
      const x = -bias / slope;
      cell.dataset.x = Number.isFinite(x) ? String(x) : "";
      cell.textContent = !Number.isFinite(x) ? "no joint (slope 0)"
        : `joint x = ${shortNumber(x)}${x < lo || x > hi ? " (off the data)" : ""}`;
    });
  }

  #edit(param, value) {
    if (!this.layers || !Number.isFinite(value) || this.element.dataset.playing === "1" || this.locked()) return;
    write(this.layers, param.path, value);
    setControl(this.rows.find((row) => row.key === param.key), value);
    this.#writeJoints();
    this.editedAt = performance.now();
    this.#send();
  }

  // Throttle: send at once if the last message is old enough, else once the interval is over (the
  // latest weights only), so a drag sends at most 20 messages a second and its last value always.
  #send() {
    this.pending = structuredClone(this.layers);
    this.awaited = this.pending;
    if (this.timer) return;
    const wait = this.lastSent + SEND_INTERVAL_MS - performance.now();
    const flush = () => {
      this.timer = null;
      this.lastSent = performance.now();
      const layers = this.pending;
      this.pending = null;
      if (layers) this.onWeights(layers);
    };
    if (wait <= 0) flush();
    else this.timer = setTimeout(flush, wait);
  }
}

// One parameter's slider and number box, both calling onValue(number) as they move.
function control(param, onValue) {
  const slider = document.createElement("input");
  Object.assign(slider, { type: "range", min: -SPAN, max: SPAN, step: 0.01 });
  const box = document.createElement("input");
  Object.assign(box, { type: "number", step: 0.01 });
  for (const input of [slider, box]) {
    input.dataset.weight = param.key;
    input.setAttribute("aria-label", `${param.label} (${param.role === "offset" ? "output bias" : param.role})`);
  }
  slider.classList.add("byhand-slider");
  box.classList.add("byhand-value");
  slider.addEventListener("input", () => onValue(Number(slider.value)));
  box.addEventListener("change", () => onValue(Number(box.value)));
  return { slider, box };
}

// Show a weight: the slider widens its span to hold it; the number box keeps 3 decimals.
function setControl(row, value) {
  const span = Math.max(SPAN, Math.ceil(Math.abs(value)));
  if (Number(row.slider.max) !== span) Object.assign(row.slider, { min: -span, max: span });
  row.slider.value = String(value);
  if (document.activeElement !== row.box) row.box.value = String(Number(value.toFixed(3)));
}

// One unit's block (d, 0-based): h_d in its colour, its bias and slope, its output weight and its
// joint; or (d null) the output's φ₀ beside the sum it completes.
function unitBlock(d, params) {
  const block = document.createElement("div");
  block.className = d === null ? "byhand-unit byhand-offset" : "byhand-unit";
  const name = document.createElement("span");
  name.className = "byhand-name";
  name.textContent = d === null ? "y" : `h${SUB[d + 1]}`;
  if (d !== null) block.style.setProperty("--unit", unitStyle(d).color);
  const byRole = Object.fromEntries(params.map((p) => [p.role, p]));
  const last = document.createElement("span");
  if (d === null) {
    last.className = "byhand-formula";
    last.textContent = "y = φ₀ + Σ φ_d h_d";
    block.append(name, cell(byRole.offset), last);
    return block;
  }
  last.className = "byhand-joint";
  block.append(name, cell(byRole.bias), cell(byRole.slope), cell(byRole.output), last);
  return block;
}

function cell(param) {
  const label = document.createElement("label");
  label.className = "byhand-cell";
  const symbol = document.createElement("span");
  symbol.className = "byhand-symbol";
  symbol.textContent = param.label;
  symbol.title = { bias: "bias θ_d0", slope: "slope θ_d1", output: "output weight φ_d", offset: "output bias φ₀" }[param.role];
  if (param.color) symbol.style.color = param.color;
  label.append(symbol, param.slider, param.box);
  return label;
}

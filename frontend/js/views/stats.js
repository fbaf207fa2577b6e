// "Numbers that teach": step, epoch, losses, accuracy, speed, device, the parameter count with the
// lecture's formula, and linear regions against the lecture's bound. Writes text only.
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().

import { boundName, exactRegions, generalFormula } from "./bounds.js";

export class StatsView {
  /** element: a container holding <dd data-stat="name"> cells. */
  constructor(element) {
    this.element = element;
    this.cells = Object.fromEntries(
      [...element.querySelectorAll("[data-stat]")].map((cell) => [cell.dataset.stat, cell]),
    );
  }

  reset() {
    for (const cell of Object.values(this.cells)) cell.textContent = "–";
  }

  setData(snapshot) {
    this.update(snapshot);
  }

  /** A frame: its Run; options name the piecewise-linear activations, where regions are counted. */
  update({ run, options, function: fn }) {
    if (!run) return;
    const piecewise = new Set(options.activations.filter((a) => a.piecewise_linear).map((a) => a.name));
    const cfg = run.config?.model ?? {};
    this.#set("step", run.step.toLocaleString("en-US"));
    this.#set("epoch", run.epoch.toFixed(run.epoch < 10 ? 2 : 1));
    this.#set("train_loss", loss(run.train_loss));
    this.#set("test_loss", loss(run.test_loss));
    const allTrain = run.config?.dataset?.train_fraction === 1;
    this.#set("accuracy", allTrain && run.accuracy == null ? "– (no test points)" : percent(run.accuracy));
    const trainAccuracy = this.cells.train_accuracy;
    trainAccuracy.parentElement.hidden = !("train_accuracy" in run); // the server sends it soon
    this.#set("train_accuracy", percent(run.train_accuracy));
    this.#set("steps_per_second", run.status === "running"
      ? Math.round(run.steps_per_second).toLocaleString("en-US")
      : { failed: "stopped (failed)", diverged: "stopped (diverged)" }[run.status] ?? "paused");
    this.#set("device", run.device);
    this.#set("parameter_count", run.parameter_count.toLocaleString("en-US"));
    this.#set("formula", formula(run, cfg));
    this.#set("linear_regions", exactRegions(regions(run, piecewise.has(cfg.activation)), fn));
    this.#set("loss", run.loss ? lossLabel(run.loss) : "–");
  }

  #set(name, text) {
    const cell = this.cells[name];
    if (cell && cell.textContent !== text) cell.textContent = text;
  }
}

function loss(value) {
  if (value === null || value === undefined) return "–";
  if (!Number.isFinite(value)) return "∞ (diverged)";
  return value < 1e-3 ? value.toExponential(2) : value.toFixed(4);
}

function lossLabel(name) {
  return { mse: "MSE (Gaussian NLL)", bce: "BCE (Bernoulli NLL)", cross_entropy: "cross-entropy" }[name] ?? name;
}

// The lecture's 3D + 1 + (K-1)D(D+1) holds for 1 input, 1 output, K layers of D units; it counts
// weights and biases only, so batch norm's scale and shift (2 per hidden unit) come on top.
function formula(run, cfg) {
  const lecture = run.lecture_parameter_count;
  if (lecture === null || lecture === undefined) return generalFormula(run) ?? "lecture formula: for 1 input, 1 output";
  const d = cfg.hidden_units;
  const k = cfg.depth;
  if (k === 0) return `no hidden layer: y = β₀ + β₁x, ${lecture} parameters`;
  const extra = run.parameter_count - lecture;
  const more = extra === 0 ? ""
    : cfg.batch_norm && extra === 2 * d * k
      ? ` weights and biases, + ${extra} for batch norm (γ and β for each of the ${d * k} hidden units)`
      : ` weights and biases, + ${extra} more`;
  return `3D + 1 + (K−1)D(D+1) = 3·${d} + 1 + ${k - 1}·${d}·${d + 1} = ${lecture}${more}`;
}

function percent(value) {
  return value === null || value === undefined ? "n/a" : `${(100 * value).toFixed(1)}%`;
}

function regions(run, piecewise) {
  if (!piecewise) return "n/a (smooth activation: no kinks)";
  if (run.status === "diverged") return "– (diverged)";
  if (run.status === "failed") return "– (failed)";
  if (run.linear_regions === null || run.linear_regions === undefined) return "–";
  if (run.region_bound === null || run.region_bound === undefined) return String(run.linear_regions);
  const bound = run.region_bound; // beyond 2^53 the server sends a float: write it as a power
  const text = bound >= 1e9 ? bound.toExponential(2).replace("e+", "×10^") : bound.toLocaleString("en-US");
  const name = boundName(run);
  return `${run.linear_regions} of at most ${name} = ${text}`;
}

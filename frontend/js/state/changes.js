// Tells what a settings change did, from the server's next message: "live" (training went on with
// the same weights) or "rebuilt" (new data or network, back to step 0). Pure logic, no DOM.
import { configPath } from "./hash.js";

const LABELS = {
  dataset: "Dataset", n_points: "Points", noise: "Noise", train_fraction: "Training share",
  data_seed: "Data seed", points: "Your points", hidden_units: "Hidden units", depth: "Hidden layers",
  activation: "Activation", init: "Initialisation", dropout: "Dropout", batch_norm: "Batch norm",
  optimizer: "Optimizer", learning_rate: "Learning rate", momentum: "Momentum",
  weight_decay: "Weight decay", batch_size: "Batch size", seed: "Weight seed",
};

const DATA_KEYS = new Set(["dataset", "n_points", "noise", "train_fraction", "data_seed", "points"]);

export class ChangeTracker {
  constructor() {
    this.pending = null;
  }

  /** A change was sent: hash key, the value sent, and the step the run was at. */
  expect(key, value, step) {
    this.pending = { key, value, step };
  }

  /** The server refused the change. */
  fail() {
    this.pending = null;
  }

  /** A snapshot arrived: if a change was pending, it rebuilt the run. Returns a note or null. */
  onSnapshot() {
    const change = this.pending;
    if (!change) return null;
    this.pending = null;
    const what = DATA_KEYS.has(change.key)
      ? "the data was drawn again and training restarted from step 0"
      : "the network was rebuilt and training restarted from step 0";
    return { kind: "rebuilt", message: `${LABELS[change.key] ?? change.key} changed: ${what}.` };
  }

  /** A frame arrived: if it carries the pending value without a restart, it applied live. */
  onFrame(run) {
    const change = this.pending;
    if (!change || change.key === "points") return null;
    const [group, field] = configPath(change.key);
    if (!sameValue(run.config?.[group]?.[field], change.value)) return null;
    this.pending = null;
    if (run.step < change.step) return null; // a reset came in between: the snapshot explains it
    return {
      kind: "live",
      message: `${LABELS[change.key] ?? change.key} changed live at step ${run.step.toLocaleString("en-US")}: training goes on with the same weights.`,
    };
  }
}

function sameValue(a, b) {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));
  return a === b;
}

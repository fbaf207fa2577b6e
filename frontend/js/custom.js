// Custom data: the user's own points for the custom datasets. A click on the plot adds a point (or
// removes the one under the pointer); the list goes to the server as dataset.points. It says how
// many are training and test points, and offers to train on all of them. No drawing.

const REMOVE_RADIUS_PX = 9;
const MIN_POINTS = 2;

// Starting points when a custom dataset is chosen and the current data cannot be reused.
const STARTERS = {
  1: [[-1.5, -0.5], [-0.75, 0.4], [0, 0.1], [0.75, 0.8], [1.5, -0.2]],
  2: [[[-1, -1], 0], [[-0.6, -1.2], 0], [[1, 1], 1], [[1.1, 0.5], 1]],
};

export class CustomPoints {
  /**
   * panel: the custom-data box; onChange(points) sends the new list (as dataset.points);
   * onTrainFraction(fraction) sends dataset.train_fraction (1: train on all points).
   */
  constructor(panel, { onChange, onTrainFraction, onMessage }) {
    this.panel = panel;
    this.onChange = onChange;
    this.onMessage = onMessage;
    this.split = null;
    this.defaultFraction = null; // the server's default training share, from the first snapshot
    this.allTrain = panel.querySelector("#custom-all-train");
    this.allTrain.addEventListener("change", () => onTrainFraction(this.allTrain.checked ? 1 : this.defaultFraction));
    this.info = null;
    this.points = [];
    this.help = panel.querySelector("#custom-help");
    this.classChoice = panel.querySelector("#custom-class");
    this.count = panel.querySelector("#custom-count");
    panel.querySelector("#custom-add").addEventListener("click", () => this.#addTyped());
    panel.querySelector("#custom-undo").addEventListener("click", () => this.#set(this.points.slice(0, -1)));
    panel.querySelector("#custom-clear").addEventListener("click", () => this.#set(this.#minimal()));
  }

  /** The most user points this server takes (options.limits.max_user_points). */
  setMaxPoints(n) {
    this.maxPoints = n;
  }

  get active() {
    return Boolean(this.info?.custom);
  }

  /**
   * The dataset in use (an options entry), its config (points, train_fraction) and, from its
   * snapshot, how many points are training and test points ({train, test}); defaultFraction is
   * the training share unticking "train on all points" goes back to.
   */
  setDataset(info, dataset, split = this.split, defaultFraction = this.defaultFraction) {
    this.info = info;
    this.split = split;
    this.defaultFraction = defaultFraction;
    this.points = (dataset?.points ?? []).map((p) => ({ x: [...p.x], y: p.y }));
    this.allTrain.checked = dataset?.train_fraction === 1;
    this.panel.hidden = !this.active;
    document.body.dataset.custom = this.active ? "1" : "0";
    if (!this.active) return;
    const binary = info.task === "binary";
    this.classChoice.hidden = !(binary && info.inputs === 2);
    this.panel.querySelector("#custom-x2-label").hidden = info.inputs !== 2;
    this.panel.querySelector("#custom-y-name").textContent = binary ? "class" : "y";
    this.help.textContent = (info.inputs === 2
      ? "Click the plane to add a point of the chosen class; click a point to remove it."
      : binary
        ? "Click the plot to add a point: above the dotted line it is class 1, below it class 0. Click a point to remove it."
        : "Click the plot to add a point at that (x, y); click a point to remove it.")
      + " Hollow points are test points: the network never trains on them.";
    this.#showCount();
  }

  #showCount() {
    const n = this.points.length;
    const split = this.split && this.split.train + this.split.test === n
      ? ` · ${this.split.train} train · ${this.split.test} test` : "";
    this.count.textContent = `${n} point${n === 1 ? "" : "s"}${split}`;
  }

  /**
   * Points to start a custom dataset with: the current data's training points when they fit the
   * custom dataset (same inputs and task), otherwise a small starter set.
   */
  startingPoints(info, data) {
    const compatible = data && data.inputs === info.inputs && data.task === info.task;
    if (compatible) {
      const [lo, hi] = info.input_range[0];
      const inside = data.train.x
        .map((x, i) => ({ x: x.map((v) => clamp(v, lo, hi)), y: clamp(Number(data.train.y[i]), -10, 10) }));
      return inside.slice(0, 40).map(round);
    }
    const starters = STARTERS[info.inputs];
    if (info.inputs === 2) return starters.map(([x, y]) => ({ x, y }));
    if (info.task === "binary") return starters.map(([x], i) => ({ x: [x], y: i % 2 }));
    return starters.map(([x, y]) => ({ x: [x], y }));
  }

  /** A click on the plot area (from the 1-D or 2-D view) in data coordinates. */
  click({ x, y, pixelDistance }) {
    if (!this.active) return;
    const hit = this.points.findIndex((p) => pixelDistance(p.x[0], this.info.inputs === 2 ? p.x[1] : p.y) < REMOVE_RADIUS_PX);
    if (hit >= 0) {
      this.#set(this.points.filter((_, i) => i !== hit));
      return;
    }
    const [lo, hi] = this.info.input_range[0];
    let point;
    if (this.info.inputs === 2) {
      const chosen = this.classChoice.querySelector("input:checked");
      point = { x: [clamp(x, lo, hi), clamp(y, lo, hi)], y: Number(chosen?.value ?? 0) };
    } else if (this.info.task === "binary") {
      point = { x: [clamp(x, lo, hi)], y: y >= 0.5 ? 1 : 0 };
    } else {
      point = { x: [clamp(x, lo, hi)], y: clamp(y, -10, 10) };
    }
    this.#set([...this.points, round(point)]);
  }

  // The keyboard way to add a point; values go to the server as typed (it names what is wrong).
  #addTyped() {
    const value = (id) => Number(this.panel.querySelector(id).value);
    const x = this.info.inputs === 2 ? [value("#custom-x1"), value("#custom-x2")] : [value("#custom-x1")];
    this.#set([...this.points, { x, y: value("#custom-y") }]);
  }

  // "Clear" keeps two points: the server needs at least two to train on.
  #minimal() {
    if (this.info.inputs === 2) return [{ x: [-1, -1], y: 0 }, { x: [1, 1], y: 1 }];
    return [{ x: [-1], y: 0 }, { x: [1], y: this.info.task === "binary" ? 1 : 0 }];
  }

  #set(points) {
    if (points.length < MIN_POINTS) {
      this.onMessage?.(`A custom dataset needs at least ${MIN_POINTS} points.`);
      return;
    }
    if (this.maxPoints && points.length > this.maxPoints) {
      this.onMessage?.(`A custom dataset holds at most ${this.maxPoints} points on this server.`);
      return;
    }
    this.points = points;
    this.#showCount();
    this.onChange(points);
  }
}

function clamp(value, lo, hi) {
  return Math.min(hi, Math.max(lo, value));
}

function round(point) {
  const r = (v) => Math.round(v * 1000) / 1000;
  return { x: point.x.map(r), y: r(point.y) };
}

// Which views draw which kind of data ("1d", "2d", "digits": the contract's function kinds). Adding
// a view is one register() call. Every view has one interface: setData(snapshot) draws a run from
// scratch, update(frame) draws a newer state of it, reset() forgets what it drew. Draws nothing
// itself.
import { CONTRACT } from "../contract.js";

export const KINDS = CONTRACT.function_kinds;

/** The kind of data a snapshot's data describes: 1 input "1d", 2 inputs "2d", more "digits". */
export function kindOf(data) {
  return data.inputs === 1 ? "1d" : data.inputs === 2 ? "2d" : "digits";
}

export class ViewRegistry {
  constructor() {
    this.views = new Map(KINDS.map((kind) => [kind, []]));
    this.kind = null;
    this.options = null;
    this.timings = null; // null, or {views: Map(name -> [ms per update]), frames: [time of each]}
  }

  /** Start recording each view's update() time and each frame drawn (opt-in: the bench and tests). */
  enableTiming() {
    this.timings = { views: new Map(), frames: [], since: performance.now() };
  }

  /** What was recorded since enableTiming: {seconds, frames, views: {name: [ms, ...]}}, or null. */
  timingReport() {
    const t = this.timings;
    if (!t) return null;
    return { seconds: (performance.now() - t.since) / 1000, frames: t.frames.length,
      views: Object.fromEntries(t.views) };
  }

  /** Draw `view` for these kinds of data (KINDS for every kind). */
  register(kinds, view) {
    for (const kind of kinds) {
      if (!this.views.has(kind)) throw new Error(`unknown kind of data: ${kind}`);
      this.views.get(kind).push(view);
    }
    return view;
  }

  /** GET /api/options, handed to every view with each snapshot and frame (as `options`). */
  setOptions(options) {
    this.options = options;
  }

  /**
   * A snapshot {run, data, history, function} of a run with data of `kind`: views of another kind
   * are reset, then this kind's views draw it.
   */
  setData(kind, snapshot) {
    const shown = this.views.get(kind);
    if (kind !== this.kind) {
      for (const view of this.views.get(this.kind) ?? []) if (!shown.includes(view)) view.reset();
    }
    this.kind = kind;
    for (const view of shown) view.setData({ ...snapshot, options: this.options });
  }

  /** A frame {run, history (delta), function} of the run shown. */
  update(frame) {
    const timings = this.timings;
    if (timings) timings.frames.push(performance.now());
    for (const view of this.views.get(this.kind) ?? []) {
      if (!timings) {
        view.update({ ...frame, options: this.options });
        continue;
      }
      const start = performance.now();
      view.update({ ...frame, options: this.options });
      const name = view.constructor.name;
      if (!timings.views.has(name)) timings.views.set(name, []);
      timings.views.get(name).push(performance.now() - start);
    }
  }
}

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
    for (const view of this.views.get(this.kind) ?? []) view.update({ ...frame, options: this.options });
  }
}

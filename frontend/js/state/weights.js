// Weights as the page edits them (the "By hand" card, the diagram's editor): which nets the card
// takes, copies of the wire's {layers: [{weight, bias}]} to edit, where each weight sits in them,
// and their comparison.
// Plain data: no DOM, no network.

export const MAX_BY_HAND_UNITS = 4;

/** The width of the first hidden layer (hidden_units is one int or one per layer). */
export function widthOf(model) {
  return Array.isArray(model.hidden_units) ? model.hidden_units[0] : model.hidden_units;
}

/** Why this run's net cannot be set by hand in this card (null: it can). */
export function refusal(run, data) {
  const model = run.config.model;
  const units = widthOf(model);
  if (data.inputs !== 1) return `By hand needs 1 input (Figure 3.3); this data has ${data.inputs}.`;
  if (run.outputs !== undefined && run.outputs !== 1) return `By hand needs 1 output; this net has ${run.outputs}.`;
  if (model.depth !== 1) return `By hand needs one hidden layer; this net has ${model.depth}.`;
  if (units > MAX_BY_HAND_UNITS) return `By hand is for at most ${MAX_BY_HAND_UNITS} hidden units; this net has ${units}.`;
  if (model.features?.length) return "By hand needs x alone as input: turn the input features off.";
  if (model.batch_norm) return "By hand needs a net without batch norm (its folded weights cannot be unfolded).";
  return null;
}

/** The weight at `path` ([layer, "weight" | "bias", ...indices]) of wire-shaped layers. */
export const read = (layers, [layer, part, ...index]) => index.reduce((row, i) => row[i], layers[layer][part]);

/** Set the weight at `path` in place. */
export function write(layers, [layer, part, ...index], value) {
  const last = index.pop();
  index.reduce((row, i) => row[i], layers[layer][part])[last] = value;
}

/** A copy of wire layers [{weight, bias}] as plain finite numbers, to edit and send; null when a
 * layer is missing its numbers (a summarised wide layer carries only its strongest edges). */
export function fullLayers(layers) {
  if (!Array.isArray(layers) || !layers.length || layers.some((l) => !l.weight || !l.bias)) return null;
  const finite = (v) => (Number.isFinite(v) ? v : 0); // a diverged net: start again from 0
  return layers.map((l) => ({ weight: l.weight.map((row) => row.map(finite)), bias: l.bias.map(finite) }));
}

/** The network's weights from a function picture (see fullLayers); null when not sent. */
export const weightsOf = (fn) => fullLayers(fn?.network?.layers);

// Equal up to float32 rounding (the server keeps float32 weights).
export function sameWeights(a, b) {
  const flat = (layers) => layers.flatMap((l) => [...l.weight.flat(), ...l.bias]);
  const [x, y] = [flat(a), flat(b)];
  return x.length === y.length && x.every((v, i) => Math.abs(v - y[i]) <= 1e-6 * Math.max(1, Math.abs(v)));
}


// Words for what a settings change did, from the server's answer to it (`applied`): "none"
// (the value was already set), "live" (training went on with the same weights), "data" (new points, same weights, same step) or
// "rebuilt" (new data or network, back to step 0). Pure logic, no DOM.
import { field } from "./fields.js";

// What a rebuild did, by the field that caused it.
const REBUILT = {
  dataset: "new data, and training restarted from step 0",
  points: "training restarted from step 0",
  train_fraction: "the points were split again and training restarted from step 0",
};
const DRAWN_AGAIN = "the data was drawn again and training restarted from step 0";
const NEW_NETWORK = "the network was rebuilt and training restarted from step 0";

/**
 * The notice for a change of field `key` that the server answered with `applied` ("none",
 * "live", "data" or "rebuilt") at run step `step`: {kind, message}, kind being the `applied` value.
 */
export function describeChange(key, applied, step) {
  const spec = field(key);
  const label = spec?.label ?? key;
  if (applied === "none") {
    return { kind: "none", message: `${label} is already set to that: nothing changed.` };
  }
  if (applied === "live") {
    return { kind: "live", message: `${label} changed live at step ${step.toLocaleString("en-US")}: training goes on with the same weights.` };
  }
  if (applied === "data") {
    return { kind: "data", message: `${label} changed: the network keeps its weights and goes on training.` };
  }
  const what = REBUILT[key] ?? (spec?.path[0] === "dataset" ? DRAWN_AGAIN : NEW_NETWORK);
  return { kind: "rebuilt", message: `${label} changed: ${what}.` };
}

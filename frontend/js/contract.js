// The page's half of the API contract, as data: the run config's fields (key in the URL hash, place
// in the run config, kind, whether a change applies live or rebuilds, the control that edits it),
// the websocket message types it sends and handles, and the server's names it relies on.
// Written as one JSON literal: tests/test_contract.py reads this very text and holds it equal to
// server/schemas.py. No logic here (state/fields.js answers questions about the fields).
//
// fields[].kind: choice (one of an options list, `choices`), int, float, bool, batch (an int, or
// null for the full batch), points (the custom datasets' user points), widths (one int for every
// hidden layer, or a list of one per layer), features (a list of input-feature names). fields[].applies: live
// (training goes on with the same weights), rebuild (new data or network, back to step 0)
// or data (new points, the network keeps its weights and its step).
// fields[].slider: the span a slider shows (a view choice: the number box takes anything the
// server's bounds allow, and the slider is clipped to those bounds); scale "log" slides log10.
// pending: what the page is ready for but the server does not send yet (see DESIGN.md).
export const CONTRACT = deepFreeze(
{
  "fields": [
    {"key": "dataset", "path": ["dataset", "name"], "kind": "choice", "choices": "datasets",
     "applies": "rebuild", "control": "select", "label": "Dataset"},
    {"key": "n_points", "path": ["dataset", "n_points"], "kind": "int", "applies": "rebuild",
     "control": "slider", "label": "Points", "hint": "N",
     "slider": {"min": 10, "max": 1000, "step": 10}},
    {"key": "noise", "path": ["dataset", "noise"], "kind": "float", "applies": "rebuild",
     "control": "slider", "label": "Noise", "hint": "σ of ε",
     "slider": {"min": 0, "max": 1, "step": 0.01}},
    {"key": "train_fraction", "path": ["dataset", "train_fraction"], "kind": "float",
     "applies": "rebuild", "control": "slider", "label": "Training share", "hint": "rest is test",
     "slider": {"min": 0.1, "max": 0.95, "step": 0.05}},
    {"key": "data_seed", "path": ["dataset", "seed"], "kind": "int", "applies": "rebuild",
     "control": "number", "label": "Data seed"},
    {"key": "points", "path": ["dataset", "points"], "kind": "points", "applies": "data",
     "control": "points", "label": "Your points"},
    {"key": "hidden_units", "path": ["model", "hidden_units"], "kind": "widths",
     "applies": "rebuild", "control": "slider", "label": "Hidden units",
     "hint": "D per layer, or one per layer: 4,2",
     "slider": {"min": 1, "max": 64, "step": 1}},
    {"key": "depth", "path": ["model", "depth"], "kind": "int", "applies": "rebuild",
     "control": "slider", "label": "Hidden layers", "hint": "K, depth",
     "slider": {"min": 0, "max": 8, "step": 1}},
    {"key": "activation", "path": ["model", "activation"], "kind": "choice",
     "choices": "activations", "applies": "rebuild", "control": "select", "label": "Activation",
     "hint": "a[·]"},
    {"key": "features", "path": ["model", "features"], "kind": "features", "applies": "rebuild",
     "control": "features", "label": "Input features", "hint": "extra inputs"},
    {"key": "init", "path": ["model", "init"], "kind": "choice", "choices": "inits",
     "applies": "rebuild", "control": "select", "label": "Initialisation", "place": "more"},
    {"key": "dropout", "path": ["model", "dropout"], "kind": "float", "applies": "rebuild",
     "control": "slider", "label": "Dropout", "place": "more",
     "slider": {"min": 0, "max": 0.9, "step": 0.05}},
    {"key": "batch_norm", "path": ["model", "batch_norm"], "kind": "bool", "applies": "rebuild",
     "control": "checkbox", "label": "Batch norm", "place": "more"},
    {"key": "optimizer", "path": ["training", "optimizer"], "kind": "choice",
     "choices": "optimizers", "applies": "live", "control": "select", "label": "Optimizer"},
    {"key": "learning_rate", "path": ["training", "learning_rate"], "kind": "float",
     "applies": "live", "control": "slider", "label": "Learning rate", "hint": "α, log scale",
     "slider": {"min": -4, "max": 1, "step": 0.05, "scale": "log"}},
    {"key": "batch_size", "path": ["training", "batch_size"], "kind": "batch", "applies": "live",
     "control": "batch", "label": "Batch size", "hint": "|B|",
     "slider": {"min": 1, "max": 256, "step": 1}},
    {"key": "momentum", "path": ["training", "momentum"], "kind": "float", "applies": "live",
     "control": "slider", "label": "Momentum", "hint": "β",
     "slider": {"min": 0, "max": 0.99, "step": 0.01}},
    {"key": "weight_decay", "path": ["training", "weight_decay"], "kind": "float",
     "applies": "live", "control": "slider", "label": "Weight decay", "hint": "L2",
     "slider": {"min": 0, "max": 0.1, "step": 0.001}},
    {"key": "l1", "path": ["training", "l1"], "kind": "float", "applies": "live",
     "control": "slider", "label": "L1", "hint": "λ·Σ|w|", "place": "more",
     "slider": {"min": 0, "max": 0.01, "step": 0.0001}},
    {"key": "seed", "path": ["training", "seed"], "kind": "int", "applies": "rebuild",
     "control": "number", "label": "Weight seed"}
  ],
  "client_messages": ["play", "pause", "step", "reset", "set_weights"],
  "server_messages": ["snapshot", "frame", "error", "deleted", "weights_set"],
  "function_kinds": ["1d", "2d", "digits"],
  "tasks": ["regression", "binary", "multiclass"],
  "losses": ["mse", "bce", "cross_entropy"],
  "statuses": ["paused", "running", "diverged", "failed"],
  "applied": ["none", "live", "rebuilt", "data"],
  "options": ["datasets", "activations", "optimizers", "momentum_optimizers", "inits", "limits",
              "bounds", "defaults", "features"],
  "limits": ["max_units_shown", "max_user_points", "frame_rate"],
  "pending": {"applied": [], "run": []}
}
);

function deepFreeze(value) {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

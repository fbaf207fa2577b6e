// The one owner of the URL hash: the whole run configuration (seeds and user points included), the
// open lesson, the view toggles, and `watch` (the id of someone else's run this tab watches), so a
// link reproduces the run and its view, or joins it. It reads and writes the hash; it never fetches.

// hash key -> [config group, config field, type]. Keys are the contract's names; the two seeds are
// told apart as `data_seed` (dataset.seed) and `seed` (training.seed).
const SCHEMA = {
  dataset: ["dataset", "name", "string"],
  n_points: ["dataset", "n_points", "int"],
  noise: ["dataset", "noise", "float"],
  train_fraction: ["dataset", "train_fraction", "float"],
  data_seed: ["dataset", "seed", "int"],
  points: ["dataset", "points", "points"],
  hidden_units: ["model", "hidden_units", "int"],
  depth: ["model", "depth", "int"],
  activation: ["model", "activation", "string"],
  init: ["model", "init", "string"],
  dropout: ["model", "dropout", "float"],
  batch_norm: ["model", "batch_norm", "bool"],
  optimizer: ["training", "optimizer", "string"],
  learning_rate: ["training", "learning_rate", "float"],
  momentum: ["training", "momentum", "float"],
  weight_decay: ["training", "weight_decay", "float"],
  batch_size: ["training", "batch_size", "batch"],
  seed: ["training", "seed", "int"],
};

// View toggles as 1/0: `log` (loss log scale), `baseline` (1-D linear regression), `regions` (2-D
// linear regions). The page writes only those that differ from their defaults.
const VIEW_KEYS = ["log", "baseline", "regions"];

/** The hash key naming a config field, e.g. ("dataset", "seed") -> "data_seed". */
export function hashKey(group, field) {
  for (const [key, [g, f]] of Object.entries(SCHEMA)) if (g === group && f === field) return key;
  return field;
}

/** The config path of a hash key: "data_seed" -> ["dataset", "seed"]. */
export function configPath(key) {
  const entry = SCHEMA[key];
  return entry ? [entry[0], entry[1]] : null;
}

// Points travel as "x;y|x;y" (1-D) or "x1,x2;y|..." (2-D): short, readable, no escaping needed.
function encodePoints(points) {
  return points.map((p) => `${p.x.map(round).join(",")};${round(p.y)}`).join("|");
}

function decodePoints(text) {
  if (!text) return null;
  return text.split("|").map((item) => {
    const [xs, y] = item.split(";");
    return { x: xs.split(",").map(Number), y: Number(y) };
  });
}

function round(value) {
  return Number(Number(value).toPrecision(4));
}

function encode(type, value) {
  if (type === "points") return value && value.length ? encodePoints(value) : null;
  if (type === "batch") return value === null || value === undefined ? "full" : String(value);
  if (type === "bool") return value ? "1" : "0";
  return value === null || value === undefined ? null : String(value);
}

function decode(type, text) {
  switch (type) {
    case "int": return Number.parseInt(text, 10);
    case "float": return Number.parseFloat(text);
    case "bool": return text === "1" || text === "true";
    case "batch": return text === "full" ? null : Number.parseInt(text, 10);
    case "points": return decodePoints(text);
    default: return text;
  }
}

/**
 * Read the hash: {config, lesson, watch, view}. `view` holds the toggles present, e.g. {log: false}. `config` is a partial run config holding only the keys
 * present (the server fills the rest); numbers that do not parse are dropped. `watch` is a run id to
 * join instead of starting a run (then `config` is only its last known config), or null.
 */
export function readHash(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const config = {};
  for (const [key, text] of params) {
    const entry = SCHEMA[key];
    if (!entry) continue;
    const [group, field, type] = entry;
    const value = decode(type, text);
    if (typeof value === "number" && !Number.isFinite(value)) continue;
    (config[group] ??= {})[field] = value;
  }
  const view = {};
  for (const key of VIEW_KEYS) if (params.has(key)) view[key] = decode("bool", params.get(key));
  return { config, lesson: params.get("lesson"), watch: params.get("watch") || null, view };
}

/**
 * Write a full run config (as the server reports it) and the lesson id into the hash; `watch` is the
 * id of the watched run when this tab watches someone else's run (the config then records its last
 * known settings, for starting one's own run if it goes away). `view`: the toggles to record (those
 * that differ from their defaults).
 */
export function writeHash(config, lesson, watch = null, view = {}) {
  const params = new URLSearchParams();
  if (watch) params.set("watch", watch);
  if (lesson) params.set("lesson", lesson);
  for (const [key, [group, field, type]] of Object.entries(SCHEMA)) {
    const text = encode(type, config?.[group]?.[field]);
    if (text !== null) params.set(key, text);
  }
  for (const key of VIEW_KEYS) if (key in view) params.set(key, encode("bool", view[key]));
  const hash = `#${params.toString().replaceAll("%7C", "|").replaceAll("%3B", ";").replaceAll("%2C", ",")}`;
  if (hash !== window.location.hash) history.replaceState(null, "", hash);
}

/** The address that lets another tab or machine watch (and steer) the run with this id. */
export function watchLink(runId) {
  const params = new URLSearchParams({ watch: runId });
  return `${window.location.origin}${window.location.pathname}#${params}`;
}

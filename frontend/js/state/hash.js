// The one owner of the URL hash and the tab's history: the whole run configuration (seeds and user
// points included, by the field table's keys), the open lesson, the view toggles, and `watch` (the
// id of someone else's run this tab watches). A link reproduces the run and its view, or joins it;
// lesson and dataset changes are history entries, so Back and Forward restore them. It never
// fetches and never decides what the page does with an address (navigation.js does).
import { FIELDS, field } from "./fields.js";

// View toggles as 1/0: `log` (loss log scale), `baseline` (1-D linear regression), `regions` (2-D
// linear regions), `logstep` (loss against log step), `test` (test points shown), `discrete` (2-D
// predicted class), `joints` (2-D joint lines), `projector` (the projector layout). The page writes
// only those that differ from their defaults. `pace` is a value: steps/s, "epoch" or "max".
const VIEW_KEYS = ["log", "baseline", "regions", "logstep", "test", "discrete", "joints", "projector"];
const VIEW_VALUES = ["pace"];

let known = null; // the hash this module last wrote or reported: not news when it comes back

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

function encode(kind, value) {
  if (kind === "points") return value && value.length ? encodePoints(value) : null;
  if (kind === "batch") return value === null || value === undefined ? "full" : String(value);
  if (kind === "bool") return value ? "1" : "0";
  if (kind === "widths") return Array.isArray(value) ? value.join(",") : value == null ? null : String(value);
  if (kind === "features") return value && value.length ? value.join(",") : null;
  return value === null || value === undefined ? null : String(value);
}

function decode(kind, text) {
  switch (kind) {
    case "int": return Number.parseInt(text, 10);
    case "float": return Number.parseFloat(text);
    case "bool": return text === "1" || text === "true";
    case "batch": return text === "full" ? null : Number.parseInt(text, 10);
    case "points": return decodePoints(text);
    case "widths": return text.includes(",") ? text.split(",").map((w) => Number.parseInt(w, 10))
      : Number.parseInt(text, 10);
    case "features": return text ? text.split(",") : [];
    default: return text;
  }
}

/**
 * Read the hash: {config, lesson, watch, view}. `config` is a partial run config holding only the
 * keys present (the server fills the rest); numbers that do not parse are dropped. `view` holds the
 * toggles present, e.g. {log: false}. `watch` is a run id to join instead of starting a run (then
 * `config` is only its last known config), or null.
 */
export function readHash(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const config = {};
  for (const [key, text] of params) {
    const spec = field(key);
    if (!spec) continue;
    const value = decode(spec.kind, text);
    if (typeof value === "number" && !Number.isFinite(value)) continue;
    if (Array.isArray(value) && value.some((v) => typeof v === "number" && !Number.isFinite(v))) continue;
    const [group, name] = spec.path;
    (config[group] ??= {})[name] = value;
  }
  const view = {};
  for (const key of VIEW_KEYS) if (params.has(key)) view[key] = decode("bool", params.get(key));
  for (const key of VIEW_VALUES) if (params.get(key)) view[key] = params.get(key);
  return { config, lesson: params.get("lesson"), watch: params.get("watch") || null, view };
}

/**
 * Write {config, lesson, watch, view} into the hash. `config` is a run config (full, as the server
 * reports it, or partial); `watch` the watched run's id when this tab watches someone else's run
 * (the config then records its last known settings); `view` the toggles that differ from their
 * defaults. push: true makes it a new history entry (a lesson or dataset chosen), else the current
 * entry is corrected in place.
 */
export function writeHash({ config, lesson = null, watch = null, view = {} }, { push = false } = {}) {
  const params = new URLSearchParams();
  if (watch) params.set("watch", watch);
  if (lesson) params.set("lesson", lesson);
  for (const spec of FIELDS) {
    const [group, name] = spec.path;
    const text = encode(spec.kind, config?.[group]?.[name]);
    if (text !== null) params.set(spec.key, text);
  }
  for (const key of VIEW_KEYS) if (key in view) params.set(key, encode("bool", view[key]));
  for (const key of VIEW_VALUES) if (view[key] != null) params.set(key, String(view[key]));
  const hash = `#${params.toString().replaceAll("%7C", "|").replaceAll("%3B", ";").replaceAll("%2C", ",")}`;
  known = hash;
  if (hash === window.location.hash) return;
  if (push) history.pushState(null, "", hash);
  else history.replaceState(null, "", hash);
}

/**
 * Call handler(readHash()) when the address changes by itself: a link pasted into the address bar,
 * Back or Forward. The page's own writes are not reported.
 */
export function onAddressChange(handler) {
  const changed = () => {
    if (window.location.hash === known) return; // hashchange and popstate both fire for one move
    known = window.location.hash;
    handler(readHash());
  };
  window.addEventListener("popstate", changed);
  window.addEventListener("hashchange", changed);
}

/** The address that lets another tab or machine watch (and steer) the run with this id. */
export function watchLink(runId) {
  const params = new URLSearchParams({ watch: runId });
  return `${window.location.origin}${window.location.pathname}#${params}`;
}

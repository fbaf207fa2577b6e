// Questions about the run config's fields, answered from the one field table (contract.js): which
// field a hash key names, where it sits in a run config, how to read or set it. No DOM, no network.
import { CONTRACT } from "../contract.js";

/** The field table: [{key, path: [group, name], kind, applies, control, label, ...}]. */
export const FIELDS = CONTRACT.fields;

const BY_KEY = new Map(FIELDS.map((spec) => [spec.key, spec]));

/** The table entry of a hash key ("data_seed"), or null. */
export function field(key) {
  return BY_KEY.get(key) ?? null;
}

/** The hash key naming a config field: ("dataset", "seed") -> "data_seed"; null if none. */
export function keyOf(group, name) {
  return FIELDS.find((spec) => spec.path[0] === group && spec.path[1] === name)?.key ?? null;
}

/** A field's value in a (possibly partial) run config, or undefined. */
export function valueOf(config, key) {
  const [group, name] = field(key).path;
  return config?.[group]?.[name];
}

/** A partial run config that sets one field: ("data_seed", 7) -> {dataset: {seed: 7}}. */
export function partialConfig(key, value) {
  const [group, name] = field(key).path;
  return { [group]: { [name]: value } };
}

/** A copy of `config` with the fields of `partial` set (one level deep: groups, then fields). */
export function mergeConfig(config, partial) {
  const merged = {};
  for (const group of new Set([...Object.keys(config ?? {}), ...Object.keys(partial ?? {})])) {
    merged[group] = { ...(config?.[group] ?? {}), ...(partial?.[group] ?? {}) };
  }
  return merged;
}

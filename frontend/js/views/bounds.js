// Words for the bounds beside the numbers: which region bound the server applied
// (run.region_bound_kind) and the general parameter count from run.parameter_terms, for nets the
// lecture's 1-input formula does not cover. Text only; the numbers are the server's.

/** The region bound's formula by its kind: "lecture" (D+1)^K or the product, "zaslavsky" for 2 inputs. */
export function boundName(run) {
  const units = run.config.model.hidden_units;
  if (run.region_bound_kind === "zaslavsky") {
    const d = Array.isArray(units) ? units[0] : units;
    return run.config.model.depth === 0 ? "1 (no hidden layer)" : `Σⱼ₌₀² C(${d}, j)`;
  }
  return Array.isArray(units) ? "∏(D_k+1)" : "(D+1)^K";
}

/**
 * The general count Σ (D_{k-1} + 1)·D_k over the layers (+ batch norm's γ and β), written out,
 * e.g. "Σ (D_{k−1}+1)·D_k = 3·8 + 9·1 = 33"; null without parameter_terms.
 */
export function generalFormula(run) {
  const terms = run.parameter_terms;
  if (!Array.isArray(terms) || !terms.length) return null;
  const parts = terms.map(([fanIn, fanOut]) => `${fanIn + 1}·${fanOut}`);
  const extra = run.batch_norm_parameters ? ` + ${run.batch_norm_parameters} (batch norm γ, β)` : "";
  return `Σ (D_{k−1}+1)·D_k = ${parts.join(" + ")}${extra} = ${run.parameter_count.toLocaleString("en-US")}`;
}

/**
 * The region count's text with the exact count of the 2-D polygons when the server sends them
 * (function.polygons: one entry per convex linear region) first, e.g. "67 exact (the grid sees 61)":
 * the grid can miss thin regions, the polygons cannot.
 */
export function exactRegions(text, fn) {
  if (!Array.isArray(fn?.polygons)) return text;
  return `${fn.polygons.length} exact (the grid sees ${text})`;
}

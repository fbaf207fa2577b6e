// Line overlays for the 2-D view: each first-layer unit's joint line (function.units.lines), the
// exact linear regions' outlines (function.polygons) and the exact decision boundary
// (function.boundary), as Plotly line traces. Plain data in, traces out; nothing is computed here
// that the server did not send.
import { unitStyle } from "./palette.js";
import { COLORS } from "./theme.js";

/** One trace per unit whose joint line crosses the plotted square, named "joint line <n>". */
export function jointLineTraces(units) {
  const lines = units?.lines ?? [];
  const traces = [];
  lines.forEach((line, u) => {
    if (!line) return;
    const [[x0, y0], [x1, y1]] = line;
    traces.push({
      type: "scatter", mode: "lines", name: `joint line ${u + 1}`, x: [x0, x1], y: [y0, y1],
      line: { color: unitStyle(u).color, width: 2.5, dash: "dash" }, hoverinfo: "skip",
    });
  });
  return traces;
}

/**
 * The regions' outlines as one trace (polygons closed and separated by gaps):
 * polygons = [{vertices: [[x1, x2], ...], ...}], the server's exact convex regions.
 */
export function polygonTrace(polygons) {
  const x = [];
  const y = [];
  for (const polygon of polygons) {
    const vertices = polygon.vertices ?? [];
    if (vertices.length < 3) continue;
    for (const [vx, vy] of [...vertices, vertices[0]]) {
      x.push(vx);
      y.push(vy);
    }
    x.push(null);
    y.push(null);
  }
  return {
    type: "scatter", mode: "lines", name: "region outlines", x, y, connectgaps: false,
    line: { color: "rgba(29,36,51,0.55)", width: 1 }, hoverinfo: "skip",
  };
}

/**
 * The exact boundary's segments [[[x0, y0], [x1, y1]], ...] from function.boundary, sent either as
 * that list or as {segments, ...}; null when the function has none (then the contour is drawn).
 */
export function boundarySegments(boundary) {
  const segments = Array.isArray(boundary) ? boundary : boundary?.segments;
  return Array.isArray(segments) ? segments : null;
}

/** The exact decision boundary: segments [[[x0, y0], [x1, y1]], ...] as one broken line. */
export function boundaryTrace(segments) {
  const x = [];
  const y = [];
  for (const [[x0, y0], [x1, y1]] of segments) x.push(x0, x1, null), y.push(y0, y1, null);
  return {
    type: "scatter", mode: "lines", name: "decision boundary", x, y, connectgaps: false,
    line: { color: COLORS.ink, width: 2.5 }, hoverinfo: "skip",
  };
}

// Where the network diagram puts its nodes and edges: pure geometry and names from
// function.network (DESIGN.md "The network") and the model config. No DOM; network.js draws it.

export const VIEW_WIDTH = 720; // the SVG's viewBox width; the page scales it to the card
export const WIDE = 32; // a layer wider than this comes as its strongest edges only (the server's cut)
const LEFT = 74; // room for the input labels
const RIGHT = 44;
const TOP = 40; // room for the column titles and the BN marks

const INPUT_NAMES = { 1: ["x"], 2: ["x₁", "x₂"] };
const FEATURE_NAMES = { x_squared: "x²", sin_pi_x: "sin(πx)", x1_squared: "x₁²", x2_squared: "x₂²",
  x1_x2: "x₁x₂", sin_pi_x1: "sin(πx₁)", sin_pi_x2: "sin(πx₂)" };

/** A column's title: the inputs, hidden layer k, or the output(s). */
export function columnTitle(column, widths) {
  if (column === 0) return widths[0] > WIDE ? `${widths[0]} inputs` : "inputs";
  if (column === widths.length - 1) return widths[column] === 1 ? "output" : "outputs";
  return `layer ${column}`;
}

/** A unit's name as the lecture says it: "x₁", "layer 1, unit 3", "output 2". */
export function unitName(column, unit, widths, model) {
  if (column === 0) return inputNames(widths[0], model)[unit];
  if (column === widths.length - 1) return widths[column] === 1 ? "output" : `output ${unit + 1}`;
  return `layer ${column}, unit ${unit + 1}`;
}

// The first width counts the raw inputs and then the features, in stored (sorted) order.
function inputNames(count, model) {
  const features = (model.features ?? []).map((name) => FEATURE_NAMES[name] ?? name);
  const raw = INPUT_NAMES[count - features.length] ?? [];
  const names = [...raw, ...features];
  return Array.from({ length: count }, (_, i) => names[i] ?? `pixel ${i + 1}`);
}

/** Every edge the server sent: {layer, to, from, weight} (layer = the Linear, input first). */
export function edgesOf(network) {
  const edges = [];
  network.layers.forEach((layer, l) => {
    if (layer.weight) {
      layer.weight.forEach((row, to) => row.forEach((weight, from) => edges.push({ layer: l, to, from, weight })));
    } else if (layer.strongest) {
      const { to, from, weight } = layer.strongest;
      to.forEach((t, i) => edges.push({ layer: l, to: t, from: from[i], weight: weight[i] }));
    }
  });
  return edges;
}

// The units each column shows: all of a narrow one; of a wide one only those an edge touches (the
// server sends its strongest edges, not 1,000 nodes' worth).
function shownUnits(widths, edges) {
  return widths.map((width, column) => {
    if (width <= WIDE) return Array.from({ length: width }, (_, u) => u);
    const touched = new Set();
    for (const edge of edges) {
      if (edge.layer === column - 1) touched.add(edge.to);
      if (edge.layer === column) touched.add(edge.from);
    }
    return [...touched].sort((a, b) => a - b);
  });
}

/**
 * The diagram's geometry: {width, height, size (a node's side), columns: [{x, title, units, shown,
 * total}], nodes: [{key, column, unit, x, y, name, bias}], edges: [{...edge, x1, y1, x2, y2}]}.
 */
export function layoutNetwork(network, model) {
  const { widths } = network;
  const edges = edgesOf(network);
  const shown = shownUnits(widths, edges);
  const most = Math.max(1, ...shown.map((units) => units.length));
  const height = Math.max(240, Math.min(560, most * 40 + TOP + 20));
  const pitch = (height - TOP - 12) / most;
  const gap = (VIEW_WIDTH - LEFT - RIGHT) / Math.max(1, widths.length - 1);
  const size = Math.max(6, Math.min(54, pitch * 0.78, gap * 0.42));
  const place = new Map();
  const nodes = [];
  const columns = shown.map((units, column) => {
    const x = LEFT + column * gap;
    const top = TOP + (height - TOP - 12 - units.length * pitch) / 2 + pitch / 2;
    units.forEach((unit, i) => {
      const y = top + i * pitch;
      const key = `${column}:${unit}`;
      place.set(key, { x, y });
      const bias = column === 0 ? null : network.layers[column - 1].bias?.[unit] ?? null;
      nodes.push({ key, column, unit, x, y, bias, name: unitName(column, unit, widths, model) });
    });
    return { x, title: columnTitle(column, widths), shown: units.length, total: widths[column] };
  });
  const drawn = edges.filter((e) => place.has(`${e.layer}:${e.from}`) && place.has(`${e.layer + 1}:${e.to}`))
    .map((e) => {
      const a = place.get(`${e.layer}:${e.from}`);
      const b = place.get(`${e.layer + 1}:${e.to}`);
      return { ...e, x1: a.x, y1: a.y, x2: b.x, y2: b.y };
    });
  return { width: VIEW_WIDTH, height, size, columns, nodes, edges: drawn };
}

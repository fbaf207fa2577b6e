// The network diagram (issue "Watch it learn and see the network"): inputs, every hidden unit and
// the outputs as nodes, each Linear's weights as edges coloured by sign and as thick as |w|, each
// unit's bias as a dot, and on each unit a live thumbnail of its output over the input domain.
// Hover says the numbers; a click hands the value to the weight editor (netedit.js). Draws only
// what function.network and function.units carry. A view of the registry: setData, update, reset.
import { layoutNetwork } from "./netlayout.js";
import { describeNetwork } from "./networds.js";
import { drawThumbnail, thumbnailOf } from "./netthumbs.js";
import { SIGN_COLORS } from "./palette.js";

const SVG = "http://www.w3.org/2000/svg";
const STOPPED = {
  diverged: "The run diverged: its weights are not finite, so there is no network to draw. Reset it.",
  failed: "The server failed on this run: there is no network to draw. Reset it.",
};

const signColor = (value) => (value < 0 ? SIGN_COLORS.negative : SIGN_COLORS.positive);
const format = (value) => Number(value).toPrecision(4);

function svg(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  parent?.append(node);
  return node;
}

export class NetworkView {
  /** card: the #network-card section; editor: a WeightEditor (or null: a diagram to look at). */
  constructor(card, editor = null) {
    this.card = card;
    this.editor = editor;
    this.diagram = card.querySelector("svg");
    this.thumbs = card.querySelector(".network-thumbs");
    this.tooltip = card.querySelector(".network-tooltip");
    this.preview = card.querySelector(".network-preview canvas");
    this.previewLabel = card.querySelector(".network-preview p");
    this.caption = card.querySelector(".network-caption");
    this.summary = card.querySelector(".network-summary");
    this.legend = card.querySelector(".network-legend");
    this.shape = "";
    this.layout = null;
    this.fn = null;
    this.canvases = new Map(); // node key -> canvas, kept between frames
    this.hovered = null; // the node key whose picture the preview shows
    this.diagram.addEventListener("pointerover", (event) => this.#hover(event));
    this.diagram.addEventListener("pointermove", (event) => this.#place(event));
    this.diagram.addEventListener("pointerleave", () => this.#unhover());
    this.diagram.addEventListener("click", (event) => this.#click(event));
  }

  reset() {
    this.#empty("");
  }

  setData(snapshot) {
    this.editor?.close(); // a new run or a rebuild: the value being edited is gone
    this.update(snapshot);
  }

  update({ run, function: fn }) {
    if (!fn && STOPPED[run.status]) return this.#empty(STOPPED[run.status]);
    const network = fn?.network;
    if (!network) return this.#empty(fn ? "The server sends no network pictures (unit pictures are off)." : "");
    this.fn = fn;
    const layout = layoutNetwork(network, run.config.model);
    const shape = JSON.stringify([network.widths, layout.edges.map((e) => [e.layer, e.to, e.from])]);
    if (shape !== this.shape) this.#build(layout);
    this.shape = shape;
    this.layout = layout;
    this.card.hidden = false;
    this.editor?.setRun(run, network);
    this.#paint(layout, network);
    this.#thumbnails(layout, fn);
    describeNetwork(this.#texts(), network, layout, fn, Boolean(this.editor?.enabled), this.canvases.size > 0);
    return undefined;
  }

  // ---------- building (when the shape changes) ----------

  #build(layout) {
    const { width, height, size } = layout;
    this.diagram.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const edges = svg("g", { class: "edges" });
    for (const edge of layout.edges) {
      const group = svg("g", { "data-kind": "edge", "data-layer": edge.layer, "data-to": edge.to, "data-from": edge.from }, edges);
      const ends = { x1: edge.x1, y1: edge.y1, x2: edge.x2, y2: edge.y2 };
      svg("line", { ...ends, class: "edge" }, group);
      svg("line", { ...ends, class: "edge-hit" }, group); // a wider invisible line: easier to hover
    }
    const nodes = svg("g", { class: "nodes" });
    for (const node of layout.nodes) nodes.append(this.#node(node, size));
    const labels = svg("g", { class: "labels" });
    layout.columns.forEach((column, c) => {
      svg("text", { x: column.x, y: 14, class: "column-title", "text-anchor": "middle", "data-column": c }, labels)
        .textContent = column.title;
    });
    if (size >= 10) {
      for (const node of layout.nodes.filter((n) => n.column === 0)) {
        svg("text", { x: node.x - size / 2 - 6, y: node.y + 4, class: "input-label", "text-anchor": "end" }, labels)
          .textContent = node.name;
      }
    }
    this.diagram.replaceChildren(edges, nodes, labels);
    this.#buildThumbnails(layout);
  }

  #node(node, size) {
    const group = svg("g", { "data-kind": "node", "data-column": node.column, "data-unit": node.unit, "data-key": node.key });
    const half = size / 2;
    if (node.column === 0) {
      svg("circle", { cx: node.x, cy: node.y, r: Math.max(3, half * 0.55), class: "node input" }, group);
      return group;
    }
    svg("rect", { x: node.x - half, y: node.y - half, width: size, height: size, rx: Math.min(6, size / 6), class: "node unit" }, group);
    svg("path", { d: `M${node.x - half} ${node.y - half}L${node.x + half} ${node.y + half}M${node.x + half} ${node.y - half}L${node.x - half} ${node.y + half}`, class: "cross" }, group);
    svg("circle", { cx: node.x - half, cy: node.y - half, r: 3, class: "bias" }, group);
    return group;
  }

  #buildThumbnails(layout) {
    const { width, height, size } = layout;
    const keep = new Map();
    const shown = size >= 12 ? layout.nodes.filter((n) => n.column > 0) : []; // too small to read
    for (const node of shown) {
      const canvas = this.canvases.get(node.key) ?? document.createElement("canvas");
      const inner = size - 4; // inside the node's border
      const pixels = Math.round(Math.min(96, inner * 2));
      if (canvas.width !== pixels) { canvas.width = pixels; canvas.height = pixels; }
      Object.assign(canvas.style, { left: `${((node.x - inner / 2) / width) * 100}%`, top: `${((node.y - inner / 2) / height) * 100}%`,
        width: `${(inner / width) * 100}%`, height: `${(inner / height) * 100}%` });
      canvas.dataset.key = node.key;
      keep.set(node.key, canvas);
    }
    this.canvases = keep;
    this.thumbs.replaceChildren(...keep.values());
  }

  // ---------- painting (every frame) ----------

  #paint(layout, network) {
    const largest = Math.max(1e-12, ...layout.edges.map((e) => Math.abs(e.weight)));
    const groups = this.diagram.querySelectorAll("g[data-kind=edge]");
    layout.edges.forEach((edge, i) => {
      const line = groups[i].firstChild;
      const share = Math.abs(edge.weight) / largest;
      line.setAttribute("stroke", signColor(edge.weight));
      line.setAttribute("stroke-width", (0.6 + 5.4 * share).toFixed(3));
      line.setAttribute("stroke-opacity", (0.35 + 0.6 * share).toFixed(3));
      groups[i].dataset.weight = String(edge.weight);
    });
    const biases = layout.nodes.filter((n) => n.bias !== null).map((n) => Math.abs(n.bias));
    const largestBias = Math.max(1e-12, ...biases);
    const dropped = network.dropped;
    const byKey = new Map(layout.nodes.map((n) => [n.key, n]));
    for (const group of this.diagram.querySelectorAll("g[data-kind=node]")) {
      const node = byKey.get(group.dataset.key);
      const dot = group.querySelector(".bias");
      if (dot) {
        dot.style.display = node.bias === null ? "none" : "";
        if (node.bias !== null) {
          dot.setAttribute("fill", signColor(node.bias));
          dot.setAttribute("r", (1.5 + 3.5 * (Math.abs(node.bias) / largestBias)).toFixed(2));
          group.dataset.bias = String(node.bias);
        }
      }
      const off = node.column > 0 && Boolean(dropped?.[node.column - 1]?.includes(node.unit));
      group.classList.toggle("dropped", off);
      group.dataset.dropped = off ? "1" : "0";
      this.canvases.get(node.key)?.classList.toggle("dropped", off);
    }
  }

  #thumbnails(layout, fn) {
    const output = layout.columns.length - 1;
    for (const [key, canvas] of this.canvases) {
      const [column, unit] = key.split(":").map(Number);
      drawThumbnail(canvas, thumbnailOf(fn, column, unit, output));
    }
    if (this.hovered) this.#drawPreview(this.hovered);
  }

  #texts() {
    return { caption: this.caption, summary: this.summary, legend: this.legend, diagram: this.diagram };
  }

  // ---------- hover and click ----------

  #target(event) {
    const group = event.target.closest?.("[data-kind]");
    if (!group || !this.layout) return null;
    if (group.dataset.kind === "edge") {
      const layer = Number(group.dataset.layer);
      const to = Number(group.dataset.to);
      const from = Number(group.dataset.from);
      const value = Number(group.dataset.weight);
      const names = [this.#name(layer, from), this.#name(layer + 1, to)];
      return { kind: "weight", layer, to, from, value, label: `weight ${names[0]} → ${names[1]}` };
    }
    const column = Number(group.dataset.column);
    const unit = Number(group.dataset.unit);
    const name = this.#name(column, unit);
    if (column === 0) return { kind: "input", column, unit, label: `${name}: an input` };
    const bias = group.dataset.bias === undefined ? null : Number(group.dataset.bias);
    return { kind: "bias", layer: column - 1, to: unit, column, unit, value: bias, label: `bias of ${name}` };
  }

  #name(column, unit) {
    return this.layout.nodes.find((n) => n.column === column && n.unit === unit)?.name ?? `unit ${unit + 1}`;
  }

  #hover(event) {
    const target = this.#target(event);
    if (!target) return this.#unhover();
    const value = target.value === null || target.value === undefined ? "" : ` = ${format(target.value)}`;
    const editable = this.editor?.enabled && target.kind !== "input" && target.value !== null ? " · click to edit" : "";
    this.tooltip.textContent = `${target.label}${value}${editable}`;
    Object.assign(this.tooltip.dataset, { kind: target.kind, layer: target.layer ?? "", to: target.to ?? "",
      from: target.from ?? "", value: target.value ?? "" });
    this.tooltip.hidden = false;
    this.#place(event);
    if (target.kind === "bias") this.#drawPreview(`${target.column}:${target.unit}`);
    return undefined;
  }

  #place(event) {
    if (this.tooltip.hidden) return;
    const box = this.diagram.getBoundingClientRect();
    const x = event.clientX - box.left;
    this.tooltip.style.left = `${Math.min(x + 12, box.width - 200)}px`;
    this.tooltip.style.top = `${event.clientY - box.top + 14}px`;
  }

  #unhover() {
    this.tooltip.hidden = true;
  }

  #click(event) {
    const target = this.#target(event);
    if (target && target.kind !== "input" && target.value !== null) this.editor?.open(target);
  }

  // The larger picture of one node beside the diagram (hovering enlarges the thumbnail).
  #drawPreview(key) {
    const [column, unit] = key.split(":").map(Number);
    const picture = thumbnailOf(this.fn, column, unit, this.layout.columns.length - 1);
    this.hovered = picture ? key : null;
    this.preview.parentElement.hidden = !picture;
    if (!picture) return;
    drawThumbnail(this.preview, picture);
    const node = this.layout.nodes.find((n) => n.key === key);
    const over = picture.kind === "curve" ? "x" : "the plane (x₁ →, x₂ ↑; blue < 0 < orange)";
    this.previewLabel.textContent = `${node?.name ?? key}: its output over ${over}, from ${format(this.preview.dataset.min)} to ${format(this.preview.dataset.max)}`;
  }

  #empty(text) {
    this.shape = "";
    this.layout = null;
    this.hovered = null;
    this.canvases = new Map();
    this.diagram.replaceChildren();
    this.thumbs.replaceChildren();
    this.summary.hidden = true;
    this.legend.replaceChildren();
    this.tooltip.hidden = true;
    this.preview.parentElement.hidden = true;
    this.caption.textContent = text;
    this.card.hidden = !text; // a stopped run says why; no run at all shows no card
    this.editor?.setRun(null, null);
  }
}

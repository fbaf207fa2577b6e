// The network card's words: the caption (how to read the diagram), the visible note when wide
// layers are summarised by their strongest edges, the legend (dropout, batch norm) and the BN marks
// on the column titles. Text only; network.js draws the diagram.
import { WIDE } from "./netlayout.js";

/**
 * elements: {caption, summary, legend, diagram}; layout from netlayout.js; editable: clicks edit;
 * pictures: the units carry thumbnails.
 */
export function describeNetwork(elements, network, layout, fn, editable, pictures) {
  const { caption, summary, legend, diagram } = elements;
  summary.hidden = !network.summary;
  if (network.summary) summary.textContent = summaryText(layout);
  caption.textContent = `A ${network.widths.join("–")} network. Edges: orange w > 0, blue w < 0, `
    + "thicker = larger |w|; the dot on a unit is its bias."
    + (pictures ? " Each unit shows its output over the input domain, on its own scale (hover to enlarge)." : "")
    + (editable ? " Click an edge or a unit to set its value by hand." : "");
  const items = [];
  if (network.dropped) {
    items.push(["dropped", `✕ dropped in this step (dropout ${network.dropout}, the batch's first example); `
      + "the pictures are without dropout"]);
  }
  if (network.batch_norm.some(Boolean)) items.push(["bn", "BN: batch norm after that layer's Linear, folded into the weights shown"]);
  if (fn.kind === "digits") items.push(["digits", "The 64 inputs are the 8×8 pixels of a digit."]);
  legend.replaceChildren(...items.map(([kind, text]) => Object.assign(document.createElement("li"),
    { textContent: text, className: kind })));
  for (const title of diagram.querySelectorAll(".column-title")) {
    const column = Number(title.dataset.column);
    const bn = column > 0 && Boolean(network.batch_norm[column - 1]);
    title.textContent = layout.columns[column].title + (bn ? " · BN" : "");
    title.classList.toggle("bn", bn);
  }
}

// Which layers are cut down, in words a student can check against the settings.
function summaryText(layout) {
  const wide = layout.columns.map((column, c) => ({ ...column, c })).filter((column) => column.total > WIDE);
  const parts = wide.map((column) => (column.c === 0
    ? `the input has ${column.total} numbers`
    : `${column.title} has ${column.total} units`) + ` (${column.shown} drawn)`);
  return `Showing the strongest weights only (the 64 largest |w| of each layer wider than ${WIDE}): `
    + `${parts.join(", ")}. Units that no drawn edge touches are left out.`;
}

// The step inspector's small labelled matrices: a name, its shape ("Ω₂: 8×8") and at most
// MAX_ROWS x MAX_COLUMNS of its numbers, each cell tinted by sign and size. DOM only; no fetching.
import { SIGN_COLORS } from "./palette.js";

export const MAX_ROWS = 8;
export const MAX_COLUMNS = 8;
const SUB = "₀₁₂₃₄₅₆₇₈₉";

/** k as subscript digits: sub(12) = "₁₂". */
export const sub = (k) => String(k).split("").map((d) => SUB[Number(d)]).join("");

/** A number in 3 significant digits with a true minus sign. */
export function short(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const text = value === 0 || (Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5)
    ? String(Number(value.toPrecision(3))) : value.toExponential(1);
  return text.replace("-", "−");
}

/** rows x columns of a matrix, a vector (a column), or a row of numbers. */
export function asRows(values, { row = false } = {}) {
  if (!Array.isArray(values[0])) return row ? [values] : values.map((v) => [v]);
  return values;
}

/**
 * A labelled matrix: <figure class="imat" data-name=name data-shape="RxC">. `batch`: the columns
 * are examples (shape written "D×B", B = their number). onCell(row, column) makes cells buttons.
 */
export function matrix(name, values, { batch = false, row = false, stored = false, note = "", onCell = null } = {}) {
  const rows = asRows(values, { row });
  const [height, width] = [rows.length, rows[0]?.length ?? 0];
  const figure = document.createElement("figure");
  figure.className = "imat";
  figure.dataset.name = name;
  figure.dataset.shape = `${height}x${width}`;
  if (stored) figure.dataset.stored = "1";
  const caption = document.createElement("figcaption");
  const shape = batch ? `${height}×B (B = ${width})` : `${height}×${width}`;
  caption.textContent = `${name}: ${shape}`;
  if (stored) caption.append(badge("stored for backward"));
  if (note) caption.append(" ", Object.assign(document.createElement("span"), { className: "imat-note", textContent: note }));
  const table = document.createElement("table");
  const scale = Math.max(1e-12, ...rows.slice(0, MAX_ROWS).flatMap((r) => r.slice(0, MAX_COLUMNS).map((v) => Math.abs(v) || 0)));
  for (let i = 0; i < Math.min(height, MAX_ROWS); i += 1) {
    const tr = table.insertRow();
    for (let j = 0; j < Math.min(width, MAX_COLUMNS); j += 1) {
      const value = rows[i][j];
      const cell = tr.insertCell();
      cell.style.background = tint(value, scale);
      cell.dataset.row = String(i);
      cell.dataset.column = String(j);
      cell.dataset.value = String(value);
      cell.title = `${name}[${i + 1}, ${j + 1}] = ${value}`;
      if (onCell) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = short(value);
        button.title = `${cell.title}: click to check its gradient by finite differences`;
        button.addEventListener("click", () => onCell(i, j));
        cell.append(button);
      } else cell.textContent = short(value);
    }
    if (width > MAX_COLUMNS) tr.insertCell().textContent = "⋯";
  }
  if (height > MAX_ROWS) table.insertRow().insertCell().textContent = "⋮";
  figure.append(caption, table);
  return figure;
}

function badge(text) {
  const span = document.createElement("span");
  span.className = "imat-badge";
  span.textContent = text;
  return span;
}

// Positive values in the palette's positive colour, negative in its negative one, by |v| / scale.
function tint(value, scale) {
  if (!Number.isFinite(value)) return "transparent";
  const alpha = Math.min(1, Math.abs(value) / scale) * 0.45;
  const color = value >= 0 ? SIGN_COLORS.positive : SIGN_COLORS.negative;
  return `color-mix(in srgb, ${color} ${Math.round(alpha * 100)}%, transparent)`;
}

/** A line of the derivation: <p class="iformula">text</p>, with `reads` listed after it. */
export function formula(text, reads = []) {
  const p = document.createElement("p");
  p.className = "iformula";
  p.textContent = text;
  if (reads.length) {
    const span = document.createElement("span");
    span.className = "ireads";
    span.textContent = ` reads ${reads.join(", ")}`;
    p.append(span);
  }
  return p;
}

/** A row of matrices with operators between them: [m1, "·", m2, "=", m3]. */
export function equation(...parts) {
  const div = document.createElement("div");
  div.className = "iequation";
  for (const part of parts) {
    div.append(typeof part === "string" ? Object.assign(document.createElement("span"), { className: "iop", textContent: part }) : part);
  }
  return div;
}

// The diagram's node thumbnails: each hidden unit's activation and each output over the input
// domain, as a small curve (1 input) or heatmap (2 inputs) on a canvas (no Plotly: dozens of them
// are redrawn every frame). Only draws what the server sent (function.units, function.y).
import { drawPlane, planeScale } from "./planes.js";
import { COLORS } from "./theme.js";

/**
 * What node (column, unit) shows, or null: {kind: "curve", x, values} or {kind: "plane", plane,
 * grid}. Hidden column c is units.layers[c - 1].post; the last column is the output.
 */
export function thumbnailOf(fn, column, unit, outputColumn) {
  if (!fn || column === 0) return null;
  if (fn.kind === "1d") {
    const values = column === outputColumn ? fn.y?.[unit] : fn.units?.layers[column - 1]?.post[unit];
    return values ? { kind: "curve", x: fn.x, values } : null;
  }
  if (fn.kind === "2d" && fn.units) {
    const units = fn.units;
    const plane = column === outputColumn ? units.output[unit] : units.layers[column - 1]?.post[unit];
    return plane ? { kind: "plane", plane, grid: { x: units.x, y: units.y } } : null;
  }
  return null; // digits: 64 inputs have no picture over "the input domain"
}

/** Draw a thumbnail into a canvas and note on it what was drawn (data-min, data-max: for tests). */
export function drawThumbnail(canvas, picture) {
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (!picture) {
    canvas.dataset.drawn = "0";
    return;
  }
  const values = picture.kind === "curve" ? picture.values : picture.plane.flat();
  canvas.dataset.min = String(Math.min(...values));
  canvas.dataset.max = String(Math.max(...values));
  canvas.dataset.drawn = "1";
  if (picture.kind === "plane") drawPlane(canvas, picture.plane, planeScale(picture.plane), picture.grid);
  else drawCurve(context, canvas, picture.x, picture.values);
}

// The curve on its own scale (a thumbnail shows the shape; the hover says the numbers), with the
// zero line where it is in view: where a ReLU unit switches on is the point of the picture.
function drawCurve(context, canvas, x, values) {
  const { width, height } = canvas;
  const pad = Math.max(2, width / 14);
  let low = Math.min(0, ...values);
  let high = Math.max(0, ...values);
  if (high - low < 1e-9) { low -= 1; high += 1; }
  const px = (v) => pad + ((v - x[0]) / (x[x.length - 1] - x[0] || 1)) * (width - 2 * pad);
  const py = (v) => height - pad - ((v - low) / (high - low)) * (height - 2 * pad);
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, width, height);
  context.strokeStyle = COLORS.grid;
  context.lineWidth = Math.max(1, width / 48);
  context.beginPath();
  context.moveTo(pad, py(0));
  context.lineTo(width - pad, py(0));
  context.stroke();
  context.strokeStyle = COLORS.fit;
  context.lineWidth = Math.max(1.5, width / 22);
  context.lineJoin = "round";
  context.beginPath();
  values.forEach((v, i) => (i ? context.lineTo(px(x[i]), py(v)) : context.moveTo(px(x[i]), py(v))));
  context.stroke();
}

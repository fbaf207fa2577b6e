// Drawing one small plane (a res x res grid of numbers) into a canvas: a diverging colour map
// (blue < 0 < orange, white at 0) on a res x res image, scaled up by drawImage, with optional line
// segments on top. Canvas only, no Plotly: the 2-D unit panels draw dozens of these every frame.

// Column titles: short (they head narrow columns), the full formula as a tooltip.
export const STAGE_TITLES = {
  pre: () => ["pre-activation", "θ₀ + θ₁x₁ + θ₂x₂"],
  post: (activation) => [`${activation}[·]`, `activation h = ${activation}[θ₀ + θ₁x₁ + θ₂x₂]`],
  weighted: () => ["weighted φ·h", "the unit's output weight φ times its activation h"],
  output: () => ["sum f", "f = φ₀ + Σ φ·h: the network's output"],
};

// 256 colours from -1 (blue) through 0 (white) to +1 (orange): the P(y=1) scale's ends.
const NEGATIVE = [0x1f, 0x6f, 0xb4];
const POSITIVE = [0xe0, 0x8a, 0x00];
const LUT = new Uint8ClampedArray(256 * 3);
for (let i = 0; i < 256; i += 1) {
  const t = (i - 127.5) / 127.5; // -1 .. 1
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const a = Math.abs(t) ** 0.8; // a little more colour near zero, so small values still show
  for (let c = 0; c < 3; c += 1) LUT[3 * i + c] = Math.round(255 + (end[c] - 255) * a);
}

/** The largest |value| of one plane or of a list of planes (1 if all are zero). */
export function planeScale(planes) {
  let high = 0;
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (Math.abs(value) > high) high = Math.abs(value);
  };
  visit(planes);
  return high > 0 ? high : 1;
}

let scratch = null; // one res x res canvas reused for every panel

/**
 * Draw `plane` (rows = grid.y ascending, columns = grid.x) into `canvas`, values divided by
 * `scale` (so +-scale are the full colours); `lines`: [{line: [[x0, y0], [x1, y1]], color}] in
 * input coordinates.
 */
export function drawPlane(canvas, plane, scale, grid, lines = []) {
  const rows = plane.length;
  const columns = plane[0].length;
  scratch ??= document.createElement("canvas");
  if (scratch.width !== columns || scratch.height !== rows) {
    scratch.width = columns;
    scratch.height = rows;
  }
  const small = scratch.getContext("2d");
  const image = small.createImageData(columns, rows);
  const pixels = image.data;
  for (let i = 0; i < rows; i += 1) {
    const row = plane[i];
    const top = (rows - 1 - i) * columns; // y grows upwards on the plot, downwards in an image
    for (let j = 0; j < columns; j += 1) {
      const k = Math.max(0, Math.min(255, Math.round(127.5 + 127.5 * (row[j] / scale))));
      const p = 4 * (top + j);
      pixels[p] = LUT[3 * k];
      pixels[p + 1] = LUT[3 * k + 1];
      pixels[p + 2] = LUT[3 * k + 2];
      pixels[p + 3] = 255;
    }
  }
  small.putImageData(image, 0, 0);
  const context = canvas.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  if (lines.length) drawLines(context, canvas, grid, columns, rows, lines);
}

// Grid point j sits at the centre of image column j: map input coordinates the same way.
function drawLines(context, canvas, grid, columns, rows, lines) {
  const { x, y } = grid;
  const dx = (x[x.length - 1] - x[0]) / (x.length - 1);
  const dy = (y[y.length - 1] - y[0]) / (y.length - 1);
  const px = (v) => (((v - x[0]) / dx + 0.5) * canvas.width) / columns;
  const py = (v) => canvas.height - (((v - y[0]) / dy + 0.5) * canvas.height) / rows;
  context.save();
  context.lineWidth = Math.max(1.5, canvas.width / 60);
  context.setLineDash([canvas.width / 16, canvas.width / 28]);
  for (const { line, color } of lines) {
    const [[x0, y0], [x1, y1]] = line;
    context.strokeStyle = color;
    context.beginPath();
    context.moveTo(px(x0), py(y0));
    context.lineTo(px(x1), py(y1));
    context.stroke();
  }
  context.restore();
}

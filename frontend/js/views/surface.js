// The 2-D view's coloured surface (the output, P(y=1), the predicted class or the grid's regions)
// drawn on a <canvas> under Plotly's axes, points and lines. Plotly draws a heatmap by painting a
// canvas and encoding it as a PNG for its SVG (~60 ms a frame here); one small image scaled up by
// drawImage costs a millisecond or two. A surface is plain data (below); this module only draws it
// and reads the value under the pointer.
//
// surface = {kind: "value" | "probability" | "class" | "regions", x: [X], y: [Y] (grid centres,
//            ascending), z: [Y][X] numbers, zmin, zmax, stops: [[t, "#rrggbb"], ...],
//            smooth: bool (bilinear between centres, else one flat cell per grid point),
//            opacity, label: "f" | "P(y=1)" | "predicted class" | "region", text?: [Y][X]}

/** Plotly's "Viridis" (matplotlib's viridis, 17 stops): the regression surface's scale. */
export const VIRIDIS = [
  [0, "#440154"], [0.0625, "#48186a"], [0.125, "#472d7b"], [0.1875, "#424086"], [0.25, "#3b528b"],
  [0.3125, "#33638d"], [0.375, "#2c728e"], [0.4375, "#26828e"], [0.5, "#21918c"],
  [0.5625, "#1fa088"], [0.625, "#28ae80"], [0.6875, "#3fbc73"], [0.75, "#5ec962"],
  [0.8125, "#84d44b"], [0.875, "#addc30"], [0.9375, "#d8e219"], [1, "#fde725"],
];

/** Linear regions (the grid's fallback colouring): a rainbow, ids scrambled so neighbours differ. */
export const REGION_STOPS = [
  [0, "#96005a"], [0.125, "#0000c8"], [0.25, "#0019ff"], [0.375, "#0098ff"], [0.5, "#2cff96"],
  [0.625, "#97ff00"], [0.75, "#ffea00"], [0.875, "#ff6f00"], [1, "#ff0000"],
];

const LUT_SIZE = 256;
const luts = new WeakMap(); // stops -> Uint8ClampedArray(256 * 3)

/** 256 RGB triples interpolated between the stops (t ascending from 0 to 1). */
export function colorTable(stops) {
  let lut = luts.get(stops);
  if (lut) return lut;
  lut = new Uint8ClampedArray(LUT_SIZE * 3);
  const rgb = stops.map(([t, hex]) => [t, [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))]);
  for (let i = 0; i < LUT_SIZE; i += 1) {
    const t = i / (LUT_SIZE - 1);
    let k = 1;
    while (k < rgb.length - 1 && rgb[k][0] < t) k += 1;
    const [[t0, c0], [t1, c1]] = [rgb[k - 1], rgb[k]];
    const a = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
    for (let c = 0; c < 3; c += 1) lut[3 * i + c] = Math.round(c0[c] + (c1[c] - c0[c]) * a);
  }
  luts.set(stops, lut);
  return lut;
}

/** [min, max] of the finite values of z (the surface's colour range when none is given). */
export function valueLimits(z) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z) for (const v of row) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(hi >= lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

let scratch = null; // one X x Y image reused for every draw

/**
 * Draw `surface` into `canvas` (sized to the plot area, CSS px `width` x `height`, at the device's
 * pixel ratio) so that the axes' [x0, x1] x [y0, y1] fill it. Grid point j sits at the centre of
 * its cell: the image spans half a cell beyond the first and last centres (clipped by the canvas).
 */
export function drawSurface(canvas, surface, { width, height, xRange, yRange }) {
  const ratio = window.devicePixelRatio || 1;
  const [w, h] = [Math.max(1, Math.round(width * ratio)), Math.max(1, Math.round(height * ratio))];
  if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
  Object.assign(canvas.style, { width: `${width}px`, height: `${height}px` });
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, w, h);
  if (!surface) return;
  const { x, y, z } = surface;
  const [columns, rows] = [x.length, y.length];
  if (columns < 2 || rows < 2) return;
  scratch ??= document.createElement("canvas");
  if (scratch.width !== columns || scratch.height !== rows) Object.assign(scratch, { width: columns, height: rows });
  const small = scratch.getContext("2d");
  const image = small.createImageData(columns, rows);
  const pixels = image.data;
  const lut = colorTable(surface.stops);
  const scale = (LUT_SIZE - 1) / (surface.zmax - surface.zmin);
  for (let i = 0; i < rows; i += 1) {
    const row = z[i];
    const top = (rows - 1 - i) * columns; // y grows upwards on the plot, downwards in an image
    for (let j = 0; j < columns; j += 1) {
      const v = row[j];
      const p = 4 * (top + j);
      if (!Number.isFinite(v)) continue; // transparent: no value there
      const k = Math.max(0, Math.min(LUT_SIZE - 1, Math.round((v - surface.zmin) * scale)));
      pixels[p] = lut[3 * k];
      pixels[p + 1] = lut[3 * k + 1];
      pixels[p + 2] = lut[3 * k + 2];
      pixels[p + 3] = 255;
    }
  }
  small.putImageData(image, 0, 0);
  const dx = (x[columns - 1] - x[0]) / (columns - 1);
  const dy = (y[rows - 1] - y[0]) / (rows - 1);
  const px = (v) => ((v - xRange[0]) / (xRange[1] - xRange[0])) * w;
  const py = (v) => h - ((v - yRange[0]) / (yRange[1] - yRange[0])) * h;
  const [left, right] = [px(x[0] - dx / 2), px(x[columns - 1] + dx / 2)];
  const [top, bottom] = [py(y[rows - 1] + dy / 2), py(y[0] - dy / 2)];
  context.globalAlpha = surface.opacity ?? 1;
  context.imageSmoothingEnabled = Boolean(surface.smooth);
  context.drawImage(scratch, left, top, right - left, bottom - top);
  context.globalAlpha = 1;
}

/** The grid value nearest to (u, v) in input coordinates, with its indices; null off the grid. */
export function valueAt(surface, u, v) {
  if (!surface) return null;
  const nearest = (grid, t) => {
    const step = (grid[grid.length - 1] - grid[0]) / (grid.length - 1);
    const index = Math.round((t - grid[0]) / step);
    return index >= 0 && index < grid.length ? index : -1;
  };
  const [j, i] = [nearest(surface.x, u), nearest(surface.y, v)];
  if (i < 0 || j < 0) return null;
  return { i, j, value: surface.z[i][j], text: surface.text?.[i]?.[j] };
}

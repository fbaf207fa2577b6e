// The digits view: the 10x10 confusion matrix of the test set and a few 8x8 digit images with the
// network's predicted label. Only draws (Plotly for the matrix, small canvases for the images).
// A view of the registry (views/registry.js): setData(snapshot), update(frame), reset().
import { PLOT_CONFIG, axis, baseLayout, plotly } from "./theme.js";

export class DigitsView {
  /** matrixElement: the confusion-matrix chart; samplesElement: where the digit images go. */
  constructor(matrixElement, samplesElement) {
    this.matrix = matrixElement;
    this.samples = samplesElement;
    plotly().newPlot(matrixElement, [], baseLayout(), PLOT_CONFIG);
  }

  reset() {
    plotly().react(this.matrix, [], baseLayout());
    plotly().Plots.resize(this.matrix); // it may have been hidden (another mode) until now
    this.samples.replaceChildren();
  }

  setData(snapshot) {
    this.reset();
    this.update(snapshot);
  }

  update({ function: fn }) {
    if (!fn) return this.reset(); // a diverged or failed run has nothing to show
    if (fn.kind !== "digits") return undefined;
    this.#drawMatrix(fn.confusion);
    this.#drawSamples(fn.samples ?? []);
  }

  #drawMatrix(confusion) {
    const labels = confusion.map((_, i) => String(i));
    const rowSums = confusion.map((row) => row.reduce((a, b) => a + b, 0) || 1);
    const share = confusion.map((row, i) => row.map((v) => v / rowSums[i]));
    plotly().react(this.matrix, [{
      type: "heatmap", x: labels, y: labels, z: share, text: confusion,
      texttemplate: "%{text}", colorscale: [[0, "#f8fafc"], [0.5, "#93c5fd"], [1, "#1d4ed8"]], zmin: 0, zmax: 1, showscale: false,
      hovertemplate: "true %{y}, predicted %{x}: %{text}<extra></extra>",
    }], baseLayout({
      margin: { l: 56, r: 12, t: 8, b: 48 },
      xaxis: axis({ title: { text: "predicted digit" }, type: "category", side: "bottom" }),
      yaxis: axis({ title: { text: "true digit" }, type: "category", autorange: "reversed",
        scaleanchor: "x" }),
    }));
  }

  #drawSamples(samples) {
    const tiles = samples.map((sample) => {
      const figure = document.createElement("figure");
      figure.className = `digit ${sample.label === sample.predicted ? "right" : "wrong"}`;
      const canvas = document.createElement("canvas");
      canvas.width = 8;
      canvas.height = 8;
      const context = canvas.getContext("2d");
      const image = context.createImageData(8, 8);
      sample.pixels.forEach((value, i) => {
        const shade = 255 - Math.round(255 * Math.min(1, Math.max(0, value > 1 ? value / 16 : value)));
        image.data.set([shade, shade, shade, 255], i * 4);
      });
      context.putImageData(image, 0, 0);
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `a handwritten ${sample.label}`);
      const caption = document.createElement("figcaption");
      caption.textContent = `${sample.predicted} ${sample.label === sample.predicted ? "✓" : `✗ (${sample.label})`}`;
      figure.append(canvas, caption);
      return figure;
    });
    this.samples.replaceChildren(...tiles);
  }
}

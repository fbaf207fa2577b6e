// Shared look of every chart (colours, fonts, margins) so the views agree with the page's CSS.
// Plain data only: views pass these to Plotly; nothing here draws.

const css = getComputedStyle(document.documentElement);
const token = (name, fallback) => css.getPropertyValue(name).trim() || fallback;

export const COLORS = {
  ink: token("--ink", "#1d2433"),
  muted: token("--muted", "#5b6577"),
  grid: token("--grid", "#e6e9f0"),
  train: token("--train", "#2563eb"),
  test: token("--test", "#ea580c"),
  fit: token("--fit", "#111827"),
  kink: token("--kink", "#db2777"),
  baseline: token("--baseline", "#16a34a"),
  class0: token("--class0", "#2563eb"),
  class1: token("--class1", "#ea580c"),
};

// Sixteen distinguishable unit colours (after Tableau 20), then grey for the rest.
export const UNIT_COLORS = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173", "#3182bd",
];

export const CLASS_COLORS = ["#1d4ed8", "#c2410c", "#16a34a", "#9333ea", "#dc2626",
  "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

// Probability of class 1: blue (0) through white (0.5) to orange (1).
export const PROBABILITY_SCALE = [
  [0, "#60a5fa"], [0.25, "#bfdbfe"], [0.5, "#f8fafc"], [0.75, "#fed7aa"], [1, "#fb923c"],
];

export const VALUE_SCALE = "Viridis";

// Chart text follows the page's root size, which grows on projector-sized screens (see the CSS).
export const FONT_SIZE = Math.round(0.87 * (parseFloat(css.fontSize) || 15));

export const PLOT_CONFIG = { displayModeBar: false, responsive: true, scrollZoom: false };

/** A base layout: transparent background, the page's font, tight margins. */
export function baseLayout(extra = {}) {
  return {
    autosize: true,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: token("--font", "system-ui, sans-serif"), size: FONT_SIZE, color: COLORS.ink },
    margin: { l: 56, r: 16, t: 12, b: 50 },
    showlegend: false,
    hovermode: "closest",
    dragmode: false,
    uirevision: "keep",
    ...extra,
  };
}

/** An axis with the page's grid colour. */
export function axis(extra = {}) {
  return {
    gridcolor: COLORS.grid,
    zerolinecolor: "#c7cdd8",
    linecolor: "#c7cdd8",
    ticks: "outside",
    tickcolor: "#c7cdd8",
    ...extra,
  };
}

/** Plotly.js, loaded by index.html as a classic script (the only global the views rely on). */
export function plotly() {
  if (!window.Plotly) throw new Error("plotly.js did not load");
  return window.Plotly;
}

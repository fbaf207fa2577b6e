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
};

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

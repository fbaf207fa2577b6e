// Colour palettes of the charts. Plain data: views pass these to Plotly.

export const CLASS_COLORS = ["#1d4ed8", "#c2410c", "#16a34a", "#9333ea", "#dc2626",
  "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

// Probability of class 1: blue (0) through white (0.5) to orange (1).
export const PROBABILITY_SCALE = [
  [0, "#60a5fa"], [0.25, "#bfdbfe"], [0.5, "#f8fafc"], [0.75, "#fed7aa"], [1, "#fb923c"],
];

// Sixteen distinguishable unit colours (after Tableau 20).
export const UNIT_HUES = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173", "#3182bd",
];

/** The line style of hidden unit `index` (0-based): {color, dash}. */
export function unitStyle(index) {
  return { color: UNIT_HUES[index % UNIT_HUES.length], dash: "solid" };
}

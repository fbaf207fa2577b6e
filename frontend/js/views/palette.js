// Colour palettes of the charts, chosen to stay apart for colour-blind readers too. Plain data:
// tests/e2e/test_colours.py measures them (CIELAB distance under a deuteranopia simulation).

// Classes: Okabe & Ito's colour-blind-safe blue, orange and bluish green first (every dataset uses
// at most three), then sky blue and Tol's indigo and wine; class 0 and 1 match the P(y=1) scale.
export const CLASS_COLORS = ["#0072B2", "#E69F00", "#009E73", "#56B4E9", "#332288", "#882255"];

// Probability of class 1: class 0's blue (0) through white (0.5) to class 1's orange (1).
export const PROBABILITY_SCALE = [
  [0, "#4f9bd0"], [0.25, "#b9d7ec"], [0.5, "#f8fafc"], [0.75, "#f6d699"], [1, "#eba92a"],
];

// Hidden units: eight hues as far apart as normal vision allows (CIELAB ΔE ≥ 39 pairwise), then the
// same hues dashed, dotted and dash-dotted: 32 units (the server's limit) each get their own look.
// Colour is never the only cue: each joint also carries its unit's number.
export const UNIT_HUES = ["#0072B2", "#D55E00", "#117733", "#CC79A7", "#999933", "#332288",
  "#76B7B2", "#9C755F"];
const UNIT_DASHES = ["solid", "dash", "dot", "dashdot"];

/** The line style of hidden unit `index` (0-based): {color, dash}. */
export function unitStyle(index) {
  return {
    color: UNIT_HUES[index % UNIT_HUES.length],
    dash: UNIT_DASHES[Math.floor(index / UNIT_HUES.length) % UNIT_DASHES.length],
  };
}

// Weights and biases by sign, the unit panels' diverging ends (views/planes.js): blue < 0 < orange.
export const SIGN_COLORS = { negative: "#1f6fb4", positive: "#e08a00" };

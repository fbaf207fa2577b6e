// Words the page shows about what a chart draws, chosen by the kind of data. Text only: no DOM.

/** The caption under the main chart for a mode ("1d", "2d", "digits") and a task. */
export function caption(mode, task) {
  if (mode === "digits") return "Rows: the true digit; columns: the network's prediction. The diagonal is right.";
  if (mode === "2d") {
    if (task === "binary") return "Colour: P(y = 1) = sig[f(x₁, x₂)]; black line: the decision boundary P = 0.5. Filled: training points, hollow: test points.";
    if (task === "multiclass") return "Colour: the predicted class (softmax argmax). Filled: training points, hollow: test points.";
    return "Colour: the network's output f(x₁, x₂). Points: the data, coloured by target.";
  }
  if (task === "binary") return "Black: P(y = 1 | x) = sig[f(x)]; dots: the 0/1 labels (filled: train, hollow: test). Pink circles: kinks of f.";
  return "Black: the network's function f(x); dots: data (filled blue: train, hollow orange: test). Pink circles: its kinks.";
}

// The main chart's title and caption: what it draws, in words chosen by the kind of data and the
// task. Text only. A view of the registry (views/registry.js): setData(snapshot), update(frame),
// reset().
import { kindOf } from "./registry.js";

export class CaptionView {
  /** title: the main card's heading; caption: the paragraph under it. */
  constructor(title, caption) {
    this.title = title;
    this.caption = caption;
  }

  setData({ run, data, options }) {
    const kind = kindOf(data);
    this.title.textContent = kind === "digits" ? "Test set: confusion matrix"
      : data.task === "regression" ? "The fitted function" : "The network's prediction";
    this.caption.textContent = captionText(kind, data.task, bends(run.config.model, options));
  }

  update() {}

  reset() {
    this.caption.textContent = "";
  }
}

// Whether the network can have kinks: a hidden layer whose activation bends at 0.
export function bends(model, options) {
  const slopes = options.activations.find((a) => a.name === model.activation)?.slopes;
  return model.depth > 0 && Boolean(slopes) && slopes[0] !== slopes[1];
}

function captionText(kind, task, kinks) {
  if (kind === "digits") return "Rows: the true digit; columns: the network's prediction. The diagonal is right.";
  if (kind === "2d") {
    if (task === "binary") return "Colour: P(y = 1) = sig[f(x₁, x₂)]; black line: the decision boundary P = 0.5. Filled: training points, hollow: test points.";
    if (task === "multiclass") return "Colour: the predicted class (softmax argmax). Filled: training points, hollow: test points.";
    return "Colour: the network's output f(x₁, x₂). Points: the data, coloured by target.";
  }
  if (task === "binary") {
    return `Black: P(y = 1 | x) = sig[f(x)]; dots: the 0/1 labels (filled: train, hollow: test).${kinks ? " Pink circles: kinks of f." : ""}`;
  }
  return `Black: the network's function f(x); dots: data (filled blue: train, hollow orange: test).${kinks ? " Pink circles: its kinks." : ""}`;
}

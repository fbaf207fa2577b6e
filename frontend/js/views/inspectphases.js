// What each phase of the step inspector shows, built from one POST /api/runs/{id}/inspect answer
// (`step`): forward, loss, one layer of backward, update. Returns DOM sections; no fetching.
import { equation, formula, matrix, short, sub } from "./inspectmat.js";

const MASKS = { relu: (f) => (f > 0 ? 1 : 0), leaky_relu: (f) => (f > 0 ? 1 : 0.01) };
const OPTIMIZER_WORDS = {
  sgd: "SGD: change = −α g",
  momentum: "Momentum: v ← μ v + g, change = −α v",
  adam: "Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², change = −α m̂ / (√v̂ + ε)",
};

function section(phase, title) {
  const element = document.createElement("section");
  element.className = "inspector-phase";
  element.dataset.phase = phase;
  const head = document.createElement("h3");
  head.textContent = title;
  element.append(head);
  return element;
}

const names = (k) => ({ W: `Ω${sub(k)}`, b: `β${sub(k)}`, f: `f${sub(k)}`, h: `h${sub(k)}`, below: `h${sub(k - 1)}` });

/** Forward: f_k = β_k + Ω_k h_{k−1}, h_k = a[f_k] for every layer; onCell(layer, row, column|null). */
export function forwardSection(step, onCell) {
  const element = section("forward", `Forward: ${step.indices.length} examples of the training set (the batch), one column each`);
  const K = step.layers.length;
  element.append(matrix("h₀ = xᵀ", step.inputs, { batch: true, stored: true }));
  step.layers.forEach((layer, index) => {
    const k = index + 1;
    const n = names(k);
    const last = k === K;
    const W = matrix(n.W, layer.weight, { onCell: (r, c) => onCell(index, r, c) });
    const b = matrix(n.b, layer.bias, { onCell: (r) => onCell(index, r, null) });
    const f = matrix(n.f, layer.pre, { batch: true, stored: true });
    element.append(formula(`${n.f} = ${n.b} + ${n.W} ${n.below}    (${n.W}: ${layer.weight.length}×${layer.weight[0].length} · ${n.below}: ${layer.weight[0].length}×B)` +
      (last ? "    the output: no activation" : `,   ${n.h} = a[${n.f}] (${step.activation})`)));
    const parts = [W, "·", n.below, "+", b, "=", f];
    if (!last) parts.push(`→ a[·] →`, matrix(n.h, layer.post, { batch: true, stored: true }));
    element.append(equation(...parts));
  });
  return element;
}

/** Loss: each example's negative log-likelihood and their mean. */
export function lossSection(step) {
  const element = section("loss", "Loss: each example's negative log-likelihood, then their mean");
  const what = { regression: "(f − y)² (Gaussian, fixed variance)", binary: "−y log σ(f) − (1−y) log(1−σ(f))",
    multiclass: "−log softmax(f)[y]" }[step.task] ?? "";
  element.append(formula(`ℓᵢ = ${what}`, [`f${sub(step.layers.length)} (stored)`, "y"]));
  element.append(equation(matrix("y", step.targets, { batch: true }),
    matrix("ℓ", step.losses, { row: true, batch: true })));
  const total = formula(`L = (1/B) Σᵢ ℓᵢ = ${short(step.loss)}` + (step.penalty ? `   (+ penalty ${short(step.penalty)}: L1 / weight decay, added to the gradient)` : ""));
  total.classList.add("iloss");
  total.dataset.loss = String(step.loss);
  element.append(total);
  return element;
}

/** Backward for layer index `index` (0-based; the lecture's k = index + 1), top layer first. */
export function backwardSection(step, index) {
  const k = index + 1;
  const K = step.layers.length;
  const layer = step.layers[index];
  const n = names(k);
  const element = section(`backward-${index}`, `Backward, layer ${k}`);
  element.dataset.layer = String(index);
  const gf = matrix(`∂L/∂${n.f}`, layer.grad_pre, { batch: true });
  if (k === K) {
    element.append(formula(`∂L/∂${n.f} = (prediction − y) · scale / B`, [`${n.f} (stored)`, "y"]), equation(gf));
  } else {
    const mask = MASKS[step.activation];
    const derivative = mask ? layer.pre.map((row) => row.map(mask)) : null;
    element.append(formula(`∂L/∂${n.f} = a′[${n.f}] ⊙ ∂L/∂${n.h}` + (mask ? "   (the ReLU mask: 1 where the unit was on)" : ""),
      [`${n.f} (stored)`, `${n.h} (stored)`]));
    element.append(equation(...(derivative ? [matrix(`a′[${n.f}]`, derivative, { batch: true }), "⊙"] : []),
      matrix(`∂L/∂${n.h}`, layer.grad_post, { batch: true }), "=", gf));
  }
  element.append(formula(`∂L/∂${n.W} = ∂L/∂${n.f} ${n.below}ᵀ   (a matrix product: a sum over the batch)`, [`${n.below} (stored)`]));
  element.append(equation(gf.cloneNode(true), "·", `${n.below}ᵀ`, "=", matrix(`∂L/∂${n.W}`, layer.grad_weight)));
  element.append(formula(`∂L/∂${n.b} = ∂L/∂${n.f} summed over the batch`), equation(matrix(`∂L/∂${n.b}`, layer.grad_bias)));
  element.append(formula(`∂L/∂${n.below} = ${n.W}ᵀ ∂L/∂${n.f}` + (k === 1 ? "   (the inputs': not needed, shown for completeness)" : "   → the next click"), [n.W]));
  element.append(equation(matrix(`∂L/∂${n.below}`, layer.grad_input, { batch: true })));
  return element;
}

/** What the backward click for `index` reads from the forward pass (names of stored matrices). */
export function readsOf(step, index) {
  const k = index + 1;
  const reads = [`h${sub(k - 1)}`, `Ω${sub(k)}`];
  if (k === 1) reads[0] = "h₀ = xᵀ";
  return [`f${sub(k)}`, ...(k < step.layers.length ? [`h${sub(k)}`] : []), ...reads];
}

/** Update: each parameter's change from the optimizer, layer by layer. */
export function updateSection(step) {
  const element = section("update", `Update (${OPTIMIZER_WORDS[step.optimizer]}; α = ${step.learning_rate}` +
    (step.adam_t ? `, t = ${step.adam_t}` : "") + ")");
  element.append(formula("g = ∂L/∂θ (+ L1 sign θ + weight decay θ, when set)"));
  step.layers.forEach((layer, index) => {
    const k = index + 1;
    const { weight, bias } = layer.update;
    const parts = [matrix(`g of Ω${sub(k)}`, weight.gradient)];
    if (weight.velocity) parts.push("→", matrix(`v of Ω${sub(k)}`, weight.velocity));
    if (weight.m_hat) parts.push("→", matrix(`m̂ of Ω${sub(k)}`, weight.m_hat), matrix(`√v̂ of Ω${sub(k)}`, weight.sqrt_v_hat));
    parts.push("→", matrix(`ΔΩ${sub(k)}`, weight.change), matrix(`Δβ${sub(k)}`, bias.change));
    element.append(formula(`Layer ${k}`), equation(...parts));
  });
  return element;
}

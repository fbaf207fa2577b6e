// Weights by hand: the network card's small editor for one weight or bias (a number box and a
// slider; Enter, leaving the box or letting go of the slider applies). It sends the run's full
// weights with that one value changed; the server then resets the optimizer state and says so.
// No network code: `send(layers)` and `fetchWeights()` come from main.js.
import { fullLayers } from "../state/weights.js";

const BATCH_NORM_REASON = "Setting weights by hand is off for batch-norm nets: the diagram shows the "
  + "weights with batch norm folded in, and those cannot be unfolded into γ, β and the running statistics.";

export class WeightEditor {
  /**
   * element: the editor's container; note: a paragraph for why editing is off; send(layers) sends
   * {layers} as set_weights (false when not connected); fetchWeights() resolves to GET .../weights.
   */
  constructor(element, note, { send, fetchWeights, locked = () => null }) {
    this.element = element;
    this.note = note;
    this.send = send;
    this.locked = locked; // () => why this page may not set weights (a watcher), or null
    this.fetchWeights = fetchWeights;
    this.network = null;
    this.target = null;
    this.enabled = false;
    this.#build();
  }

  /** The run shown and its network (null, null: nothing to edit). */
  setRun(run, network) {
    this.network = network;
    const reason = run?.config.model.batch_norm ? BATCH_NORM_REASON : (network && this.locked()) || "";
    this.enabled = Boolean(network) && !reason;
    this.note.textContent = reason;
    this.note.hidden = !reason;
    if (!this.enabled) this.close();
  }

  /** Edit one value: {kind: "weight" | "bias", layer, to, from, value, label}. */
  open(target) {
    if (!this.enabled) return;
    this.target = target;
    this.label.textContent = `Set the ${target.label}`;
    const span = Math.max(1, Math.ceil(2 * Math.abs(target.value)));
    Object.assign(this.slider, { min: String(-span), max: String(span), step: String(span / 200) });
    this.slider.value = String(target.value);
    this.box.value = String(Number(target.value.toPrecision(4)));
    this.status.textContent = "";
    this.element.hidden = false;
    this.box.focus();
    this.box.select();
  }

  /** The server's weights_set notice: shown where the student is looking. */
  confirm(message) {
    if (!this.element.hidden) this.status.textContent = `Done: ${message}.`;
  }

  close() {
    this.target = null;
    this.element.hidden = true;
  }

  #build() {
    const make = (tag, props = {}) => Object.assign(document.createElement(tag), props);
    this.label = make("label", { className: "editor-label", htmlFor: "network-edit-value" });
    this.box = make("input", { type: "number", id: "network-edit-value", step: "any" });
    this.slider = make("input", { type: "range" });
    this.slider.setAttribute("aria-label", "Value");
    const close = make("button", { type: "button", textContent: "×", title: "Close the editor" });
    close.setAttribute("aria-label", "Close the editor");
    this.status = make("p", { className: "editor-status" });
    this.status.setAttribute("role", "status");
    const row = make("div", { className: "editor-row" });
    row.append(this.box, this.slider, close);
    this.element.replaceChildren(this.label, row, this.status);
    this.box.addEventListener("change", () => this.#apply(Number(this.box.value)));
    this.slider.addEventListener("input", () => { this.box.value = this.slider.value; });
    this.slider.addEventListener("change", () => this.#apply(Number(this.slider.value)));
    close.addEventListener("click", () => this.close());
    this.element.addEventListener("keydown", (event) => { if (event.key === "Escape") this.close(); });
  }

  async #apply(value) {
    const target = this.target;
    if (!target || !Number.isFinite(value)) {
      this.status.textContent = "Type a number.";
      return;
    }
    const layers = await this.#weights();
    if (target.kind === "weight") layers[target.layer].weight[target.to][target.from] = value;
    else layers[target.layer].bias[target.to] = value;
    target.value = value;
    this.status.textContent = this.send(layers)
      ? `Sent ${value}: training goes on from these weights with a fresh optimizer state.`
      : "Not connected: nothing was sent. Try again once the page is live.";
  }

  // The full weights to send: the diagram's own numbers when it has every layer in full (they are
  // exactly GET weights), else the server's (a wide layer comes as its strongest edges only).
  async #weights() {
    return fullLayers(this.network?.layers) ?? fullLayers((await this.fetchWeights()).layers);
  }
}

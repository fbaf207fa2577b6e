// The "Step inspector" card: on a paused run, its next training step opened up one click at a
// time (forward, loss, backward one layer per click from the top, update), a preview of the fit
// after it, then commit (the run takes exactly that step) or cancel. A view of the registry
// (views/registry.js); it fetches only through the `inspect` callback and draws no plot itself.
import { backwardSection, forwardSection, lossSection, readsOf, updateSection } from "./inspectphases.js";
import { short, sub } from "./inspectmat.js";

export class InspectorView {
  /**
   * inspect(runId, body) answers POST /api/runs/{id}/inspect; commit() takes one step (the
   * websocket `step`); preview(preview | null) draws (or clears) the fit after the step.
   */
  constructor(element, { inspect, commit, preview }) {
    Object.assign(this, { element, fetchStep: inspect, commitStep: commit, showPreview: preview });
    this.body = element.querySelector(".inspector-body");
    this.note = element.querySelector(".inspector-note");
    this.checkLine = element.querySelector(".inspector-check");
    this.buttons = Object.fromEntries([...element.querySelectorAll("button[data-action]")]
      .map((button) => [button.dataset.action, button]));
    for (const [action, button] of Object.entries(this.buttons)) button.addEventListener("click", () => this.#act(action));
    this.reset();
  }

  reset() {
    this.run = null;
    this.#clear("");
  }

  setData({ run, data }) {
    this.twoInputs = data.inputs !== 1;
    this.#follow(run, true);
  }

  update({ run }) {
    this.#follow(run, false);
  }

  #follow(run, fresh) {
    const previous = this.run;
    this.run = run;
    const running = run.status === "running";
    const why = running ? "Pause to open up the next step." : run.status === "diverged" ? "The run diverged: there is no step to inspect."
      : run.status === "failed" ? "The server failed on this run." : refusal(run.config.model);
    this.element.dataset.playing = running ? "1" : "0";
    if (this.step) {
      const committed = this.committing && run.step === this.step.step + 1;
      // weights set by hand keep the step and the config but not the loss
      const moved = fresh || run.step !== this.step.step || run.train_loss !== previous?.train_loss
        || JSON.stringify(run.config) !== JSON.stringify(previous?.config);
      if (committed) {
        this.element.dataset.committed = String(run.step);
        this.#clear(`Took that step: the run is at step ${run.step}. Inspect the next one with Forward.`);
      } else if (moved || why) this.#clear(why ?? "The run changed: this step is gone. Open the next one with Forward.");
    } else if (why || this.element.dataset.reason) this.#say(why ?? "Click Forward to open up the next training step.");
    this.element.dataset.reason = why ?? "";
    this.#buttons();
  }

  #clear(message) {
    Object.assign(this, { step: null, shown: [], committing: false, loading: false });
    this.element.inspection = null; // the step open (the server's answer), for the browser tests
    this.element.dataset.phase = "";
    this.element.dataset.step = "";
    this.body.replaceChildren();
    this.checkLine.textContent = "";
    this.showPreview(null);
    this.#say(message || "Click Forward to open up the next training step.");
    this.#buttons();
  }

  #say(text) { this.note.textContent = text; }

  // The phases in order: forward, loss, one backward per layer (top first), update, preview.
  get #phases() {
    const K = this.step?.layers.length ?? 0;
    return ["forward", "loss", ...Array.from({ length: K }, (_, i) => `backward-${K - 1 - i}`), "update", "preview"];
  }

  get #next() { return this.step ? this.#phases[this.shown.length] ?? null : "forward"; }

  #buttons() {
    const next = this.#next?.split("-")[0];
    const off = Boolean(this.element.dataset.reason) || this.loading || !this.run;
    for (const name of ["forward", "loss", "backward", "update", "preview"]) this.buttons[name].disabled = off || next !== name;
    if (this.buttons.preview && this.twoInputs) this.buttons.preview.title = "The preview draws on the 1-D fit; 2-D data has none";
    this.buttons.commit.disabled = off || !this.shown?.includes("update") || this.committing;
    this.buttons.cancel.disabled = !this.step;
  }

  async #act(action) {
    if (action === "cancel") return this.#clear("Cancelled: the run did not move.");
    if (action === "commit") return this.#commit();
    if (action === "forward" && !this.step && !(await this.#open())) return;
    this.#show(this.#next);
  }

  async #open() {
    this.loading = true;
    this.#buttons();
    try {
      this.step = await this.fetchStep(this.run.id, null);
    } catch (error) {
      this.loading = false;
      this.#say(error.message ?? String(error));
      this.#buttons();
      return false;
    }
    this.loading = false;
    this.shown = [];
    this.element.dataset.step = String(this.step.step);
    this.element.inspection = this.step;
    return true;
  }

  #show(phase) {
    if (!phase || !this.step) return;
    const step = this.step;
    this.shown.push(phase);
    this.element.dataset.phase = phase;
    const [kind, layer] = phase.split("-");
    if (kind === "forward") {
      this.body.append(forwardSection(step, (index, row, column) => this.#check(index, row, column)));
      this.#say(`Step ${step.step} → ${step.step + 1}: every f and h is stored for the backward pass. Click a weight or bias to check its gradient by finite differences.`);
    } else if (kind === "loss") {
      this.body.append(lossSection(step));
      this.#say(`The loss of this batch: L = ${short(step.loss)}. Backward goes from the top layer down, one click each.`);
    } else if (kind === "backward") {
      const index = Number(layer);
      this.body.append(backwardSection(step, index));
      this.#markReads(readsOf(step, index));
      this.#say(`Layer ${index + 1} reads ${readsOf(step, index).join(", ")} (highlighted above).`);
    } else if (kind === "update") {
      this.#markReads([]);
      this.body.append(updateSection(step));
      this.#say("Each parameter's change. Preview the fit after it, or Commit to take exactly this step.");
    } else if (kind === "preview") {
      this.showPreview(step.preview);
      this.#say(step.preview ? "The dashed curve on the fitted function (above) is the fit after this step. Commit takes it; Cancel leaves the run as it is."
        : "No preview for data with more than one input: the change is in Update. Commit or Cancel.");
    }
    this.body.lastElementChild?.scrollIntoView?.({ block: "nearest" });
    this.#buttons();
  }

  // The stored values this backward click reads: their matrices in the forward pass light up.
  #markReads(names) {
    for (const figure of this.body.querySelectorAll(".inspector-phase[data-phase=forward] .imat")) {
      figure.classList.toggle("read", names.includes(figure.dataset.name));
    }
  }

  async #check(layer, row, column) {
    if (!this.step || !this.run) return;
    const which = column === null ? `β${sub(layer + 1)}[${row + 1}]` : `Ω${sub(layer + 1)}[${row + 1}, ${column + 1}]`;
    this.checkLine.textContent = `Checking ∂L/∂${which}…`;
    try {
      const answer = await this.fetchStep(this.run.id, { check: { layer, row, column } });
      const { backprop, finite_difference: numeric } = answer.check;
      this.checkLine.dataset.backprop = String(backprop);
      this.checkLine.dataset.numeric = String(numeric);
      this.checkLine.textContent = `∂L/∂${which}: backprop ${backprop.toPrecision(8)}, finite differences ` +
        `${numeric.toPrecision(8)} (they differ by ${Math.abs(backprop - numeric).toExponential(1)})`;
    } catch (error) {
      this.checkLine.textContent = error.message ?? String(error);
    }
  }

  #commit() {
    if (!this.step || this.run.step !== this.step.step) return this.#clear("The run moved on: open the next step with Forward.");
    this.committing = true;
    this.element.dataset.committed = "";
    this.#buttons();
    this.#say("Taking the step…");
    this.commitStep();
  }
}

/** Why the inspector cannot open this net (the server would answer 409), or null. */
export function refusal(model) {
  if (model.batch_norm) return "The step inspector needs a net without batch norm (it couples the examples of a batch).";
  if (model.dropout > 0) return "The step inspector needs a net without dropout (each example has its own random mask).";
  return null;
}

// The settings form: built from the field table (form.js), its choices and slider spans filled
// from GET /api/options; it shows a run's config and reports each change as (hash key, value). It
// never talks to the server and never validates beyond types: the server's own message is what a
// bad value shows.
import { buildFields } from "./form.js";
import { field, keyOf, valueOf } from "./state/fields.js";

const GROUP_TITLES = {
  "1d_regression": "1-D regression",
  "1d_classification": "1-D classification",
  "2d_classification": "2-D classification",
  "2d_regression": "2-D regression",
  multiclass: "Multi-class",
  digits: "Digits",
  custom: "Your own points",
};

const NO_HIDDEN_LAYER = "No hidden layer at depth 0 (y = β₀ + β₁x), so no hidden units to set.";

export class Controls {
  /** onChange(key, value): key is a hash key (e.g. "learning_rate", "data_seed"). */
  constructor(form, { onChange }) {
    this.form = form;
    this.onChange = onChange;
    this.fields = buildFields(form);
    this.fullBatch = form.querySelector("#full_batch");
    this.options = null;
    form.addEventListener("submit", (event) => event.preventDefault()); // Enter must not reload
    for (const [key, box] of Object.entries(this.fields)) this.#bind(key, box);
    this.fullBatch.addEventListener("change", () => {
      const value = this.fullBatch.checked ? null : this.#number("batch_size") || 32;
      this.#syncBatch(value);
      this.onChange("batch_size", value);
    });
  }

  /** Fill the selects, the number limits and the slider spans from GET /api/options. */
  setOptions(options) {
    this.options = options;
    const groups = new Map();
    for (const info of options.datasets) {
      if (!groups.has(info.group)) groups.set(info.group, []);
      groups.get(info.group).push(info);
    }
    this.#control("dataset").replaceChildren(...[...groups].map(([group, infos]) => {
      const optgroup = document.createElement("optgroup");
      optgroup.label = GROUP_TITLES[group] ?? group;
      optgroup.append(...infos.map((info) => option(info.name, info.title)));
      return optgroup;
    }));
    this.#control("activation").replaceChildren(...options.activations.map(
      (a) => option(a.name, a.piecewise_linear ? `${a.name} (piecewise linear)` : a.name)));
    this.#control("optimizer").replaceChildren(...options.optimizers.map((o) => option(o, o)));
    this.#control("init").replaceChildren(...options.inits.map((i) => option(i, i)));
    this.#showFeatures(1, []);
    for (const key of Object.keys(this.fields)) this.#applyBounds(key);
  }

  /** Show a full run config (as the server reports it); the control being edited is left alone. */
  setConfig(config) {
    for (const key of Object.keys(this.fields)) {
      const value = valueOf(config, key);
      if (key === "batch_size") this.#syncBatch(value);
      else this.#show(key, value);
    }
    const momentum = new Set(this.options?.momentum_optimizers ?? []);
    this.fields.momentum.hidden = !momentum.has(config.training.optimizer);
    const custom = Boolean(this.options?.datasets.find((d) => d.name === config.dataset.name)?.custom);
    this.fields.n_points.hidden = custom; // user points: no N, no noise
    this.fields.noise.hidden = custom;
    this.#explainDisabled("hidden_units", config.model.depth === 0 ? NO_HIDDEN_LAYER : null);
    const inputs = this.options?.datasets.find((d) => d.name === config.dataset.name)?.inputs ?? 1;
    this.#showFeatures(inputs, config.model.features ?? []);
  }

  /** Mark the control behind a server error (dotted field like "training.learning_rate"). */
  showError(dottedField, message) {
    this.clearErrors();
    const parts = (dottedField ?? "").split(".");
    const key = parts.length >= 2 ? keyOf(parts[parts.length - 2], parts[parts.length - 1]) : parts[0];
    const box = this.fields[key];
    if (!box) return false;
    box.classList.add("invalid");
    const note = document.createElement("p");
    note.className = "field-error";
    note.textContent = message;
    box.append(note);
    box.querySelector("input, select")?.setAttribute("aria-invalid", "true");
    return true;
  }

  clearErrors() {
    for (const box of this.form.querySelectorAll(".field.invalid")) {
      box.classList.remove("invalid");
      box.querySelector(".field-error")?.remove();
      box.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
    }
  }

  /** Limit the batch-size slider to the training-set size. */
  setTrainingSize(n) {
    const range = this.fields.batch_size.querySelector('input[type="range"]');
    range.max = String(Math.max(1, Math.min(n, this.#bounds("batch_size")?.maximum ?? n)));
  }

  #bind(key, box) {
    const value = this.#control(key);
    if (key === "features") {
      value.addEventListener("change", () => {
        this.clearErrors();
        this.onChange(key, [...value.querySelectorAll("input:checked")].map((c) => c.value));
      });
      return;
    }
    const range = box.querySelector('input[type="range"]');
    const commit = (v) => {
      this.clearErrors();
      this.onChange(key, v);
    };
    if (range) {
      const log = range.dataset.scale === "log";
      range.addEventListener("input", () => {
        value.value = log ? tidy(10 ** Number(range.value)) : range.value;
      });
      range.addEventListener("change", () => commit(parse(value)));
    }
    value.addEventListener("change", () => {
      if (range) range.value = range.dataset.scale === "log" ? Math.log10(Number(value.value)) : value.value;
      commit(parse(value));
    });
  }

  // The server's bounds for a field: the number box's min/max (where inclusive) and the slider
  // span (the table's span, clipped to them).
  #applyBounds(key) {
    const bounds = this.#bounds(key);
    if (!bounds) return;
    const value = this.#control(key);
    if (value.type === "number") {
      if (!bounds.exclusive_minimum) value.min = String(bounds.minimum);
      if (!bounds.exclusive_maximum) value.max = String(bounds.maximum);
    }
    const range = this.fields[key].querySelector('input[type="range"]');
    const slider = field(key).slider;
    if (!range || !slider) return;
    const log = slider.scale === "log";
    const low = log ? (bounds.minimum > 0 ? Math.log10(bounds.minimum) : -Infinity) : bounds.minimum;
    const high = log ? Math.log10(bounds.maximum) : bounds.maximum;
    range.min = String(Math.max(slider.min, low));
    range.max = String(Math.min(slider.max, high));
  }

  #bounds(key) {
    const [group, name] = field(key).path;
    return this.options?.bounds?.[`${group}.${name}`] ?? null;
  }

  // Disable a control and say why under it (reason null: enable it again).
  #explainDisabled(key, reason) {
    const box = this.fields[key];
    for (const control of box.querySelectorAll("input, select")) control.disabled = Boolean(reason);
    box.classList.toggle("disabled", Boolean(reason));
    let note = box.querySelector(".field-why");
    if (!reason) return note?.remove();
    if (!note) {
      note = document.createElement("p");
      note.className = "help field-why";
      box.append(note);
    }
    note.textContent = reason;
    return undefined;
  }

  // One checkbox per input feature the dataset's number of inputs allows (none: the field hides).
  #showFeatures(inputs, chosen) {
    const group = this.#control("features");
    const offered = (this.options?.features ?? []).filter((f) => f.inputs === inputs);
    if (group.dataset.inputs !== String(inputs)) {
      group.dataset.inputs = String(inputs);
      group.replaceChildren(...offered.map((f) => {
        const item = document.createElement("label");
        item.className = "check";
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = f.name;
        item.append(box, ` ${f.formula}`);
        item.title = f.name;
        return item;
      }));
    }
    for (const box of group.querySelectorAll("input")) box.checked = chosen.includes(box.value);
    this.fields.features.hidden = offered.length === 0;
  }

  #show(key, v) {
    if (key === "features") return; // #showFeatures, which knows the dataset
    const value = this.#control(key);
    if (document.activeElement === value || v === undefined) return;
    if (Array.isArray(v)) { // per-layer widths: "4,2", the slider on the first layer's
      value.value = v.join(",");
      const range = this.fields[key].querySelector('input[type="range"]');
      if (range) range.value = v[0];
      return;
    }
    if (value.type === "checkbox") value.checked = Boolean(v);
    else value.value = v === null ? "" : String(v);
    const range = this.fields[key].querySelector('input[type="range"]');
    if (range && v !== null) range.value = range.dataset.scale === "log" ? Math.log10(v) : v;
  }

  #syncBatch(v) {
    this.fullBatch.checked = v === null || v === undefined;
    this.fields.batch_size.querySelector(".pair").hidden = this.fullBatch.checked;
    if (!this.fullBatch.checked) this.#show("batch_size", v);
  }

  #control(key) {
    return this.fields[key].querySelector(`#${key}`);
  }

  #number(key) {
    return Number(this.#control(key).value);
  }
}

function option(value, text) {
  const el = document.createElement("option");
  el.value = value;
  el.textContent = text;
  return el;
}

// Types only: "3" -> 3, "1e-3" -> 0.001; a bad number goes to the server as typed, to be refused.
function parse(input) {
  if (input.type === "checkbox") return input.checked;
  if (input.tagName === "SELECT") return input.value;
  const text = input.value.trim();
  if (text.includes(",")) { // per-layer widths
    const widths = text.split(",").map((w) => Number(w.trim()));
    return widths.every(Number.isInteger) ? widths : text;
  }
  const number = Number(text);
  return text !== "" && Number.isFinite(number) ? number : text;
}

function tidy(value) {
  return Number(value.toPrecision(2));
}

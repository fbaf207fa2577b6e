// The settings form: fills its choices from /api/options, shows a run's config, and reports each
// change as (hash key, value). It never talks to the server and never validates beyond types:
// the server's own message is what a bad value shows.
import { configPath, hashKey } from "./state/hash.js";

const GROUP_TITLES = {
  "1d_regression": "1-D regression",
  "1d_classification": "1-D classification",
  "2d_classification": "2-D classification",
  "2d_regression": "2-D regression",
  multiclass: "Multi-class",
  digits: "Digits",
  custom: "Your own points",
};

// Optimizers that read momentum (Adam has its own betas; plain SGD has none).
const USES_MOMENTUM = new Set(["momentum", "nesterov", "rmsprop"]);

export class Controls {
  /** onChange(key, value): key is a hash key (e.g. "learning_rate", "data_seed"). */
  constructor(form, { onChange }) {
    this.form = form;
    this.onChange = onChange;
    this.fields = Object.fromEntries(
      [...form.querySelectorAll(".field[data-key]")].map((el) => [el.dataset.key, el]),
    );
    this.fullBatch = form.querySelector("#full_batch");
    this.customNames = new Set();
    form.addEventListener("submit", (event) => event.preventDefault()); // Enter must not reload
    for (const [key, field] of Object.entries(this.fields)) this.#bind(key, field);
    this.fullBatch.addEventListener("change", () => {
      const value = this.fullBatch.checked ? null : this.#number("batch_size") || 32;
      this.#syncBatch(value);
      this.onChange("batch_size", value);
    });
  }

  /** Fill the selects and slider limits from GET /api/options. */
  setOptions(options) {
    const select = this.form.querySelector("#dataset");
    this.customNames = new Set(options.datasets.filter((d) => d.custom).map((d) => d.name));
    const groups = new Map();
    for (const info of options.datasets) {
      if (!groups.has(info.group)) groups.set(info.group, []);
      groups.get(info.group).push(info);
    }
    select.replaceChildren(...[...groups].map(([group, infos]) => {
      const optgroup = document.createElement("optgroup");
      optgroup.label = GROUP_TITLES[group] ?? group;
      optgroup.append(...infos.map((info) => option(info.name, info.title)));
      return optgroup;
    }));
    this.form.querySelector("#activation").replaceChildren(...options.activations.map(
      (a) => option(a.name, a.piecewise_linear ? `${a.name} (piecewise linear)` : a.name)));
    this.form.querySelector("#optimizer").replaceChildren(...options.optimizers.map((o) => option(o, o)));
    this.form.querySelector("#init").replaceChildren(...options.inits.map((i) => option(i, i)));
    const limits = options.limits ?? {};
    this.#rangeMax("hidden_units", Math.min(64, limits.max_hidden_units ?? 64));
    this.#rangeMax("depth", Math.min(8, limits.max_depth ?? 8));
    this.#rangeMax("n_points", Math.min(1000, limits.max_points ?? 1000));
  }

  /** Show a full run config (as the server reports it); the control being edited is left alone. */
  setConfig(config) {
    for (const key of Object.keys(this.fields)) {
      const [group, field] = configPath(key);
      const value = config[group]?.[field];
      if (key === "batch_size") this.#syncBatch(value);
      else this.#show(key, value);
    }
    const optimizer = config.training.optimizer;
    this.fields.momentum.hidden = !USES_MOMENTUM.has(optimizer);
    const custom = this.customNames.has(config.dataset.name); // user points: no N, no noise
    this.fields.n_points.hidden = custom;
    this.fields.noise.hidden = custom;
  }

  /** Mark the control behind a server error (dotted field like "training.learning_rate"). */
  showError(dottedField, message) {
    this.clearErrors();
    const parts = (dottedField ?? "").split(".");
    const key = parts.length >= 2 ? hashKey(parts[parts.length - 2], parts[parts.length - 1]) : parts[0];
    const field = this.fields[key];
    if (!field) return false;
    field.classList.add("invalid");
    const note = document.createElement("p");
    note.className = "field-error";
    note.textContent = message;
    field.append(note);
    field.querySelector("input, select")?.setAttribute("aria-invalid", "true");
    return true;
  }

  clearErrors() {
    for (const field of this.form.querySelectorAll(".field.invalid")) {
      field.classList.remove("invalid");
      field.querySelector(".field-error")?.remove();
      field.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
    }
  }

  /** Limit the batch-size slider to the training-set size. */
  setTrainingSize(n) {
    this.#rangeMax("batch_size", Math.max(1, n));
  }

  #bind(key, field) {
    const value = field.querySelector(`#${key}`);
    const range = field.querySelector('input[type="range"]');
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

  #show(key, v) {
    const field = this.fields[key];
    const value = field.querySelector(`#${key}`);
    if (document.activeElement === value || v === undefined) return;
    if (value.type === "checkbox") value.checked = Boolean(v);
    else value.value = v === null ? "" : String(v);
    const range = field.querySelector('input[type="range"]');
    if (range && v !== null) range.value = range.dataset.scale === "log" ? Math.log10(v) : v;
  }

  #syncBatch(v) {
    this.fullBatch.checked = v === null || v === undefined;
    const field = this.fields.batch_size;
    field.querySelector(".pair").hidden = this.fullBatch.checked;
    if (!this.fullBatch.checked) this.#show("batch_size", v);
  }

  #number(key) {
    return Number(this.fields[key].querySelector(`#${key}`).value);
  }

  #rangeMax(key, max) {
    const range = this.fields[key]?.querySelector('input[type="range"]');
    if (range) range.max = String(max);
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
  const number = Number(text);
  return text !== "" && Number.isFinite(number) ? number : text;
}

function tidy(value) {
  return Number(value.toPrecision(2));
}

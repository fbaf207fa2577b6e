// Builds the settings form's fields from the field table (contract.js): each field's label, hint
// and the control the table names, in the container of its config group. DOM building only: the
// behaviour is controls.js's, and choices and slider spans come later from /api/options.
import { FIELDS } from "./state/fields.js";

/**
 * Fill the form: every field goes into the element [data-fields="<place or config group>"] and
 * gets id = its hash key. Returns {key: field element}.
 */
export function buildFields(form) {
  const fields = {};
  for (const spec of FIELDS) {
    if (spec.control === "points") continue; // edited by clicking the plot (custom.js)
    const container = form.querySelector(`[data-fields="${spec.place ?? spec.path[0]}"]`);
    if (!container) throw new Error(`the form has no place for field ${spec.key}`);
    fields[spec.key] = buildField(spec, container.closest("fieldset")?.dataset.applies);
    container.append(fields[spec.key]);
  }
  return fields;
}

function buildField(spec, sectionApplies) {
  const box = element("div", "field");
  box.dataset.key = spec.key;
  box.dataset.applies = spec.applies;
  if (spec.control === "checkbox") {
    box.classList.add("check");
    box.append(input("checkbox", spec.key), label(spec, sectionApplies));
    return box;
  }
  box.append(label(spec, sectionApplies));
  if (spec.control === "select") {
    const select = element("select");
    select.id = spec.key;
    box.append(select);
  } else if (spec.control === "features") {
    const group = element("div", "features"); // a checkbox per feature, filled from /api/options
    group.id = spec.key;
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", spec.label);
    box.append(group);
  } else if (spec.control === "number") {
    box.classList.add("inline");
    box.append(input("number", spec.key, { step: "1", min: "0" }));
  } else {
    const pair = element("div", "pair");
    const range = input("range", null, { step: String(spec.slider.step) });
    range.setAttribute("aria-label", `${spec.label} (${spec.slider.scale === "log" ? "log " : ""}slider)`);
    if (spec.slider.scale) range.dataset.scale = spec.slider.scale;
    const step = spec.kind === "int" || spec.kind === "batch" ? "1"
      : spec.slider.scale === "log" ? "any" : String(spec.slider.step);
    // widths: one number for every layer, or "4,2" (one per layer), so a text box
    pair.append(range, spec.kind === "widths"
      ? input("text", spec.key, { inputmode: "numeric", spellcheck: "false", size: "6" })
      : input("number", spec.key, { step }));
    box.append(pair);
  }
  if (spec.control === "batch") {
    const full = element("div", "check");
    full.append(input("checkbox", "full_batch"), label({ key: "full_batch", label: "Full batch (plain gradient descent)" }));
    box.append(full);
  }
  return box;
}

// The label, its hint, and a badge when the field applies differently from its section's badge.
function label(spec, sectionApplies) {
  const text = element("label");
  text.htmlFor = spec.key;
  text.append(spec.label);
  if (sectionApplies && spec.applies !== sectionApplies) {
    const keeps = spec.applies !== "rebuild"; // live and data keep the weights
    const badge = element("span", `badge ${keeps ? "live" : "rebuild"}`);
    badge.textContent = keeps ? "live" : "restarts";
    badge.title = keeps ? "Changes without restarting" : "Changing this restarts training";
    text.append(" ", badge);
  }
  if (spec.hint) {
    const hint = element("span", "hint");
    hint.textContent = spec.hint;
    text.append(hint);
  }
  return text;
}

function input(type, id, attributes = {}) {
  const el = element("input");
  el.type = type;
  if (id) el.id = id;
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  return el;
}

function element(tag, className) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

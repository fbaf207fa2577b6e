// "My runs": the runs this browser made (state/runlist.js), each with its name, dataset, step and
// loss as the server has them now; open, rename, fork or delete one. DOM and REST calls through
// api.js only; which run this tab streams is the session's.
import { ApiError, api } from "./api.js";
import { forgetRun, rememberRun, rememberedRuns } from "./state/runlist.js";

const CONFIRM_MS = 4000; // a first click on Delete arms it for this long

/** The name a run goes by: its title, else "<dataset> run". */
export function runName(run, datasetTitle) {
  return run.title || `${datasetTitle(run.config.dataset.name)} run`;
}

const count = (n) => n.toLocaleString("en-US");
const threeDigits = (x) => (x === null || x === undefined ? "–" : Number(x.toPrecision(3)).toString());

export class MyRuns {
  /**
   * elements: {button, box, list, status}. session: the RunSession (runId, owned);
   * datasetTitle(name) a dataset's title; open(run) shows one of them in this tab.
   */
  constructor(elements, { session, datasetTitle, open }) {
    Object.assign(this, { el: elements, session, datasetTitle, open });
    this.runs = new Map(); // id -> the server's Run, as last fetched
    this.asked = 0; // refreshes asked for: only the latest one's answer is shown
    elements.button.addEventListener("click", () => this.toggle());
  }

  get isOpen() {
    return !this.el.box.hidden;
  }

  toggle() {
    const open = !this.isOpen;
    this.el.box.hidden = !open;
    this.el.button.setAttribute("aria-expanded", String(open));
    if (open) this.refresh();
  }

  /** Ask the server for every remembered run and list them; runs it no longer has are forgotten. */
  async refresh(message = "") {
    const ids = rememberedRuns().map((entry) => entry.id);
    const asked = ++this.asked;
    let answer;
    try {
      answer = await api.lookupRuns(ids);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (asked !== this.asked) return;
      this.el.status.textContent = `The list could not be read just now: ${error.message}`;
      return;
    }
    answer.missing.forEach(forgetRun);
    if (asked !== this.asked) return;
    this.runs = new Map(answer.runs.map((run) => [run.id, run]));
    this.#render();
    const gone = answer.missing.length;
    const words = [message];
    if (gone) words.push(`${gone} ${gone === 1 ? "run was" : "runs were"} gone (deleted or expired) and ${gone === 1 ? "is" : "are"} forgotten.`);
    this.el.status.textContent = words.filter(Boolean).join(" ");
  }

  #render() {
    const rows = [...this.runs.values()].map((run) => this.#row(run));
    if (!rows.length) {
      const empty = document.createElement("li");
      empty.className = "myrun-empty";
      empty.textContent = "No runs yet.";
      rows.push(empty);
    }
    this.el.list.replaceChildren(...rows);
  }

  #row(run) {
    const item = document.createElement("li");
    item.className = "myrun";
    item.dataset.runId = run.id;
    const here = this.session.owned && this.session.runId === run.id;
    if (here) item.dataset.current = "1";
    const name = runName(run, this.datasetTitle);
    const head = element("div", "myrun-head");
    const title = element("span", "myrun-title", name);
    if (!run.title) title.classList.add("unnamed");
    head.append(title);
    if (here) head.append(element("span", "myrun-badge", "this tab"));
    const loss = run.task === "regression" || run.accuracy === null
      ? `loss ${threeDigits(run.train_loss)}` : `accuracy ${Math.round(100 * run.accuracy)}%`;
    const meta = element("p", "myrun-meta",
      `${this.datasetTitle(run.config.dataset.name)} · step ${count(run.step)} · ${loss} · ${run.status}`);
    item.append(head, meta);
    if (run.parent) item.append(element("p", "myrun-meta", this.#origin(run.parent)));
    const actions = element("div", "myrun-actions");
    actions.append(
      button("Open", `Show ${name} in this tab`, () => this.#open(run), here),
      button("Rename", `Rename ${name}`, () => this.#rename(item, run)),
      button("Fork", `A new run that continues from ${name} as it is now`, () => this.#fork(run)),
      this.#deleteButton(run, name, here),
    );
    item.append(actions);
    return item;
  }

  #origin(parent) {
    const source = this.runs.get(parent.id);
    const what = source ? runName(source, this.datasetTitle) : "a run";
    return `copied from ${what} at step ${count(parent.step)}`;
  }

  #open(run) {
    this.open(run);
    this.#render();
    this.el.status.textContent = `${runName(run, this.datasetTitle)} is shown in this tab; the run shown before is kept here.`;
  }

  #rename(item, run) {
    const title = item.querySelector(".myrun-title");
    const form = document.createElement("form");
    form.className = "myrun-rename";
    const input = document.createElement("input");
    input.type = "text";
    input.maxLength = 100;
    input.value = run.title ?? "";
    input.placeholder = runName({ ...run, title: null }, this.datasetTitle);
    input.setAttribute("aria-label", `New name for ${runName(run, this.datasetTitle)}`);
    const save = button("Save", "Save the name", () => {});
    save.type = "submit";
    form.append(input, save);
    title.replaceWith(form);
    input.focus();
    input.select();
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.#render();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const { run: renamed } = await api.patchRun(run.id, { title: input.value });
        this.runs.set(run.id, renamed);
        this.#render();
        this.el.status.textContent = renamed.title
          ? `Named “${renamed.title}”: it is kept when you move on to another lesson.` : "The name was removed.";
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        this.el.status.textContent = `Not renamed: ${error.reason}`;
        input.focus();
      }
    });
  }

  async #fork(run) {
    try {
      const copy = await api.forkRun(run.id);
      rememberRun(copy.id);
      await this.refresh(`A copy of ${runName(run, this.datasetTitle)} at step ${count(copy.step)} is on top; open it to go on from there.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.el.status.textContent = `Not copied: ${error.message}`;
    }
  }

  #deleteButton(run, name, here) {
    const remove = button("Delete", here ? "This tab shows it: open another run first" : `Delete ${name} from the server`,
      async () => {
        if (remove.dataset.armed !== "1") {
          remove.dataset.armed = "1";
          remove.textContent = "Sure? Delete";
          setTimeout(() => {
            if (!remove.isConnected) return;
            delete remove.dataset.armed;
            remove.textContent = "Delete";
          }, CONFIRM_MS);
          return;
        }
        try {
          await api.deleteRun(run.id);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          if (error.status !== 404) {
            this.el.status.textContent = `Not deleted: ${error.message}`;
            return;
          }
        }
        forgetRun(run.id);
        await this.refresh(`${name} was deleted.`);
      }, here);
    remove.classList.add("danger");
    return remove;
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, title, onClick, disabled = false) {
  const node = document.createElement("button");
  node.type = "button";
  node.textContent = label;
  node.title = title;
  node.disabled = disabled;
  node.addEventListener("click", onClick);
  return node;
}

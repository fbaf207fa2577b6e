// The view toggles (loss log scale, 1-D linear-regression baseline, 2-D linear regions): keeps the
// boxes and the views in step and says which ticks differ from the defaults, for the URL hash. It
// never writes the URL (state/hash.js owns it) and never talks to the server.

const DEFAULTS = { log: true, baseline: false, regions: false };
// Toggles about the data a lesson shows: opening a lesson sets them to its view (or the defaults).
// The log scale is the reader's preference and stays as it is.
const LESSON_SCOPED = ["baseline", "regions"];

export class ViewToggles {
  /**
   * views: {loss, fit1d, plane}; the boxes are #toggle-log, #toggle-baseline, #toggle-regions.
   * onChange() runs after a person ticks or unticks a box.
   */
  constructor({ loss, fit1d, plane }, onChange) {
    this.show = {
      log: (on) => loss.setLogScale(on),
      baseline: (on) => fit1d.setBaseline(on),
      regions: (on) => plane.setRegions(on),
    };
    this.base = { ...DEFAULTS };
    this.scoped = [...LESSON_SCOPED];
    this.defaults = { ...DEFAULTS };
    this.state = { ...DEFAULTS };
    this.boxes = {};
    this.onChange = onChange;
    for (const key of Object.keys(DEFAULTS)) this.#bind(key);
  }

  /**
   * One more toggle (box #toggle-<key>): initial its default, show(on) what ticking it does,
   * scoped: true when a lesson's `view` may set it (like baseline and regions).
   */
  add(key, { initial, show, scoped = false }) {
    this.base[key] = initial;
    this.defaults[key] = initial;
    this.state[key] = initial;
    this.show[key] = show;
    if (scoped) this.scoped.push(key);
    this.#bind(key);
    show(initial);
  }

  #bind(key) {
    const box = document.getElementById(`toggle-${key}`);
    this.boxes[key] = box;
    box.checked = this.state[key];
    box.addEventListener("change", () => {
      this.#set(key, box.checked);
      this.onChange();
    });
  }

  /** A lesson opened (or none: null): its view becomes the default and the boxes show it. */
  openLesson(lesson) {
    for (const key of this.scoped) {
      this.defaults[key] = Boolean(lesson?.view?.[key] ?? this.base[key]);
      this.#set(key, this.defaults[key]);
    }
  }

  /** Ticks from a link, e.g. {log: false, baseline: true}; unknown keys are ignored. */
  restore(view) {
    for (const [key, on] of Object.entries(view ?? {})) if (key in this.base) this.#set(key, Boolean(on));
  }

  /** The toggles that differ from their defaults (what a link must carry). */
  get changed() {
    const changed = {};
    for (const key of Object.keys(this.base)) {
      if (this.state[key] !== this.defaults[key]) changed[key] = this.state[key];
    }
    return changed;
  }

  #set(key, on) {
    this.state[key] = on;
    this.boxes[key].checked = on;
    this.show[key](on);
  }
}

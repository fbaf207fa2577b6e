// The page's state, owned in one place: the server's options, the lessons, the open lesson, and the
// run being shown with its data. Plain data and setters: no DOM, no network, no drawing.
// `handle` is window.playground: a read-only view for the browser tests (tests/e2e/pagetools.py)
// and curious students; nothing in the page reads it.

export class Store {
  constructor() {
    this.options = null; // GET /api/options
    this.lessons = []; // lessons.json
    this.lesson = null; // the open lesson's id, or null (free play)
    this.run = null; // the Run the page last drew (from a snapshot or frame)
    this.data = null; // the run's training and test points (from its snapshot)
    this.snapshots = 0; // snapshots drawn so far (a rebuild or reset sends one)
    this.datasets = new Map();
  }

  setOptions(options) {
    this.options = options;
    this.datasets = new Map(options.datasets.map((info) => [info.name, info]));
  }

  setLessons(lessons) {
    this.lessons = lessons;
  }

  /** The options entry of a dataset, or null. */
  dataset(name) {
    return this.datasets.get(name) ?? null;
  }

  /** A lesson by id, or null. */
  findLesson(id) {
    return this.lessons.find((lesson) => lesson.id === id) ?? null;
  }

  /** The lesson after `id` (the first one after free play or after the last lesson). */
  nextLesson(id) {
    const index = this.lessons.findIndex((lesson) => lesson.id === id);
    return this.lessons[(index + 1) % this.lessons.length];
  }

  openLesson(id) {
    this.lesson = this.findLesson(id)?.id ?? null;
  }

  /** A snapshot arrived: its run and data replace what was shown. */
  snapshot({ run, data }) {
    this.snapshots += 1;
    this.run = run;
    this.data = data;
  }

  /** A newer state of the run shown (from a frame). True when its config changed. */
  setRun(run) {
    const changed = JSON.stringify(run.config) !== JSON.stringify(this.run?.config);
    this.run = run;
    return changed;
  }

  /** window.playground: read-only getters over this store. */
  get handle() {
    const store = this;
    return Object.freeze({
      get run() { return store.run; },
      get data() { return store.data; },
      get snapshots() { return store.snapshots; },
      get options() { return store.options; },
      get lesson() { return store.lesson; },
    });
  }
}

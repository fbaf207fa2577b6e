// What the page does with an address and with a lesson chosen: the address at load, a link pasted
// into the open tab, Back and Forward (join a watched run, or start the run the address describes),
// and starting runs with the words for a refusal. Addresses are read and written by state/hash.js;
// runs are created by the session. No DOM of its own.
import { ApiError } from "./api.js";
import { keptRunId } from "./session.js";
import { onAddressChange, writeHash } from "./state/hash.js";

export class Navigation {
  /**
   * store: the Store; session: the RunSession; sharing: the Sharing; notices: the Notices;
   * toggles: the ViewToggles; openLesson(id | null) shows a lesson (or free play) without starting
   * anything.
   */
  constructor({ store, session, sharing, notices, toggles, openLesson }) {
    Object.assign(this, { store, session, sharing, notices, toggles, openLesson });
  }

  /** Follow the address now (at load) and whenever it changes by itself later. */
  async begin(address) {
    onAddressChange((next) => this.follow(next));
    await this.follow(address, { atLoad: true });
  }

  /**
   * Show what an address {config, lesson, watch, view} describes: join the watched run, or start a
   * run from its config (an address with no config: its lesson's, at load the first lesson's).
   * At load, a tab that had a run of its own reopens it (a reload keeps its run).
   */
  async follow({ config, lesson, watch, view }, { atLoad = false } = {}) {
    if (watch) {
      if (watch === this.session.runId) return;
      this.openLesson(null); // join someone's run instead of running one's own
      this.toggles.restore(view);
      this.sharing.watch(watch, config);
      return;
    }
    const fromLink = Object.keys(config).length > 0;
    const fallback = atLoad || !fromLink ? this.store.lessons[0]?.id : null;
    this.openLesson(fromLink ? lesson : (lesson ?? fallback));
    this.toggles.restore(view);
    const wanted = fromLink ? config : this.store.findLesson(this.store.lesson)?.config ?? {};
    const kept = atLoad ? keptRunId() : null;
    if (kept) return this.session.resume(kept, wanted);
    await this.start(wanted);
    return undefined;
  }

  /** A lesson chosen (null: free play): a new history entry, and the lesson's run. */
  chooseLesson(id) {
    this.openLesson(id);
    const lesson = this.store.findLesson(this.store.lesson);
    const config = lesson ? lesson.config : this.store.run?.config;
    writeHash({ config, lesson: lesson?.id, view: this.toggles.changed }, { push: true });
    if (lesson) this.start(lesson.config);
  }

  /** Start a fresh run of the page's own from a (partial) config; refusals are explained. */
  start(config) {
    ["deleted", "gone"].forEach((key) => this.notices.hide(key));
    return this.session.replace(config)
      .then(() => ["limit", "unreachable"].forEach((key) => this.notices.hide(key)))
      .catch((error) => this.#startFailed(error, config));
  }

  #startFailed(error, config) {
    if (!(error instanceof ApiError)) throw error;
    const { notices } = this;
    if (error.status === 422) {
      notices.show("invalid-link", `These settings were refused: ${error.message}. Showing the first lesson instead.`, { kind: "warn" });
      const first = this.store.lessons[0];
      this.openLesson(first.id);
      return this.session.replace(first.config);
    }
    const kind = error.status === 0 ? "unreachable" : "limit";
    const text = error.status === 0 ? "The server cannot be reached." : `The server is full: ${error.message}`;
    notices.connection(kind === "unreachable" ? "unreachable" : "closed");
    notices.show(kind, text, { actions: [{ label: "Try again", run: () => this.start(config) }] });
    return undefined;
  }
}

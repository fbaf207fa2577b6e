// The shared live view: "Share live view" shows (and copies) a link that watches this run, and the
// page's look while it watches someone else's run: settings read-only, a bar saying so, and words
// when the run is gone. DOM only; the session streams, the hash module owns the URL.
import { watchLink } from "./state/hash.js";

// Controls outside the settings form that would change the run's config.
const CONFIG_CONTROLS = ["lesson", "lesson-next", "regenerate"];
// Controls that steer the run: nothing left to steer once a watched run is gone.
const TRANSPORT = ["play", "step", "step-size", "reset"];

export class Sharing {
  /**
   * elements: {button, box, url, copy, status, bar, own, form}.
   * session: the RunSession; notices: the Notices; currentConfig() the config of the run shown
   * (null before its first snapshot); handlers: startOwn(config | null) starts a run of the user's
   * own with that config (null: the first lesson), makeCopy(runId) copies a run where it stands
   * into the user's own.
   */
  constructor(elements, { session, notices, currentConfig, startOwn, makeCopy }) {
    this.el = elements;
    this.session = session;
    this.notices = notices;
    this.currentConfig = currentConfig;
    this.startOwn = startOwn;
    this.fallbackConfig = null; // the config a watch link carried, until the run's own arrives
    elements.button.addEventListener("click", () => this.toggle());
    elements.copy.addEventListener("click", () => this.copy());
    elements.own.addEventListener("click", () => makeCopy(this.session.runId));
  }

  /** The watched run's id while this page watches someone else's run, else null. */
  get watchId() {
    return this.session.watching ? this.session.runId : null;
  }

  /** Join a shared run by id; `config` is its last known config (from the link), if any. */
  watch(id, config) {
    this.fallbackConfig = config && Object.keys(config).length ? config : null;
    this.session.watchShared(id);
    this.update();
  }

  /** Show whether the page watches or owns its run (call on every snapshot and run switch). */
  update() {
    const watching = this.session.watching;
    document.body.dataset.watching = watching ? "1" : "0";
    this.el.bar.hidden = !watching;
    for (const fieldset of this.el.form.querySelectorAll("fieldset")) fieldset.disabled = watching;
    for (const id of CONFIG_CONTROLS) document.getElementById(id).disabled = watching;
    for (const id of TRANSPORT) document.getElementById(id).disabled = false;
    if (!this.el.box.hidden) this.#showLink();
    if (!watching) this.notices.hide("watching");
  }

  /**
   * True (and says why) when a settings change must not be sent: a watcher steers play, pause,
   * step and reset, but the settings belong to whoever shared the run.
   */
  refuseChange() {
    if (!this.session.watching) return false;
    this.notices.show("watching", "You are watching a shared run: its settings are read-only here. Make your own copy to change them.", {
      kind: "info", actions: [{ label: "Make my own copy", run: () => this.el.own.click() }],
    });
    return true;
  }

  /** The watched run was deleted or expired: say so and offer a run of one's own. */
  gone() {
    const config = this.currentConfig() ?? this.fallbackConfig;
    this.el.bar.hidden = true;
    for (const id of TRANSPORT) document.getElementById(id).disabled = true;
    this.notices.show("gone", "This run no longer exists: whoever shared it deleted it, it expired, or the server restarted.", {
      kind: "warn",
      actions: [{ label: config ? "Start my own with its settings" : "Start my own",
        run: () => this.startOwn(config) }],
    });
  }

  toggle() {
    const open = this.el.box.hidden;
    this.el.box.hidden = !open;
    this.el.button.setAttribute("aria-expanded", String(open));
    if (open) this.copy();
  }

  /** Show the link, select it, and try the clipboard (refused in some browsers: then it says so). */
  async copy() {
    this.#showLink();
    this.el.url.focus();
    this.el.url.select();
    try {
      await navigator.clipboard.writeText(this.el.url.value);
      this.el.status.textContent = "Copied. Anyone with this link watches this run live.";
    } catch {
      this.el.status.textContent = "Selected: press Ctrl+C (⌘C) to copy it.";
    }
  }

  #showLink() {
    const id = this.session.runId;
    const link = id ? watchLink(id) : "";
    if (link !== this.el.url.value) this.el.status.textContent = ""; // "Copied" was another link
    this.el.url.value = link;
  }
}

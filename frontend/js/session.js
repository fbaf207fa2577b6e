// The run this page streams: its own (created over REST, kept by the server across restarts, by
// this tab across reloads and in "My runs" (state/runlist.js), deleted when the page replaces it
// unless it is named, created again with the same config when the server has forgotten it) or someone else's that it only watches (never created, never
// deleted here; when it is gone, the page is told so). No DOM and no Plotly.
import { api, ApiError, streamUrl } from "./api.js";
import { RunSocket } from "./socket.js";
import { clientMessage } from "./state/messages.js";
import { forgetRun, rememberRun } from "./state/runlist.js";

const KEPT = "nn-playground.run"; // sessionStorage: this tab's own run, which a reload reopens

/** The id of this tab's own run before the page (re)loaded, or null. */
export function keptRunId() {
  try {
    return sessionStorage.getItem(KEPT);
  } catch {
    return null; // storage refused (a sandboxed frame): every load starts a run
  }
}

function keep(id) {
  try {
    sessionStorage.setItem(KEPT, id);
  } catch {
    // storage refused: a reload starts a fresh run
  }
}

/**
 * handlers: onMessage(message) for snapshot/frame/error/deleted; onConnection(state, info) with
 * state one of connecting, open, reconnecting, unreachable, recreated, closed, and "gone" (a
 * watched run was deleted or expired: nothing is retried); currentConfig() the config of the run
 * shown (the store holds the run; a re-creation after a server restart uses its config);
 * isNamed(id) true when that run has a title (it is kept when the page moves on).
 */
export class RunSession {
  constructor({ onMessage, onConnection, currentConfig, isNamed = () => false }) {
    this.onMessage = onMessage;
    this.onConnection = onConnection;
    this.currentConfig = currentConfig;
    this.isNamed = isNamed;
    this.runId = null;
    this.owned = true; // false while watching someone else's run
    this.socket = null;
    this.checking = false;
    this.recreating = false;
    this.fallbackConfig = null; // a resumed run's config from the address, until its snapshot
  }

  /** True while this page watches a run it did not create (a shared live view). */
  get watching() {
    return Boolean(this.runId) && !this.owned;
  }

  /** Create a run from a (partial) config and start streaming it; throws ApiError on refusal. */
  async start(config) {
    const run = await api.createRun(config ?? {});
    this.#watch(run.id, true);
    return run;
  }

  /**
   * Reopen this tab's own run by id (a reload): no run is created; when the server does not know
   * it (deleted, expired), a fresh run with `config` starts, as after a restart that lost it.
   */
  resume(id, config) {
    this.fallbackConfig = config ?? null;
    this.#watch(id, true);
  }

  /** Replace the current run by a new one (the old one is deleted if it was ours and unnamed). */
  async replace(config) {
    const old = this.#ownRunId();
    const run = await this.start(config);
    this.#drop(old, run.id);
    return run;
  }

  /** Switch to a run made elsewhere for this page (an imported checkpoint); frees our old one. */
  adopt(run) {
    const old = this.#ownRunId();
    this.#watch(run.id, true);
    this.#drop(old, run.id);
  }

  /** Switch to another run of this browser's own ("My runs"); the one shown so far is kept. */
  open(id) {
    if (id !== this.runId || !this.owned) this.#watch(id, true);
  }

  /** Stream someone else's run by id: no run is created, and it is never deleted from here. */
  watchShared(id) {
    const old = this.#ownRunId();
    this.#watch(id, false);
    this.#drop(old, id);
  }

  /** Play at most stepsPerSecond steps per second (null or omitted: as fast as it goes). */
  play(stepsPerSecond = null) {
    return this.#send(clientMessage("play", { steps_per_second: stepsPerSecond }));
  }

  pause() { return this.#send(clientMessage("pause")); }
  step(steps) { return this.#send(clientMessage("step", { steps })); }
  reset() { return this.#send(clientMessage("reset")); }

  /** Weights by hand: every layer's {weight, bias}, the shape GET .../weights answers. */
  setWeights(layers) { return this.#send(clientMessage("set_weights", { layers })); }

  /** Change the run's settings (PATCH): resolves to the server's {run, applied}; throws ApiError. */
  update(config) {
    return api.patchRun(this.runId, config);
  }

  retryNow() {
    this.socket?.retryNow();
  }

  /** Stop streaming (the page is closing or reloading). Our run stays on the server, saved: a
   * reload reopens it, and the server pauses it when nobody watches and deletes it after run_ttl. */
  close() {
    this.socket?.close();
  }

  #ownRunId() {
    return this.owned ? this.runId : null;
  }

  // The page moved on from our run `old` to `now`: delete it (best effort) unless it is named.
  #drop(old, now) {
    if (!old || old === now || this.isNamed(old)) return;
    forgetRun(old);
    api.deleteRun(old).catch(() => {});
  }

  #send(message) {
    return this.socket ? this.socket.send(message) : false;
  }

  #watch(id, owned) {
    this.socket?.close();
    this.runId = id;
    this.owned = owned;
    if (owned) {
      keep(id);
      rememberRun(id);
    }
    this.socket = new RunSocket(streamUrl(id), {
      onMessage: (message) => this.#message(id, message),
      onState: (state, info) => this.#socketState(id, state, info),
    });
    this.socket.open();
  }

  #message(id, message) {
    if (message.type === "deleted" && id === this.runId && !this.owned) return this.#gone();
    return this.onMessage(message);
  }

  #gone() {
    this.socket?.close();
    this.onConnection("gone", {});
  }

  #socketState(id, state, info) {
    if (id !== this.runId || state === "closed") return;
    if (state === "reconnecting" && info.closeCode === 4404 && !this.owned) return this.#gone();
    this.onConnection(state, info);
    if (state !== "reconnecting" || info.retryInMs <= 0) return undefined;
    if (info.closeCode === 4404) return this.#recreate();
    return this.#checkServer();
  }

  // While reconnecting, ask whether the server answers at all (a 4404 close already said that it
  // answers but forgot the run). /api/health never 404s, so the console stays clean.
  async #checkServer() {
    if (this.checking) return;
    this.checking = true;
    try {
      await api.health();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.onConnection("unreachable", {});
    } finally {
      this.checking = false;
    }
  }

  async #recreate() {
    if (this.recreating) return;
    this.recreating = true;
    const config = this.currentConfig() ?? this.fallbackConfig ?? {};
    forgetRun(this.runId); // the server forgot it
    try {
      await this.start(config);
      this.onConnection("recreated", {});
    } catch (error) {
      this.onConnection("unreachable", { message: error.message });
    } finally {
      this.recreating = false;
    }
  }
}

// The run this page watches: created over REST, streamed over the websocket, and created again with
// the same config when the server has forgotten it (a restart). No DOM and no Plotly here.
import { api, ApiError, streamUrl } from "./api.js";
import { RunSocket } from "./socket.js";

/**
 * handlers: onMessage(message) for snapshot/frame/error/deleted; onConnection(state, info) with
 * state one of connecting, open, reconnecting, unreachable, recreated, closed.
 */
export class RunSession {
  constructor({ onMessage, onConnection }) {
    this.onMessage = onMessage;
    this.onConnection = onConnection;
    this.run = null;
    this.socket = null;
    this.checking = false;
    this.recreating = false;
  }

  get runId() {
    return this.run?.id ?? null;
  }

  /** Create a run from a (partial) config and start streaming it; throws ApiError on refusal. */
  async start(config) {
    const run = await api.createRun(config ?? {});
    this.#watch(run);
    return run;
  }

  /** Replace the current run by a new one (the old one is deleted, best effort). */
  async replace(config) {
    const old = this.runId;
    const run = await this.start(config);
    if (old) api.deleteRun(old).catch(() => {});
    return run;
  }

  /** Remember the latest run object from the stream (its config is what a re-creation uses). */
  remember(run) {
    if (run && run.id === this.runId) this.run = run;
  }

  play() { return this.#send({ type: "play" }); }
  pause() { return this.#send({ type: "pause" }); }
  step(steps) { return this.#send({ type: "step", steps }); }
  reset() { return this.#send({ type: "reset" }); }
  update(config) { return this.#send({ type: "update", config }); }

  retryNow() {
    this.socket?.retryNow();
  }

  /** Stop streaming and free the run on the server (the page is closing; its hash keeps the config). */
  close() {
    this.socket?.close();
    if (this.runId) api.deleteRunOnExit(this.runId);
  }

  #send(message) {
    return this.socket ? this.socket.send(message) : false;
  }

  #watch(run) {
    this.socket?.close();
    this.run = run;
    this.socket = new RunSocket(streamUrl(run.id), {
      onMessage: (message) => this.onMessage(message),
      onState: (state, info) => this.#socketState(run.id, state, info),
    });
    this.socket.open();
  }

  #socketState(id, state, info) {
    if (id !== this.runId || state === "closed") return;
    this.onConnection(state, info);
    if (state !== "reconnecting" || info.retryInMs <= 0) return;
    if (info.closeCode === 4404) this.#recreate();
    else this.#checkServer();
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
    const config = this.run?.config ?? {};
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

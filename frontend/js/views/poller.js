// Asks the server for a card's picture of the run while the card is on screen: again whenever the
// run has moved (its step, or what key() adds), at most refreshMs apart and never more often than
// costFactor times the last answer's round trip (a large net's answer is expensive). Cards that
// poll: the loss landscape and the gradients. No drawing and no network code of its own.

export class Poller {
  /**
   * element: the card (watched for being on screen); fetch(runId) answers a promise;
   * onAnswer(answer), onError(error) for the answer of the run still followed; onStopped(status)
   * when the run diverged or failed (nothing is fetched); key() extra state a new answer needs.
   */
  constructor(element, { fetch, onAnswer, onError, onStopped, key = () => "", refreshMs = 250, costFactor = 8 }) {
    Object.assign(this, { fetch, onAnswer, onError, onStopped, key, refreshMs, costFactor });
    this.visible = false;
    new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      this.poke();
    }).observe(element);
    this.reset();
  }

  reset() {
    clearTimeout(this.timer);
    Object.assign(this, { runId: null, step: null, status: null, fetched: null, busy: false,
      nextAt: 0, timer: null });
  }

  /** The run as the last frame or snapshot had it. */
  follow(run) {
    this.runId = run.id;
    this.step = run.step;
    this.status = run.status;
    this.poke();
  }

  /** Ask again now even if the run did not move (a changed choice in the card). */
  refresh() {
    this.fetched = null;
    this.poke();
  }

  /** Fetch when the run moved, the card shows, nothing is in flight and the pause is over. */
  poke() {
    clearTimeout(this.timer);
    if (!this.visible || !this.runId || this.busy) return;
    if (this.status === "diverged" || this.status === "failed") {
      this.onStopped(this.status);
      return;
    }
    const key = `${this.step}:${this.key()}`;
    if (this.fetched === key) return;
    const wait = this.nextAt - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => this.poke(), wait);
      return;
    }
    this.#fetch(key);
  }

  async #fetch(key) {
    const runId = this.runId;
    const started = performance.now();
    this.busy = true;
    try {
      const answer = await this.fetch(runId);
      if (runId === this.runId) {
        this.fetched = key;
        this.onAnswer(answer);
      }
    } catch (error) {
      if (runId === this.runId) {
        this.fetched = key;
        this.onError(error);
      }
    } finally {
      const took = performance.now() - started;
      this.busy = false;
      this.nextAt = performance.now() + Math.max(this.refreshMs - took, this.costFactor * took);
      this.poke();
    }
  }
}

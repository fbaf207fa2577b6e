// Coalesces stream frames into draws the page can afford: the latest run and function win, history
// deltas are concatenated so that none is lost, and draws are spaced so that drawing takes at most
// about half of the main thread (the page stays responsive on slow machines). No DOM, no Plotly.

const MIN_INTERVAL_MS = 40; // at most ~25 draws per second
const BUDGET = 0.5; // the share of the main thread that drawing may use

const EMPTY = () => ({ step: [], train_loss: [], test_loss: [] });

export class FrameQueue {
  /** draw(frame) is called with the merged frame, at most once per animation frame. */
  constructor(draw) {
    this.draw = draw;
    this.pending = null;
    this.scheduled = false;
    this.nextAt = 0;
  }

  push(frame) {
    const delta = frame.history ?? EMPTY();
    // Appended in place, not copied: a hidden tab (no animation frames) may gather many frames.
    const history = this.pending?.history ?? EMPTY();
    for (const key of ["step", "train_loss", "test_loss"]) {
      for (const value of delta[key]) history[key].push(value);
    }
    this.pending = { ...frame, history };
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, this.nextAt - performance.now());
    setTimeout(() => requestAnimationFrame(() => this.flush()), wait);
  }

  /** Draw what is pending now. */
  flush() {
    this.scheduled = false;
    const frame = this.pending;
    this.pending = null;
    if (!frame) return;
    const start = performance.now();
    this.draw(frame);
    const cost = performance.now() - start;
    this.nextAt = start + Math.max(MIN_INTERVAL_MS, cost / BUDGET);
  }

  /** Forget pending frames (a snapshot supersedes them). */
  clear() {
    this.pending = null;
  }
}

// Coalesces stream frames into one draw per animation frame: the latest run and function win,
// history deltas are concatenated so that none is lost. No DOM, no Plotly.

export class FrameQueue {
  /** draw(frame) is called at most once per animation frame with the merged frame. */
  constructor(draw) {
    this.draw = draw;
    this.pending = null;
    this.scheduled = false;
  }

  push(frame) {
    if (this.pending) {
      const h = this.pending.history;
      const d = frame.history ?? { step: [], train_loss: [], test_loss: [] };
      this.pending = {
        ...frame,
        history: {
          step: h.step.concat(d.step), train_loss: h.train_loss.concat(d.train_loss),
          test_loss: h.test_loss.concat(d.test_loss),
        },
      };
    } else {
      this.pending = { ...frame, history: frame.history ?? { step: [], train_loss: [], test_loss: [] } };
    }
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  /** Draw what is pending now (also used before a snapshot replaces everything). */
  flush() {
    this.scheduled = false;
    const frame = this.pending;
    this.pending = null;
    if (frame) this.draw(frame);
  }

  /** Forget pending frames (a snapshot supersedes them). */
  clear() {
    this.pending = null;
  }
}

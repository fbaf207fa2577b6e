// Words and actions for run states: the connection (lost, back, unreachable, a fresh run after a
// restart, a watched run gone), a deleted run, a diverged one and one the server failed on.
// Banners through Notices; it draws nothing and sends only what its buttons offer.

export class RunStates {
  /**
   * notices: the Notices; session: the RunSession; sharing: the Sharing (a watched run that is gone
   * is its to explain); restart(config) starts a fresh run of the page's own with that config.
   */
  constructor({ notices, session, sharing, restart }) {
    this.notices = notices;
    this.session = session;
    this.sharing = sharing;
    this.restart = restart;
  }

  /** A connection state from the session (see RunSession). */
  connection(state, info) {
    const { notices } = this;
    notices.connection(state, info);
    if (state === "open") notices.hide("unreachable");
    if (state === "gone") this.sharing.gone();
    if (state === "unreachable") {
      notices.show("unreachable", "The server cannot be reached. The page keeps trying by itself.", {
        actions: [{ label: "Retry now", run: () => this.session.retryNow() }],
      });
    }
    if (state === "recreated") {
      notices.hide("error");
      notices.hide("deleted");
      notices.change("rebuilt", "The server had restarted: a fresh run with the same settings started.");
    }
  }

  /** The page's own run was deleted on the server (`deleted` message). */
  deleted(config) {
    this.notices.show("deleted", "This run no longer exists on the server (it was deleted or expired).", {
      kind: "warn", actions: [{ label: "Start it again", run: () => this.restart(config ?? {}) }],
    });
  }

  /** Show or clear the diverged banner for a run (offers a reset, and a smaller α to its owner). */
  diverged(run) {
    if (run.status !== "diverged") {
      this.notices.hide("diverged");
      return;
    }
    const lr = run.config.training.learning_rate;
    const smaller = Number((lr / 10).toPrecision(2));
    const actions = [{ label: "Reset", run: () => this.session.reset() }];
    if (!this.session.watching) { // a watcher steers, but the settings are the owner's
      actions.push({ label: `Reset with α = ${smaller}`, run: () => this.session
        .update({ training: { learning_rate: smaller } })
        .then(() => this.session.reset(), (error) => this.notices.show("error", error.message)) });
    }
    this.notices.show("diverged", `Training diverged: the loss is no longer a finite number. The learning rate α = ${lr} is probably too large.`, { actions });
  }

  /** Show or clear the banner for a run the server failed on (status "failed", with `error`). */
  failed(run) {
    if (run.status !== "failed") {
      this.notices.hide("failed");
      return;
    }
    this.notices.show("failed", `This run stopped: ${run.error}. Everyone else's runs go on. Reset it to start again from its seed.`, {
      actions: [{ label: "Reset", run: () => this.session.reset() }],
    });
  }
}

// Words for states: the connection pill, the banner for problems that need an action (diverged,
// limit reached, unreachable, errors) and the short notice saying whether a change applied live or
// restarted training. DOM text only.

const CONNECTION_TEXT = {
  connecting: () => "Connecting…",
  open: () => "Live",
  reconnecting: ({ attempt, retryInMs }) => (retryInMs > 0
    ? `Connection lost · retrying in ${Math.ceil(retryInMs / 1000)} s (attempt ${attempt})`
    : "Reconnecting…"),
  unreachable: () => "Server unreachable · retrying",
  recreated: () => "Live (new run)",
  gone: () => "Run gone",
};

export class Notices {
  constructor({ pill, banner, notice }) {
    this.pill = pill;
    this.banner = banner;
    this.bannerText = banner.querySelector("#banner-text");
    this.bannerActions = banner.querySelector("#banner-actions");
    this.notice = notice;
    this.bannerKey = null;
    this.noticeTimer = null;
  }

  /** The connection state in the pill (and on <body data-state> for styling and tests). */
  connection(state, info = {}) {
    const text = (CONNECTION_TEXT[state] ?? (() => state))(info);
    this.pill.textContent = text;
    this.pill.dataset.state = state;
    document.body.dataset.state = state;
  }

  /**
   * Show a banner. key identifies the problem (showing the same key again only updates it);
   * kind: "error" | "warn" | "info"; actions: [{label, run}] buttons.
   */
  show(key, message, { kind = "error", actions = [] } = {}) {
    this.bannerKey = key;
    this.banner.dataset.kind = kind;
    this.banner.dataset.key = key;
    this.bannerText.textContent = message;
    this.bannerActions.replaceChildren(...actions.map(({ label, run }) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", run);
      return button;
    }));
    this.banner.hidden = false;
  }

  /** Hide the banner if it shows `key` (or any banner when key is omitted). */
  hide(key) {
    if (key && this.bannerKey !== key) return;
    this.banner.hidden = true;
    this.bannerKey = null;
  }

  /** A short-lived note: kind "live" (kept training) or "rebuilt" (restarted from step 0). */
  change(kind, message) {
    this.notice.dataset.kind = kind;
    this.notice.textContent = message;
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { this.notice.hidden = true; }, 6000);
  }
}

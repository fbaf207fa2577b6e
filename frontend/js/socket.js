// One websocket to a run's stream that reconnects by itself with exponential backoff and reports
// its state in words the page can show. It parses and sends JSON; it knows nothing about views.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;

/**
 * States: "connecting" (first attempt), "open", "reconnecting" (lost, retrying), "closed" (by us).
 * onState(state, {attempt, retryInMs}) is called on every change; onMessage(message) per message.
 */
export class RunSocket {
  constructor(url, { onMessage, onState }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.attempt = 0;
    this.state = "idle";
    this.ws = null;
    this.timer = null;
    this.wanted = false;
    this.lastCloseCode = null; // 4404: the server does not know the run (it restarted or expired)
  }

  open() {
    this.wanted = true;
    this.#connect();
  }

  /** Close for good (no reconnect). */
  close() {
    this.wanted = false;
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
      this.ws = null;
    }
    this.#setState("closed");
  }

  /** Retry at once instead of waiting for the backoff timer. */
  retryNow() {
    if (!this.wanted || this.state === "open") return;
    clearTimeout(this.timer);
    this.#connect();
  }

  /** Send a client message; false when the socket is not open (the caller may show that). */
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  #connect() {
    this.#setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.#setState("open");
    };
    ws.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // not ours to show: the server only sends JSON
      }
      this.onMessage(message);
    };
    ws.onerror = () => {}; // onclose follows and carries the decision
    ws.onclose = (event) => {
      this.ws = null;
      if (!this.wanted) return;
      this.lastCloseCode = event.code;
      this.attempt += 1;
      const backoff = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** (this.attempt - 1));
      const retryInMs = backoff * (0.8 + 0.4 * Math.random()); // jitter: a class does not stampede
      this.timer = setTimeout(() => this.#connect(), retryInMs); // before onState: it may close()
      this.#setState("reconnecting", retryInMs);
    };
  }

  #setState(state, retryInMs = 0) {
    this.state = state;
    this.onState?.(state, { attempt: this.attempt, retryInMs, closeCode: this.lastCloseCode });
  }
}

// The live stream (GET /api/stream, server-sent events `alert`, `hub` and `ping`). The browser's
// EventSource reconnects by itself after a network drop; when the centre refuses the stream (401, 503)
// the EventSource closes for good and this class reconnects with a backoff. Every (re)connection calls
// onopen, so the console can reload the queue and not miss what happened while it was away.
//
// A stream can also stall without closing: the centre hangs, or a proxy holds the connection open with
// nothing coming through. The centre sends a `ping` event on an idle stream every `every_ms`; a stream
// that carries nothing at all for two of those intervals and 5 s more is taken as stalled: onstall(),
// and a new connection.

const DEFAULT_PING_MS = 15_000; // until the centre's first ping says its interval
const STALL_CHECK_MS = 1_000;

export class LiveStream {
  #es = null;
  #retry = null;
  #backoff = 1000;
  #stopped = true;
  #handlers;
  #heardAt = 0; // when the open stream last carried anything
  #checksSilent = 0; // stall checks since then
  #pingMs = DEFAULT_PING_MS;
  #watchdog = null;

  /**
   * handlers: onopen(), ondown(), onstall() (open but silent too long; a reconnection follows),
   * onalert(alert), onhub(hub), onclosed() (refused: check the session).
   */
  constructor(handlers) {
    this.#handlers = handlers;
  }

  /** How long an open stream may carry nothing before it is taken as stalled. */
  get stallAfterMs() {
    return 2 * this.#pingMs + 5_000;
  }

  get connected() {
    return this.#es?.readyState === EventSource.OPEN;
  }

  start() {
    this.#stopped = false;
    this.#connect();
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(() => this.#checkStall(), STALL_CHECK_MS);
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#watchdog);
    this.#watchdog = null;
    this.#es?.close();
    this.#es = null;
  }

  // Silent for the whole window by the clock and by as many checks as it takes: a clock that jumps
  // ahead (a time sync, a test's injected clock) is not a stall by itself. (A background tab whose
  // timers the browser slows to one a minute takes that many minutes to notice.)
  #checkStall() {
    if (this.#stopped || !this.connected) return;
    this.#checksSilent += 1;
    if (Date.now() - this.#heardAt <= this.stallAfterMs) return;
    if (this.#checksSilent * STALL_CHECK_MS <= this.stallAfterMs) return;
    this.reconnect();
    this.#handlers.onstall?.();
  }

  #heard() {
    this.#heardAt = Date.now();
    this.#checksSilent = 0;
  }

  /** Drops the current connection (if any) and connects again now. */
  reconnect() {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#es?.close();
    this.#es = null;
    this.#backoff = 1000;
    this.#connect();
  }

  #connect() {
    const es = new EventSource('/api/stream');
    this.#es = es;
    es.addEventListener('open', () => {
      if (es !== this.#es) return;
      this.#backoff = 1000;
      this.#heard();
      this.#handlers.onopen();
    });
    es.addEventListener('alert', (e) => this.#deliver(es, e, this.#handlers.onalert));
    es.addEventListener('hub', (e) => this.#deliver(es, e, this.#handlers.onhub));
    es.addEventListener('ping', (e) => this.#deliver(es, e, (ping) => {
      if (Number.isFinite(ping?.every_ms) && ping.every_ms > 0) this.#pingMs = ping.every_ms;
    }));
    es.addEventListener('error', () => {
      if (es !== this.#es) return;
      this.#handlers.ondown();
      if (es.readyState === EventSource.CLOSED) {
        // Refused (not a drop): the browser will not retry, so we do, after checking the session.
        this.#es = null;
        this.#handlers.onclosed();
        if (this.#stopped) return;
        this.#retry = setTimeout(() => this.#connect(), this.#backoff);
        this.#backoff = Math.min(this.#backoff * 2, 15000);
      }
    });
  }

  #deliver(es, event, handler) {
    if (es !== this.#es) return;
    this.#heard();
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return; // a malformed event is ignored; the next resync corrects the picture
    }
    handler(data);
  }
}

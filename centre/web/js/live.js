// The live stream (GET /api/stream, server-sent events `alert` and `hub`). The browser's EventSource
// reconnects by itself after a network drop; when the centre refuses the stream (401, 503) the
// EventSource closes for good and this class reconnects with a backoff. Every (re)connection calls
// onopen, so the console can reload the queue and not miss what happened while it was away.

export class LiveStream {
  #es = null;
  #retry = null;
  #backoff = 1000;
  #stopped = true;
  #handlers;

  /** handlers: onopen(), ondown(), onalert(alert), onhub(hub), onclosed() (refused: check the session). */
  constructor(handlers) {
    this.#handlers = handlers;
  }

  get connected() {
    return this.#es?.readyState === EventSource.OPEN;
  }

  start() {
    this.#stopped = false;
    this.#connect();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#es?.close();
    this.#es = null;
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
      this.#handlers.onopen();
    });
    es.addEventListener('alert', (e) => this.#deliver(es, e, this.#handlers.onalert));
    es.addEventListener('hub', (e) => this.#deliver(es, e, this.#handlers.onhub));
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
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return; // a malformed event is ignored; the next resync corrects the picture
    }
    handler(data);
  }
}

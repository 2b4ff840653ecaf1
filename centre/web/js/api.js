// The centre's HTTP API (docs/api.md). Every POST carries the session's CSRF token; a 401 anywhere
// means the session is gone and the console goes back to the login page.

/** An API call that did not succeed: `status` is the HTTP status (0 when the centre is unreachable). */
export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export class Api {
  #csrf = '';
  #onUnauthorized;

  /** `onUnauthorized()` is called once per 401 (not for a failed login). */
  constructor(onUnauthorized) {
    this.#onUnauthorized = onUnauthorized;
  }

  set csrf(token) {
    this.#csrf = token ?? '';
  }

  get(path) {
    return this.#call('GET', path);
  }

  post(path, body) {
    return this.#call('POST', path, body);
  }

  /** Logs in; resolves to {user, role, csrf}. A wrong password rejects with status 401. */
  async login(user, password) {
    const me = await this.#call('POST', '/api/login', { user, password }, { quietUnauthorized: true });
    this.csrf = me.csrf;
    return me;
  }

  /** The current session, or null when not logged in (asked without a 401 when there is none). */
  async session() {
    const me = await this.#call('GET', '/api/session', undefined, { quietUnauthorized: true });
    if (!me || !me.user) return null;
    this.csrf = me.csrf;
    return me;
  }

  /** The current session, or null when not logged in. */
  async me() {
    try {
      const me = await this.#call('GET', '/api/me', undefined, { quietUnauthorized: true });
      this.csrf = me.csrf;
      return me;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  }

  async logout() {
    try {
      await this.#call('POST', '/api/logout', undefined, { quietUnauthorized: true });
    } finally {
      this.csrf = '';
    }
  }

  async #call(method, path, body, { quietUnauthorized = false } = {}) {
    const headers = { Accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (method !== 'GET') {
      if (path !== '/api/login') headers['X-CSRF-Token'] = this.#csrf;
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch {
      throw new ApiError(0, 'The centre cannot be reached. Check the network and try again.');
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (res.ok) return data;
    if (res.status === 401 && !quietUnauthorized) this.#onUnauthorized();
    const message =
      (data && typeof data.error === 'string' && data.error) ||
      (res.status === 403 ? 'Your role may not do this.' : `The centre answered ${res.status} ${res.statusText}`);
    throw new ApiError(res.status, message, data);
  }
}

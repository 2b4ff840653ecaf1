// Residents' records in the console: the households list with its search, the routes
// (#households, #household/<id>[?alert=<alert id>], #household/new, #household/<id>/edit), and the
// link from an alert's detail to its household. The page itself is household.js, the edit form
// household-form.js; what each role may see is docs/residents.md.

import { byId, h, rebuildKeepingFocus, say, setText } from './dom.js';
import { HouseholdForm } from './household-form.js';
import { HouseholdPage } from './household.js';

/** What each role may do with records (the API enforces it; the console only hides what cannot work). */
export const RECORD_RIGHTS = {
  operator: { records: true, edit: false, reveal: true, live: true, activity: false },
  supervisor: { records: true, edit: true, reveal: true, live: true, activity: true },
  technician: { records: true, edit: false, reveal: true, live: true, activity: false },
  admin: { records: true, edit: true, reveal: false, live: true, activity: false },
  // Care professionals: their team's caseload, read only, no event stream and no alert queue; the
  // wellbeing notices of their caseload (activity).
  care: { records: true, edit: false, reveal: false, live: false, activity: true },
};

/**
 * Splits a location hash into a view name and its argument: "household/12?alert=hub-0001-7" gives
 * {view: "household", arg: {id: "12", alert: "hub-0001-7", edit: false}}; "household/12/edit" and
 * "household/new" give view "household-edit"; other hashes pass through.
 */
export function parseRoute(hash) {
  const m = /^household\/(new|[0-9]{1,15})(\/edit)?(?:\?(.*))?$/.exec(hash ?? '');
  if (!m) return { view: hash ?? '', arg: null };
  const params = new URLSearchParams(m[3] ?? '');
  const edit = m[1] === 'new' || !!m[2];
  return { view: edit ? 'household-edit' : 'household', arg: { id: m[1], edit, alert: params.get('alert') || '' } };
}

/** The hash of a household's page, opened in answer to `alert` when given. */
export function householdHash(id, alert = '') {
  return `#household/${encodeURIComponent(id)}${alert ? `?alert=${encodeURIComponent(alert)}` : ''}`;
}

/** The households list (all of them, or a care user's caseload), the page, and the editor. */
export class HouseholdsView {
  #ctx;
  #form = byId('households-form');
  #q = byId('households-q');
  #body = byId('households-body');
  #message = byId('households-message');
  #title = byId('households-title');
  #request = 0;
  #page;
  #editor;

  /** ctx: api, perms(), role(), user() */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#page = new HouseholdPage(ctx);
    this.#editor = new HouseholdForm(ctx);
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.search();
    });
  }

  /** Shows the list, searching with what the search box holds. */
  showList() {
    const care = this.#ctx.role() === 'care';
    setText(this.#title, care ? "Your team's caseload" : 'Households');
    this.search();
  }

  /** Shows one household's page, or its edit form (arg from parseRoute). */
  showPage(arg) {
    byId('households-tab').setAttribute('aria-current', 'page'); // the page is under the Households tab
    if (arg?.edit && this.#ctx.perms().edit) this.#editor.show(arg.id === 'new' ? null : arg.id);
    else if (arg && arg.id !== 'new') this.#page.show(arg.id, arg.alert);
    else this.#page.notFound();
  }

  async search() {
    const q = this.#q.value.trim();
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    const request = ++this.#request;
    say(this.#message, 'Searching\u2026');
    try {
      const list = await this.#ctx.api.get(`/api/households?${params}`);
      if (request !== this.#request) return;
      rebuildKeepingFocus(this.#body, () => list.map((s) => this.#row(s)));
      const care = this.#ctx.role() === 'care';
      say(this.#message, list.length
        ? `${list.length} household${list.length === 1 ? '' : 's'}.`
        : q ? 'No household matches.' : care ? 'No household is on your caseload.' : 'No households recorded yet.');
    } catch (e) {
      if (request === this.#request) say(this.#message, e.message, 'error');
    }
  }

  /** Drops everything of the last session from the page. */
  clear() {
    this.#request += 1;
    this.#body.replaceChildren();
    this.#q.value = '';
    say(this.#message, '');
    this.#page.clear();
    this.#editor.clear();
    // The next person to log in starts on their own first view, not on this one's household.
    if (location.hash.startsWith('#household')) history.replaceState(null, '', location.pathname + location.search);
  }

  /** Fills the alert detail's household line: a link to the record when the alert carries one. */
  alertLink(alert) {
    const el = byId('detail-household');
    const hh = alert?.household;
    if (!hh || !hh.id || !this.#ctx.perms().records) {
      el.hidden = true;
      el.replaceChildren();
      return;
    }
    const names = Array.isArray(hh.names) && hh.names.length ? hh.names.join(', ') : `household ${hh.id}`;
    el.replaceChildren(
      h('a', { href: householdHash(hh.id, alert.id), class: 'household-link', dataset: { household: String(hh.id) } },
        `\u2302 ${names}`, hh.postcode ? ` \u00B7 ${hh.postcode}` : '', ' \u2014 open the household'),
    );
    el.hidden = false;
  }

  #row(s) {
    const names = Array.isArray(s.names) && s.names.length ? s.names.join(', ') : '\u2014';
    return h('tr', { dataset: { household: String(s.id) } },
      h('th', { scope: 'row' }, h('a', { href: householdHash(s.id), dataset: { focusKey: `hh-${s.id}` } }, names)),
      h('td', {}, s.address || ''),
      h('td', {}, s.postcode || ''),
      h('td', {}, (s.hubs ?? []).join(', ') || '\u2014'),
      h('td', {}, s.team || '\u2014'),
      h('td', {}, s.external_ref || ''));
  }
}

// The other views: hubs (live), history search, code-of-practice performance, and the audit trail.

import { byId, h, rebuildKeepingFocus, say } from './dom.js';
import {
  age, awaySetter, awayText, clock, fullTime, ms, outcomeName, percent, priorityIcon, seconds, sensorPlace, shortClock,
  statusName, typeName, words,
} from './format.js';

/** How long a first click on "Set away" waits for the second that confirms it. */
const AWAY_CONFIRM_MS = 10_000;

/** Hubs: connection, away mode and who set it, last heartbeat (ticking), outbox depth, sensors summary, test alarm. */
export class HubsView {
  #ctx;
  #body = byId('hubs-body');
  #empty = byId('hubs-empty');
  #message = byId('hubs-message');
  #list = byId('hub-list');
  #awayConfirm = null; // {hub, until}: a first click on "Set away mode", waiting for the second

  /** ctx: api, perms(), hubs() -> array */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#body.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-test-hub]');
      if (button) this.#sendTest(button, button.dataset.testHub);
      const away = e.target.closest('button[data-away-hub]');
      if (away) this.#setAway(away, away.dataset.awayHub, away.dataset.awayOn === 'true');
      const alerts = e.target.closest('button[data-alerts-hub]');
      if (alerts) this.#ctx.showHubAlerts(alerts.dataset.alertsHub);
    });
  }

  render() {
    const hubs = this.#ctx.hubs();
    const canTest = this.#ctx.perms().test;
    const canAway = this.#ctx.perms().away;
    // Offline hubs first: they need someone's attention.
    hubs.sort((a, b) => Number(a.online) - Number(b.online) || a.id.localeCompare(b.id));
    rebuildKeepingFocus(this.#body, () => hubs.map((hub) => this.#row(hub, canTest, canAway)));
    this.#empty.hidden = hubs.length > 0;
    this.#list.replaceChildren(...hubs.map((hub) => h('option', { value: hub.id })));
  }

  #row(hub, canTest, canAway) {
    const s = hub.sensors && typeof hub.sensors === 'object' ? hub.sensors : {};
    const known = ['online', 'offline', 'battery_low'].some((k) => typeof s[k] === 'number');
    const sensors = known
      ? [
          h('span', {}, `${s.online ?? 0} online`),
          ', ',
          h('span', { class: s.offline ? 'offline' : '' }, `${s.offline ?? 0} offline`),
          ', ',
          h('span', { class: s.battery_low ? 'warn-text' : '' }, `${s.battery_low ?? 0} battery low`),
        ]
      : '\u2014';
    const hh = hub.household;
    const names = hh && Array.isArray(hh.names) && hh.names.length ? hh.names.join(', ') : hh ? `household ${hh.id}` : null;
    return h(
      'tr',
      { class: hub.online ? '' : 'hub-offline', dataset: { hub: hub.id } },
      h('th', { scope: 'row' }, hub.id,
        hub.disabled ? h('span', { class: 'sub disabled-badge', title: 'An admin disabled this hub: its messages are refused' }, '\u26D4 Disabled') : null),
      h('td', {},
        hh && this.#ctx.perms().records
          ? h('a', { href: `#household/${encodeURIComponent(hh.id)}`, dataset: { household: String(hh.id) } }, names)
          : names ?? h('span', { class: 'sub' }, 'no household'),
        this.#ctx.perms().alerts
          ? h('button', { type: 'button', class: 'link', dataset: { alertsHub: hub.id, focusKey: `alerts-${hub.id}` } }, 'Alerts')
          : null),
      h('td', {},
        // The centre's verdict (heartbeats) and the hub's own report through the broker are two things:
        // each says whose it is, so "Offline" never stands unexplained beside "online".
        h('span', { class: hub.online ? 'online' : 'offline' }, hub.online ? '\u25CF Online' : '\u2716 Offline',
          h('span', { class: 'qual' }, ' to the centre')),
        hub.status && hub.status !== (hub.online ? 'online' : 'offline')
          ? h('span', { class: 'sub' }, `hub's own broker status: ${hub.status}`) : null),
      h('td', { class: 'away' }, awayCell(hub.away)),
      h('td', {},
        hub.last_heartbeat
          ? [h('span', { dataset: { since: hub.last_heartbeat, suffix: ' ago' } }, ''),
             h('span', { class: 'sub', title: fullTime(hub.last_heartbeat) }, clock(hub.last_heartbeat))]
          : 'never'),
      h('td', { class: 'num' }, String(hub.outbox ?? 0)),
      h('td', {}, sensors),
      h('td', {}, hub.version || '\u2014'),
      h('td', { class: 'hub-actions' },
        canTest
          ? h('button', { type: 'button', dataset: { testHub: hub.id, focusKey: `test-${hub.id}` } }, 'Send test alarm')
          : null,
        canAway ? this.#awayButton(hub) : null),
    );
  }

  /**
   * Away mode on (after a second click that confirms it: it suspends the home's behavioural rules) or
   * off. The centre audits it with the operator and sends it to the hub; the hub's next heartbeat,
   * sent at once, brings the new state and who set it.
   */
  #awayButton(hub) {
    const on = hub.away?.on !== true;
    const confirming = on && this.#confirming(hub.id);
    return h('button', { type: 'button', dataset: { awayHub: hub.id, awayOn: String(on), focusKey: `away-${hub.id}` } },
      !on ? 'End away mode' : confirming ? 'Confirm: set away' : 'Set away mode');
  }

  #confirming(hub) {
    return this.#awayConfirm?.hub === hub && this.#awayConfirm.until > Date.now();
  }

  async #setAway(button, hub, on) {
    if (on && !this.#confirming(hub)) {
      this.#awayConfirm = { hub, until: Date.now() + AWAY_CONFIRM_MS };
      say(this.#message, `Away mode suspends the behavioural rules at ${hub} (inactivity, due times, exits); alarms still come. Click "Confirm: set away" to set it.`);
      this.render();
      return;
    }
    this.#awayConfirm = null;
    button.disabled = true;
    say(this.#message, `${on ? 'Setting' : 'Ending'} away mode at ${hub}\u2026`);
    try {
      const r = await this.#ctx.api.post(`/api/hubs/${encodeURIComponent(hub)}/away`, { on });
      say(this.#message, `Away mode ${on ? 'on' : 'off'} requested for ${hub} (request ${r?.id ?? '?'}). The hub confirms it within seconds.`, 'ok');
    } catch (e) {
      say(this.#message, `Away mode for ${hub} not sent: ${e.message}`, 'error');
    } finally {
      button.disabled = false;
      this.render();
    }
  }

  async #sendTest(button, hub) {
    button.disabled = true;
    say(this.#message, `Sending a test alarm to ${hub}\u2026`);
    try {
      const r = await this.#ctx.api.post(`/api/hubs/${encodeURIComponent(hub)}/test`);
      say(this.#message, `Test alarm requested from ${hub} (request ${r?.id ?? '?'}). A low-priority test alert should reach the queue within seconds.`, 'ok');
    } catch (e) {
      say(this.#message, `Test alarm to ${hub} not sent: ${e.message}`, 'error');
    } finally {
      button.disabled = false;
    }
  }
}

/** The hubs view's away cell: on (since, by whom), off (and the last change), or not reported. */
export function awayCell(away) {
  if (!away) {
    return h('span', { class: 'sub', title: 'This hub has not reported its away mode (no heartbeat yet, or an older hub version)' },
      'not reported');
  }
  const since = away.since ? { title: fullTime(away.since) } : {};
  if (away.on === true) return h('span', { class: 'away-badge', ...since }, awayText(away));
  const who = awaySetter(away);
  return [
    'No',
    away.since ? h('span', { class: 'sub', ...since }, `ended ${shortClock(away.since)}${who ? ` by ${who}` : ''}`) : null,
  ];
}

/** History: every alert, searchable, with outcomes and notes; a row opens the detail panel. */
export class HistoryView {
  #ctx;
  #form = byId('history-form');
  #body = byId('history-body');
  #message = byId('history-message');
  #request = 0;

  /** ctx: api, openAlert(id, {focus}) */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.search();
    });
    this.#body.addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-id]');
      if (tr) this.#ctx.openAlert(tr.dataset.id, { focus: false });
    });
    this.#body.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr[data-id]');
      if (tr && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        this.#ctx.openAlert(tr.dataset.id, { focus: true });
      }
    });
  }

  async search() {
    const params = new URLSearchParams();
    params.set('state', byId('history-state').value);
    const q = byId('history-q').value.trim();
    const hub = byId('history-hub').value.trim();
    if (q) params.set('q', q);
    if (hub) params.set('hub', hub);
    params.set('limit', byId('history-limit').value);
    const request = ++this.#request;
    say(this.#message, 'Searching\u2026');
    try {
      const alerts = await this.#ctx.api.get(`/api/alerts?${params}`);
      if (request !== this.#request) return;
      rebuildKeepingFocus(this.#body, () => alerts.map((a) => this.#row(a)));
      say(this.#message, alerts.length ? `${alerts.length} alert${alerts.length === 1 ? '' : 's'}.` : 'No alerts match.');
    } catch (e) {
      if (request === this.#request) say(this.#message, e.message, 'error');
    }
  }

  #row(a) {
    const waited = a.acknowledged_at ? seconds((ms(a.acknowledged_at) - ms(a.received_at)) / 1000) : null;
    return h(
      'tr',
      { class: `clickable prio-${a.priority}`, tabindex: 0, dataset: { id: a.id, focusKey: a.id } },
      h('td', { title: fullTime(a.received_at) }, clock(a.received_at)),
      h('td', { class: 'prio' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, priorityIcon(a.priority)), a.priority),
      h('td', {}, typeName(a.type), a.state === 'cleared' ? h('span', { class: 'tag' }, 'cleared notice') : null),
      h('td', {}, a.hub),
      h('td', {}, sensorPlace(a)),
      h('td', { class: 'c-text' }, a.text),
      h('td', {}, h('span', { class: `status-badge ${a.status}` }, statusName(a.status))),
      h('td', {}, a.acknowledged_by ? [`${a.acknowledged_by}`, h('span', { class: 'sub' }, `after ${waited}`)] : '\u2014'),
      h('td', {}, a.outcome ? [outcomeName(a.outcome), a.resolved_by ? h('span', { class: 'sub' }, `by ${a.resolved_by}`) : null] : '\u2014'),
      h('td', { class: 'c-text' }, a.note || ''),
    );
  }
}

/** Time to acknowledge against the telecare code of practice (97.5 % in 60 s, 99 % in 180 s). */
export class PerformanceView {
  #ctx;
  #cards = byId('perf-cards');
  #message = byId('perf-message');
  #hours = byId('perf-hours');
  #request = 0;
  #last = null;

  /** ctx: api, waiting() -> {count, oldestMs} */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#hours.addEventListener('change', () => this.load());
  }

  async load() {
    const request = ++this.#request;
    try {
      const s = await this.#ctx.api.get(`/api/stats?hours=${encodeURIComponent(this.#hours.value)}`);
      if (request !== this.#request) return;
      this.#render(s);
      say(this.#message, `Updated ${clock(new Date().toISOString())}.`);
    } catch (e) {
      if (request === this.#request) say(this.#message, e.message, 'error');
    }
  }

  /** Draws the figures again with the queue's live "waiting now" (between the minute's reloads). */
  showWaiting() {
    if (this.#last) this.#render(this.#last);
  }

  #render(s) {
    this.#last = s;
    const target = (label, value, goal) => {
      const none = value === null || value === undefined || !s.alerts;
      const good = !none && value >= goal;
      return h('div', { class: `card ${none ? '' : good ? 'good' : 'bad'}`, dataset: { meets: none ? 'none' : String(good) } },
        h('div', { class: 'label' }, label),
        h('div', { class: 'value' }, percent(value)),
        h('div', { class: 'verdict' },
          none ? 'No alerts in this period' : good ? `\u2714 Meets the ${percent(goal)} target` : `\u2716 Below the ${percent(goal)} target`));
    };
    const waiting = this.#ctx.waiting();
    this.#cards.replaceChildren(
      target('Answered within 60 seconds', s.within_60s, s.target_60s ?? 0.975),
      target('Answered within 180 seconds', s.within_180s, s.target_180s ?? 0.99),
      h('div', { class: 'card' },
        h('div', { class: 'label' }, 'Median time to acknowledge'),
        h('div', { class: 'value' }, seconds(s.median_ack_s))),
      h('div', { class: 'card' },
        h('div', { class: 'label' }, 'Alerts received / acknowledged'),
        h('div', { class: 'value' }, `${s.alerts ?? 0} / ${s.acknowledged ?? 0}`)),
      h('div', { class: `card ${waiting.count ? 'bad' : ''}` },
        h('div', { class: 'label' }, 'Waiting for an operator now'),
        h('div', { class: 'value' }, String(waiting.count)),
        waiting.count ? h('div', { class: 'verdict' }, 'oldest ', h('span', { dataset: { since: waiting.oldest } }, '')) : null),
    );
  }
}

/** The audit trail (supervisors and admins). */
export class AuditView {
  #ctx;
  #body = byId('audit-body');
  #message = byId('audit-message');

  constructor(ctx) {
    this.#ctx = ctx;
    byId('audit-refresh').addEventListener('click', () => this.load());
  }

  async load() {
    try {
      const entries = await this.#ctx.api.get('/api/audit?limit=500');
      this.#body.replaceChildren(
        ...entries.map((e) =>
          h('tr', {},
            h('td', { title: fullTime(e.at) }, clock(e.at)),
            h('td', {}, e.user || '\u2014'),
            h('td', {}, words(e.action)),
            h('td', {}, e.target || ''),
            h('td', { class: 'c-text' }, e.detail || ''))),
      );
      say(this.#message, entries.length ? '' : 'Nothing audited yet.');
    } catch (e) {
      say(this.#message, e.message, 'error');
    }
  }
}

/** Updates every element carrying data-since with its age (and data-suffix). */
export function tickAges(now = Date.now()) {
  for (const el of document.querySelectorAll('[data-since]')) {
    const t = ms(el.dataset.since);
    const text = Number.isNaN(t) ? '' : age(now - t) + (el.dataset.suffix ?? '');
    if (el.textContent !== text) el.textContent = text;
  }
}

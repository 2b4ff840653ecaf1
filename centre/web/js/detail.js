// The alert detail panel: every field, the full history, and the actions the operator's role allows.
// The resolve form is built once and kept while live updates re-render the rest, so a note being
// typed is never lost.

import { ApiError } from './api.js';
import { CallPanel } from './call.js';
import { byId, h, say, setText } from './dom.js';
import {
  alertText, clock, fullTime, knownOutcome, outcomeName, priorityIcon, raisedByCentre, seconds, ms, sensorPlace,
  statusName, typeName, words,
} from './format.js';

export class DetailPanel {
  #ctx;
  #el = byId('detail');
  #title = byId('detail-title');
  #summary = byId('detail-summary');
  #message = byId('detail-message');
  #fields = byId('detail-fields');
  #history = byId('detail-history');
  #ack = byId('ack-button');
  #resolveForm = byId('resolve-form');
  #outcome = byId('resolve-outcome');
  #note = byId('resolve-note');
  #resolveButton = byId('resolve-button');
  #reopen = byId('reopen-button');
  #roleNote = byId('detail-role-note');
  #groupActions = byId('group-actions');
  #ackGroup = byId('ack-group');
  #resolveGroup = byId('resolve-group');
  #groupCount = byId('group-count');
  #noteForm = byId('note-form');
  #noteText = byId('note-text');
  #holdForm = byId('hold-form');
  #holdMinutes = byId('hold-minutes');
  #supervisor = byId('supervisor-button');
  #call; // the person, the care circle and the procedure (call.js)
  #folded = byId('detail-folded');
  #group = null; // {hub, count} of the shown alert's home, when it has more than this alert
  #request = 0;
  #busy = false;
  /** The id shown, or null. */
  id = null;
  /** The alert shown (with history), or null while loading. */
  alert = null;

  /** ctx: api, perms(), changed(alert), closed(), resolved(), group(hub) -> {count} | null, groupIds(hub), groupDone() */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#call = new CallPanel({ ...ctx, refresh: () => this.refresh() });
    this.#ackGroup.addEventListener('click', () => this.acknowledgeGroup());
    this.#noteForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.addNote();
    });
    this.#holdForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.hold();
    });
    this.#supervisor.addEventListener('click', () => this.escalate());
    byId('detail-close').addEventListener('click', () => this.#ctx.closed());
    this.#ack.addEventListener('click', () => this.acknowledge());
    this.#resolveForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.resolve();
    });
    this.#reopen.addEventListener('click', () => this.reopen());
  }

  get visible() {
    return !this.#el.hidden;
  }

  /** The procedure per alert type, from GET /api/procedures. */
  setProcedures(list) {
    this.#call.setProcedures(list);
  }

  /** Fills the outcome choices from GET /api/outcomes. */
  setOutcomes(outcomes) {
    this.#outcome.replaceChildren(
      h('option', { value: '' }, 'Choose an outcome\u2026'),
      ...outcomes.map((o) => h('option', { value: o }, outcomeName(o))),
    );
  }

  /** Opens the panel on alert `id` and loads it. `focus`: move keyboard focus into the panel. */
  async show(id, { focus = false } = {}) {
    if (id !== this.id) {
      this.id = id;
      this.alert = null;
      this.#outcome.value = '';
      this.#note.value = '';
      this.#noteText.value = '';
      this.#resolveGroup.checked = false;
      say(this.#message, '');
      setText(this.#title, id);
      setText(this.#summary, 'Loading\u2026');
      this.#fields.replaceChildren();
      this.#history.replaceChildren();
      this.#folded.replaceChildren();
      this.#folded.hidden = true;
      this.#call.clear();
      this.#setActions(null);
    }
    this.#el.hidden = false;
    if (focus) this.#el.focus();
    await this.refresh();
    if (focus && this.#ack.offsetParent && !this.#ack.disabled) this.#ack.focus();
  }

  hide() {
    this.#call.clear();
    this.#el.hidden = true;
    this.id = null;
    this.alert = null;
    this.#request += 1;
  }

  /** Reloads the shown alert with its history (after a live update or an action). */
  async refresh() {
    if (!this.id) return;
    const id = this.id;
    const request = ++this.#request;
    try {
      const alert = await this.#ctx.api.get(`/api/alerts/${encodeURIComponent(id)}`);
      if (request !== this.#request) return; // another alert was opened meanwhile
      this.alert = alert;
      this.#render(alert);
      this.#ctx.changed(alert);
    } catch (e) {
      if (request !== this.#request) return;
      say(this.#message, e.status === 404 ? 'This alert does not exist.' : e.message, 'error');
      if (!this.alert) setText(this.#summary, '');
    }
  }

  async acknowledge() {
    if (!this.alert || this.alert.status !== 'open' || !this.#ctx.perms().handle) return;
    await this.#act('acknowledge', undefined, 'Acknowledged. Now speak to the resident, then resolve with an outcome.');
    if (this.alert?.status === 'acknowledged') this.#outcome.focus();
  }

  async resolve() {
    if (!this.alert || !this.#ctx.perms().handle) return;
    if (!this.#outcome.value) {
      say(this.#message, 'Choose an outcome before resolving.', 'error');
      this.#outcome.focus();
      return;
    }
    const outcome = this.#outcome.value;
    const id = this.id;
    if (this.#resolveGroup.checked && this.#group) {
      await this.#groupAct('resolve', { outcome, note: this.#note.value.trim() });
      return;
    }
    // Resolving an untaken alert takes it first, so the answer time counts in the performance figures.
    if (this.alert.status === 'open') {
      await this.#act('acknowledge', undefined, 'Acknowledged.');
      if (id !== this.id || this.alert?.status !== 'acknowledged') return;
    }
    const done = await this.#act('resolve', { outcome, note: this.#note.value.trim() }, `Resolved: ${outcomeName(outcome)}.`);
    if (done) {
      this.#outcome.value = '';
      this.#note.value = '';
      this.#ctx.resolved();
    }
  }

  /** Acknowledges every open alert of the shown alert's home (those the operator could see). */
  async acknowledgeGroup() {
    if (!this.alert || !this.#group || !this.#ctx.perms().handle) return;
    await this.#groupAct('acknowledge', {});
  }

  async #groupAct(action, body) {
    const hub = this.alert.hub;
    try {
      const ids = await this.#ctx.groupIds(hub);
      const r = await this.#ctx.api.post(`/api/queue/${encodeURIComponent(hub)}/${action}`, { ...body, ids });
      const skipped = r.skipped.length ? ` (${r.skipped.length} already done by someone else)` : '';
      say(this.#message, `${action === 'resolve' ? 'Resolved' : 'Acknowledged'} ${r.done.length} alert${r.done.length === 1 ? '' : 's'} of ${hub}${skipped}.`, 'ok');
      if (action === 'resolve') {
        this.#outcome.value = '';
        this.#note.value = '';
        this.#resolveGroup.checked = false;
        this.#ctx.resolved();
      }
    } catch (e) {
      say(this.#message, `Not done: ${e.message}`, 'error');
    }
    this.#ctx.groupDone();
    await this.refresh();
  }

  /** Adds the typed note to the alert's history, in any state. */
  async addNote() {
    const note = this.#noteText.value.trim();
    if (!note) {
      say(this.#message, 'Type a note first.', 'error');
      this.#noteText.focus();
      return;
    }
    if (await this.#act('notes', { note }, 'Note added.')) this.#noteText.value = '';
  }

  /** Puts the call on hold: it comes back to the top of the queue, with sound, at the call-back time. */
  async hold() {
    const minutes = Number(this.#holdMinutes.value);
    await this.#act('hold', { minutes, note: this.#noteText.value.trim() },
      `On hold: the call comes back to the top of the queue in ${minutes} min.`);
  }

  /** Escalates the call to a supervisor with the typed note as the reason. */
  async escalate() {
    const reason = this.#noteText.value.trim();
    if (!reason) {
      say(this.#message, 'Type the reason in the note box, then escalate.', 'error');
      this.#noteText.focus();
      return;
    }
    if (await this.#act('supervisor', { reason }, 'Escalated to a supervisor.')) this.#noteText.value = '';
  }

  async reopen() {
    if (!this.alert || this.alert.status !== 'resolved' || !this.#ctx.perms().reopen) return;
    await this.#act('reopen', undefined, 'Reopened: the alert is back in the queue.');
  }

  /** Focuses the resolve form's outcome choice, if resolving is possible. */
  focusResolve() {
    if (!this.#resolveForm.hidden) this.#outcome.focus();
  }

  async #act(action, body, okText) {
    if (this.#busy) return false;
    const id = this.id;
    this.#busy = true;
    this.#setActions(this.alert);
    try {
      const updated = await this.#ctx.api.post(`/api/alerts/${encodeURIComponent(id)}/${action}`, body);
      if (id !== this.id) return true;
      say(this.#message, okText, 'ok');
      if (updated && updated.id) this.#ctx.changed(updated);
      return true;
    } catch (e) {
      if (id === this.id) {
        const text = e instanceof ApiError && e.status === 409 ? `Not done: ${e.message}.` : e.message;
        say(this.#message, text, 'error');
      }
      return false;
    } finally {
      this.#busy = false;
      if (id === this.id) await this.refresh();
    }
  }

  #setActions(alert) {
    const perms = this.#ctx.perms();
    const status = alert?.status;
    const raised = alert?.state !== 'cleared';
    this.#ack.hidden = !perms.handle || status !== 'open';
    this.#resolveForm.hidden = !perms.handle || !alert || status === 'resolved' || !raised;
    this.#reopen.hidden = !perms.reopen || status !== 'resolved' || !raised;
    const unresolved = perms.handle && !!alert && status !== 'resolved' && raised;
    this.#noteForm.hidden = !perms.handle || !alert;
    this.#holdForm.hidden = !unresolved;
    this.#supervisor.hidden = !!alert?.supervisor_at;
    this.#group = unresolved ? this.#ctx.group(alert.hub) : null;
    this.#groupActions.hidden = !this.#group;
    if (this.#group) setText(this.#groupCount, String(this.#group.count));
    for (const b of [this.#ack, this.#resolveButton, this.#reopen, this.#ackGroup]) b.disabled = this.#busy || !alert;
    this.#roleNote.hidden = perms.handle || !alert;
    setText(this.#roleNote, `Your role (${this.#ctx.role()}) can look at alerts but not acknowledge or resolve them.`);
  }

  /** A flood alert: the alerts it folded (the newest 100), so a real call among them is found. */
  #renderFolded(a) {
    const folded = Array.isArray(a.folded) ? a.folded : [];
    this.#folded.hidden = a.type !== 'alert_flood';
    if (this.#folded.hidden) return;
    this.#folded.replaceChildren(
      h('h3', {}, `Folded alerts (${a.value ?? folded.length}; newest ${folded.length} shown)`),
      h('p', { class: 'hint' }, 'This hub sent more alerts than its rate allows; they were stored here instead of the queue. Look for a real call among them.'),
      h('table', { class: 'grid compact' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Priority'), h('th', { scope: 'col' }, 'Text'))),
        h('tbody', {}, ...folded.map((f) => h('tr', { dataset: { id: f.id } },
          h('td', { title: fullTime(f.at) }, clock(f.at)), h('td', {}, typeName(f.type)),
          h('td', {}, `${priorityIcon(f.priority)} ${f.priority}`), h('td', {}, alertText(f) || '')))),
      ),
    );
  }

  #render(a) {
    this.#el.className = `detail prio-${a.priority}`;
    setText(this.#title, `${priorityIcon(a.priority)} ${typeName(a.type)} \u2014 ${a.hub}`);
    setText(this.#summary, alertText(a) || typeName(a.type));
    this.#setActions(a);

    const waited =
      a.acknowledged_at && a.received_at ? seconds((ms(a.acknowledged_at) - ms(a.received_at)) / 1000) : null;
    const rows = [
      ['Priority', h('span', { class: `prio prio-${a.priority}` }, h('span', { class: 'icon', 'aria-hidden': 'true' }, priorityIcon(a.priority)), a.priority)],
      ['Status', h('span', { class: `status-badge ${a.status}` }, statusName(a.status))],
      ['Type', typeName(a.type)],
      ['Hub', a.hub],
      ['Sensor / location', sensorPlace(a) || '\u2014'],
      ['Text', a.text || '\u2014'],
      ['Alert id', a.id],
      raisedByCentre(a) ? ['Raised by the centre', fullTime(a.at)] : ['Raised at the home', fullTime(a.at)],
      ['Received by the centre', fullTime(a.received_at)],
      ['Acknowledged', a.acknowledged_at ? `${fullTime(a.acknowledged_at)} by ${a.acknowledged_by ?? '?'} (after ${waited})` : 'not yet'],
      ['Resolved', a.resolved_at ? `${fullTime(a.resolved_at)} by ${a.resolved_by ?? '?'}` : 'not yet'],
      ['Outcome', a.outcome ? outcomeName(a.outcome) : '\u2014'],
      ['Note', a.note || '\u2014'],
      ['On hold', a.held_until ? `call back at ${fullTime(a.held_until)} (${a.held_by ?? '?'})` : 'no'],
      ['Supervisor', a.supervisor_at ? `escalated ${fullTime(a.supervisor_at)} by ${a.supervisor_by ?? '?'}` : 'no'],
      ['Condition ended', a.cleared_at ? fullTime(a.cleared_at) : 'not reported'],
      ['Rule', a.rule || '\u2014'],
      ['SIA code', a.sia || '\u2014'],
      ['Sequence', a.seq ?? '\u2014'],
    ];
    if (a.value !== undefined && a.value !== null) rows.push(['Value', a.value]);
    if (a.clears) rows.push(['Clears', a.clears]);
    this.#fields.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    this.#ctx.householdLink?.(a); // the household's record, when the alert's hub is in one
    this.#call.show(a);
    this.#renderFolded(a);

    const history = Array.isArray(a.history) ? a.history : [];
    this.#history.replaceChildren(
      ...(history.length
        ? history.map((e) =>
            h('tr', { dataset: { action: e.action } },
              h('td', { title: fullTime(e.at) }, clock(e.at)),
              h('td', {}, words(e.action)),
              h('td', { class: 'user' }, e.user || '\u2014'),
              h('td', {}, e.action === 'resolved' ? outcomeDetail(e.detail) : e.detail || '')))
        : [h('tr', {}, h('td', { colspan: 4 }, 'No history recorded.'))]),
    );
  }
}

/** The store writes "outcome: note" style details; show outcome names where they appear. */
function outcomeDetail(detail) {
  if (!detail) return '';
  const m = /^([a-z_]+)(.*)$/s.exec(detail);
  if (m && knownOutcome(m[1])) return outcomeName(m[1]) + m[2];
  return detail;
}

// The shift hand-over: the last shift's note and the calls on hold or with a supervisor, shown at
// login; and the note the operator leaves for the next shift (GET and POST /api/handover).

import { byId, h, say, setText } from './dom.js';
import { clock, fullTime, typeName } from './format.js';

export class HandoverDialog {
  #ctx;
  #dialog = byId('handover');
  #from = byId('handover-from');
  #calls = byId('handover-calls');
  #note = byId('handover-note');
  #message = byId('handover-message');

  /** ctx: api, me() -> {user}, openAlert(id, {focus}) */
  constructor(ctx) {
    this.#ctx = ctx;
    byId('handover-button').addEventListener('click', () => this.open());
    byId('handover-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    this.#calls.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-open]');
      if (!b) return;
      this.#dialog.close();
      this.#ctx.openAlert(b.dataset.open, { focus: true });
    });
  }

  /** At login: shown when the last shift left a note or calls wait on hold or with a supervisor. */
  async atLogin() {
    const data = await this.#load();
    if (data && (data.notes.length || data.held.length || data.escalated.length)) this.#dialog.showModal();
  }

  async open() {
    await this.#load();
    if (!this.#dialog.open) this.#dialog.showModal();
  }

  async #load() {
    let data;
    try {
      data = await this.#ctx.api.get('/api/handover');
    } catch (e) {
      say(this.#message, `Hand-over not loaded: ${e.message}`, 'error');
      return null;
    }
    const last = data.notes[0];
    this.#from.replaceChildren(
      last
        ? h('div', { class: 'handover-note' },
          h('p', { class: 'sub' }, `From ${last.user}, ${fullTime(last.at)}`),
          h('p', { id: 'handover-last' }, last.note))
        : h('p', { class: 'hint' }, 'No hand-over note has been left yet.'),
    );
    const list = (title, alerts, what) => [
      h('h3', {}, `${title} (${alerts.length})`),
      alerts.length
        ? h('ul', { class: 'handover-list' }, ...alerts.map((a) => h('li', { dataset: { id: a.id } },
          h('button', { type: 'button', class: 'link', dataset: { open: a.id } }, `${typeName(a.type)} \u2014 ${a.hub}`),
          ` ${what(a)}`)))
        : h('p', { class: 'hint' }, 'None.'),
    ];
    this.#calls.replaceChildren(
      ...list('On hold', data.held, (a) => `call back ${clock(a.held_until)} (${a.held_by ?? '?'})`),
      ...list('With a supervisor', data.escalated, (a) => `since ${clock(a.supervisor_at)} (${a.supervisor_by ?? '?'})`),
    );
    say(this.#message, '');
    return data;
  }

  async save() {
    const note = this.#note.value.trim();
    if (!note) {
      say(this.#message, 'Write the note for the next shift first.', 'error');
      this.#note.focus();
      return;
    }
    try {
      await this.#ctx.api.post('/api/handover', { note });
      this.#note.value = '';
      say(this.#message, 'Hand-over note saved: the next shift sees it when they log in.', 'ok');
      await this.#load();
      setText(this.#message, 'Hand-over note saved: the next shift sees it when they log in.');
    } catch (e) {
      say(this.#message, `Not saved: ${e.message}`, 'error');
    }
  }

  close() {
    if (this.#dialog.open) this.#dialog.close();
  }
}

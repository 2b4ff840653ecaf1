// The live queue: open and acknowledged alerts, most urgent first. Rows are kept per alert id and
// updated in place, so a live update never moves the operator's keyboard focus or selection.

import { append, byId, h, setText } from './dom.js';
import { priorityIcon, sensorPlace, statusName, typeName } from './format.js';

export class QueueView {
  #ctx;
  #body = byId('queue-body');
  #empty = byId('queue-empty');
  #rows = new Map(); // id -> {tr, cells}
  #order = [];
  selectedId = null;

  /** ctx: openAlert(id, {focus}) */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#body.addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-id]');
      if (tr) this.#ctx.openAlert(tr.dataset.id, { focus: false });
    });
    this.#body.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr[data-id]');
      if (!tr || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.#ctx.openAlert(tr.dataset.id, { focus: true });
      }
    });
  }

  /** Shows `alerts` (already sorted) in that order. */
  render(alerts) {
    // Moving a focused row in the DOM blurs it: remember it and put the focus back afterwards.
    const focusedId = document.activeElement?.closest?.('#queue-body tr[data-id]')?.dataset.id;
    const seen = new Set();
    alerts.forEach((alert, i) => {
      seen.add(alert.id);
      let row = this.#rows.get(alert.id);
      if (!row) {
        row = this.#createRow(alert.id);
        this.#rows.set(alert.id, row);
      }
      this.#update(row, alert);
      const here = this.#body.children[i];
      if (here !== row.tr) this.#body.insertBefore(row.tr, here ?? null);
    });
    for (const [id, row] of this.#rows) {
      if (!seen.has(id)) {
        const hadFocus = row.tr.contains(document.activeElement);
        const index = this.#order.indexOf(id);
        row.tr.remove();
        this.#rows.delete(id);
        if (hadFocus) this.#focusAt(Math.min(index, alerts.length - 1), alerts);
      }
    }
    this.#order = alerts.map((a) => a.id);
    this.#empty.hidden = alerts.length > 0;
    this.#updateTabStops();
    const again = this.#rows.get(focusedId)?.tr;
    if (again && document.activeElement !== again) again.focus({ preventScroll: true });
  }

  /** Marks the alert shown in the detail panel. */
  select(id) {
    this.selectedId = id;
    for (const [rid, row] of this.#rows) {
      if (rid === id) row.tr.setAttribute('aria-current', 'true');
      else row.tr.removeAttribute('aria-current');
    }
    this.#updateTabStops();
  }

  /** Moves the keyboard focus (and the detail panel) to the next (+1) or previous (-1) alert. */
  move(delta) {
    if (this.#order.length === 0) return;
    const focusedRow = document.activeElement?.closest?.('#queue-body tr[data-id]');
    const current = focusedRow ? focusedRow.dataset.id : this.selectedId;
    let i = this.#order.indexOf(current);
    i = i < 0 ? (delta > 0 ? 0 : this.#order.length - 1) : Math.max(0, Math.min(this.#order.length - 1, i + delta));
    const id = this.#order[i];
    this.#rows.get(id).tr.focus();
    this.#ctx.openAlert(id, { focus: false });
  }

  /** Focuses the row of alert `id`, or the first row if it is no longer in the queue. */
  focus(id = this.selectedId) {
    const target = this.#rows.has(id) ? id : this.#order[0];
    this.#rows.get(target)?.tr.focus();
  }

  #focusAt(i, alerts) {
    if (i < 0 || !alerts[i]) return;
    queueMicrotask(() => this.#rows.get(alerts[i].id)?.tr.focus({ preventScroll: true }));
  }

  #updateTabStops() {
    // One tab stop for the whole table (roving tabindex); arrows move within it.
    const stop = this.#rows.has(this.selectedId) ? this.selectedId : this.#order[0];
    for (const [id, row] of this.#rows) row.tr.tabIndex = id === stop ? 0 : -1;
  }

  #createRow(id) {
    const icon = h('span', { class: 'icon', 'aria-hidden': 'true' });
    const prioText = h('span');
    const cells = {
      icon,
      prioText,
      prio: h('td', { class: 'prio' }, icon, prioText),
      type: h('td'),
      hub: h('td'),
      sensor: h('td'),
      text: h('td', { class: 'c-text' }),
      age: h('td', { class: 'age' }),
      status: h('td', { class: 'status' }),
    };
    const tr = h(
      'tr',
      { class: 'clickable', dataset: { id } },
      cells.prio, cells.type, cells.hub, cells.sensor, cells.text, cells.age, cells.status,
    );
    return { tr, cells };
  }

  #update(row, alert) {
    const { tr, cells } = row;
    const unacknowledged = alert.status === 'open';
    tr.className = [
      'clickable',
      `prio-${alert.priority}`,
      `status-${alert.status}`,
      alert.priority === 'critical' && unacknowledged ? 'flash' : '',
    ].filter(Boolean).join(' ');
    setText(cells.icon, priorityIcon(alert.priority));
    setText(cells.prioText, alert.priority);
    setText(cells.type, typeName(alert.type));
    setText(cells.hub, alert.hub);
    setText(cells.sensor, sensorPlace(alert));
    setText(cells.text, alert.text);
    cells.age.dataset.since = alert.received_at ?? alert.at;
    const statusKey = `${alert.status}|${alert.acknowledged_by ?? ''}|${alert.cleared_at ? 1 : 0}`;
    if (cells.status.dataset.key !== statusKey) {
      cells.status.dataset.key = statusKey;
      cells.status.replaceChildren();
      append(cells.status, [
        h('span', { class: `status-badge ${alert.status}` }, statusName(alert.status)),
        alert.acknowledged_by ? h('span', { class: 'sub' }, `by ${alert.acknowledged_by}`) : null,
        alert.cleared_at ? h('span', { class: 'tag', title: 'The condition has ended at the home' }, 'cleared') : null,
      ]);
    }
  }
}

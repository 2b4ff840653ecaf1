// The live queue: one row per home (GET /api/queue), its most urgent call on the row, most urgent home
// first; a home with several alerts expands to show each. Rows are kept per key and updated in place,
// so a live update never moves the operator's keyboard focus or selection.

import { append, byId, h, setText } from './dom.js';
import { alertText, ms, priorityIcon, sensorPlace, statusName, typeName } from './format.js';

/** Seconds an untaken call may wait before its look changes (the code-of-practice targets). */
export const LATE_S = [60, 180];

/** 0, 1 (past 60 s) or 2 (past 180 s) for a call received at `iso`, waiting since then, at `now`. */
export function lateStage(iso, now) {
  const t = ms(iso);
  if (Number.isNaN(t)) return 0;
  const s = (now - t) / 1000;
  return s >= LATE_S[1] ? 2 : s >= LATE_S[0] ? 1 : 0;
}

/** True if the alert wants an operator now: not taken, or its call-back time has come. */
export function untaken(alert, now) {
  return alert.status === 'open' || (alert.status === 'acknowledged' && !!alert.held_until && ms(alert.held_until) <= now);
}

export class QueueView {
  #ctx;
  #body = byId('queue-body');
  #empty = byId('queue-empty');
  #rows = new Map(); // key -> {tr, cells, alert, group}
  #order = []; // keys in screen order
  selectedId = null;

  /** ctx: openAlert(id, {focus}), toggle(hub) */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#body.addEventListener('click', (e) => {
      const toggle = e.target.closest('button[data-toggle]');
      if (toggle) {
        e.stopPropagation();
        this.#ctx.toggle(toggle.dataset.toggle);
        return;
      }
      const tr = e.target.closest('tr[data-id]');
      if (tr) this.#ctx.openAlert(tr.dataset.id, { focus: false });
    });
    this.#body.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr[data-id]');
      if (!tr || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.#ctx.openAlert(tr.dataset.id, { focus: true });
      } else if ((e.key === 'ArrowRight' || e.key === 'ArrowLeft') && tr.dataset.hub) {
        e.preventDefault();
        this.#ctx.toggle(tr.dataset.hub, e.key === 'ArrowRight');
      }
    });
  }

  /**
   * Shows the groups (already in the centre's order), each followed by its alerts when `expanded` has
   * its hub and `members` has them.
   */
  render(groups, members, expanded) {
    const focusedKey = document.activeElement?.closest?.('#queue-body tr[data-key]')?.dataset.key;
    const wanted = [];
    for (const g of groups) {
      wanted.push({ key: `g:${g.hub}`, alert: g.top, group: g });
      if (expanded.has(g.hub) && g.count > 1)
        for (const a of members.get(g.hub) ?? []) wanted.push({ key: `a:${a.id}`, alert: a, group: null });
    }
    const seen = new Set();
    wanted.forEach((w, i) => {
      seen.add(w.key);
      let row = this.#rows.get(w.key);
      if (!row) {
        row = this.#createRow(w.key, !!w.group);
        this.#rows.set(w.key, row);
      }
      row.alert = w.alert;
      row.group = w.group;
      this.#update(row, expanded);
      const here = this.#body.children[i];
      if (here !== row.tr) this.#body.insertBefore(row.tr, here ?? null);
    });
    for (const [key, row] of this.#rows) {
      if (seen.has(key)) continue;
      const hadFocus = row.tr.contains(document.activeElement);
      const index = this.#order.indexOf(key);
      row.tr.remove();
      this.#rows.delete(key);
      if (hadFocus) this.#focusAt(Math.min(index, wanted.length - 1), wanted);
    }
    this.#order = wanted.map((w) => w.key);
    this.#empty.hidden = wanted.length > 0;
    this.select(this.selectedId);
    const again = this.#rows.get(focusedKey)?.tr;
    if (again && document.activeElement !== again) again.focus({ preventScroll: true });
    this.tick();
  }

  /** Marks the alert shown in the detail panel. */
  select(id) {
    this.selectedId = id;
    for (const row of this.#rows.values()) {
      if (row.alert.id === id) row.tr.setAttribute('aria-current', 'true');
      else row.tr.removeAttribute('aria-current');
    }
    this.#updateTabStops();
  }

  /** Moves the keyboard focus (and the detail panel) to the next (+1) or previous (-1) row. */
  move(delta) {
    if (this.#order.length === 0) return;
    const focusedRow = document.activeElement?.closest?.('#queue-body tr[data-key]');
    let i = focusedRow ? this.#order.indexOf(focusedRow.dataset.key) : this.#indexOfAlert(this.selectedId);
    i = i < 0 ? (delta > 0 ? 0 : this.#order.length - 1) : Math.max(0, Math.min(this.#order.length - 1, i + delta));
    const row = this.#rows.get(this.#order[i]);
    row.tr.focus();
    this.#ctx.openAlert(row.alert.id, { focus: false });
  }

  /** Focuses the row of alert `id`, or the first row if it is no longer shown. */
  focus(id = this.selectedId) {
    const i = this.#indexOfAlert(id);
    this.#rows.get(this.#order[i < 0 ? 0 : i])?.tr.focus();
  }

  /** The age cues: every row's waiting time past 60 s and 180 s, at `now`. */
  tick(now = Date.now()) {
    for (const row of this.#rows.values()) {
      const since = this.#waitingSince(row, now);
      const stage = since ? lateStage(since, now) : 0;
      row.tr.classList.toggle('late-60', stage === 1);
      row.tr.classList.toggle('late-180', stage === 2);
      row.tr.dataset.late = String(stage);
    }
  }

  #waitingSince(row, now) {
    if (row.group) {
      if (row.group.untaken > 0) return row.group.oldest_untaken ?? row.alert.received_at;
      return row.group.next_callback && ms(row.group.next_callback) <= now ? row.group.next_callback : null;
    }
    const a = row.alert;
    if (a.status === 'open') return a.received_at;
    return untaken(a, now) ? a.held_until : null;
  }

  #indexOfAlert(id) {
    return this.#order.findIndex((k) => this.#rows.get(k)?.alert.id === id);
  }

  #focusAt(i, wanted) {
    if (i < 0 || !wanted[i]) return;
    queueMicrotask(() => this.#rows.get(wanted[i].key)?.tr.focus({ preventScroll: true }));
  }

  #updateTabStops() {
    // One tab stop for the whole table (roving tabindex); arrows move within it.
    const i = this.#indexOfAlert(this.selectedId);
    const stop = this.#order[i < 0 ? 0 : i];
    for (const [key, row] of this.#rows) row.tr.tabIndex = key === stop ? 0 : -1;
  }

  #createRow(key, isGroup) {
    const icon = h('span', { class: 'icon', 'aria-hidden': 'true' });
    const prioText = h('span');
    const cells = {
      icon,
      prioText,
      prio: h('td', { class: 'prio' }, icon, prioText),
      type: h('td', { class: 'type' }),
      hub: h('td', { class: 'hub' }),
      sensor: h('td', { class: 'place' }),
      text: h('td', { class: 'c-text' }),
      age: h('td', { class: 'age' }),
      status: h('td', { class: 'status' }),
    };
    const tr = h(
      'tr',
      { class: 'clickable', dataset: { key } },
      cells.prio, cells.type, cells.hub, cells.sensor, cells.text, cells.age, cells.status,
    );
    if (!isGroup) tr.classList.add('member');
    return { tr, cells, alert: null, group: null };
  }

  #update(row, expanded) {
    const { tr, cells, alert, group } = row;
    const now = Date.now();
    const due = group ? !!group.next_callback && ms(group.next_callback) <= now : alert.status === 'acknowledged' && untaken(alert, now);
    const wants = group ? group.untaken > 0 || due : untaken(alert, now);
    tr.dataset.id = alert.id;
    if (group) tr.dataset.hub = group.hub;
    tr.className = [
      'clickable',
      group ? 'group' : 'member',
      `prio-${alert.priority}`,
      `status-${alert.status}`,
      alert.priority === 'critical' && wants ? 'flash' : '',
      due ? 'callback-due' : '',
      tr.classList.contains('late-60') ? 'late-60' : '',
      tr.classList.contains('late-180') ? 'late-180' : '',
    ].filter(Boolean).join(' ');
    setText(cells.icon, priorityIcon(alert.priority));
    setText(cells.prioText, alert.priority);
    setText(cells.type, typeName(alert.type));
    setText(cells.hub, alert.hub);
    setText(cells.sensor, sensorPlace(alert));
    setText(cells.text, alertText(alert));
    // These three are cut short on a narrow screen: the whole text on hover (and in the detail panel).
    for (const cell of [cells.type, cells.sensor, cells.text]) cell.title = cell.textContent;
    cells.age.dataset.since = (group ? this.#waitingSince(row, now) : null) ?? alert.received_at ?? alert.at;
    const open = expanded.has(group?.hub);
    const statusKey = [alert.status, alert.acknowledged_by, alert.cleared_at ? 1 : 0, alert.held_until, alert.supervisor_at,
      group?.count, group?.untaken, open, due].join('|');
    if (cells.status.dataset.key === statusKey) return;
    cells.status.dataset.key = statusKey;
    cells.status.replaceChildren();
    append(cells.status, [
      h('span', { class: `status-badge ${alert.status}` }, statusName(alert.status)),
      alert.acknowledged_by ? h('span', { class: 'sub' }, `by ${alert.acknowledged_by}`) : null,
      due ? h('span', { class: 'status-badge due' }, 'Call back now') : null,
      alert.held_until && !due ? h('span', { class: 'tag' }, `on hold`) : null,
      alert.supervisor_at ? h('span', { class: 'tag supervisor' }, 'supervisor') : null,
      alert.cleared_at ? h('span', { class: 'tag', title: 'The condition has ended at the home' }, 'cleared') : null,
      group && group.count > 1
        ? h('button', {
          type: 'button', class: 'ghost group-toggle', tabindex: -1, 'aria-expanded': String(open),
          dataset: { toggle: group.hub },
          title: `${group.untaken} of ${group.count} alerts of this home wait for an operator`,
        }, `${open ? '\u25BE' : '\u25B8'} ${group.count} alerts`)
        : null,
    ]);
  }
}

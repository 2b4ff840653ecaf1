// A household's activity insights (docs/activity.md), mounted by the household page for the roles
// that may see them (care: its caseload; supervisors): the wellbeing notices with their evidence, the
// day x hour chart and the trends against their baseline band (SVG drawn by the centre), for the
// last 14 or 28 days, and a link to the printable report. Also the Notices view: the households of
// the caller's caseload that have an active notice. Notices are not alarms: nothing here sounds or
// enters the queue. Every load is audited by the centre as a read of the record.

import { byId, h, say } from './dom.js';

/** The roles the centre shows activity to. */
export function seesActivity(role) {
  return role === 'care' || role === 'supervisor';
}

/** The server's SVG as a node (its text was escaped by the centre; it carries no script). */
export function svgNode(text) {
  const doc = new DOMParser().parseFromString(String(text ?? ''), 'image/svg+xml');
  if (doc.querySelector('parsererror') || doc.documentElement.nodeName !== 'svg') {
    return h('p', { class: 'empty' }, 'Chart unavailable.');
  }
  return document.importNode(doc.documentElement, true);
}

/** "12 Nov" from "2026-11-12". */
export function shortDate(date) {
  const d = new Date(`${date}T12:00:00Z`);
  return Number.isNaN(d.getTime()) ? String(date) : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function noticeNode(n) {
  const state = n.active ? `Active since ${shortDate(n.from)}` : `Ended: last seen ${shortDate(n.to)}`;
  const rows = (n.days ?? []).map((d) => h('tr', {},
    h('td', {}, shortDate(d.date)),
    h('td', {}, formatValue(n.kind, d.value)),
    h('td', {}, d.baseline === null || d.baseline === undefined ? '\u2014' : formatValue(n.kind, d.baseline))));
  return h('article', { class: `activity-notice ${n.active ? 'active' : 'ended'}`, dataset: { kind: n.kind } },
    h('h4', {}, n.title),
    h('p', { class: 'sub' }, state),
    h('p', { class: 'evidence' }, n.evidence),
    rows.length ? h('table', { class: 'grid compact evidence-days' },
      h('thead', {}, h('tr', {}, ...['Day', 'Seen', 'Usual'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows)) : null);
}

/** A notice's figure as words: minutes after midnight as a time, percentages, counts. */
export function formatValue(kind, v) {
  if (typeof v !== 'number') return '\u2014';
  if (kind === 'late_rise') return `${String(Math.floor(v / 60)).padStart(2, '0')}:${String(Math.round(v % 60)).padStart(2, '0')}`;
  if (kind === 'low_activity') return `${Math.round(v)} %`;
  if (kind === 'cold_room') return `${v.toFixed(1)} \u00B0C`;
  if (kind === 'no_kitchen' || kind === 'no_time_out') return `${Math.round(v / 60)} min`;
  return String(Math.round(v * 10) / 10);
}

/**
 * The activity section for household `id`, or null for a role that does not see it.
 * ctx: api, role().
 */
export function activitySection(ctx, id) {
  if (!seesActivity(ctx.role())) return null;
  const message = h('p', { id: 'activity-message', class: 'message', role: 'status' });
  const notices = h('div', { id: 'activity-notices', class: 'activity-notices' });
  const grid = h('div', { id: 'activity-grid', class: 'activity-chart' });
  const trends = h('div', { id: 'activity-trends', class: 'activity-trends' });
  const report = h('a', { id: 'activity-report', class: 'button', target: '_blank', rel: 'noopener' }, 'Printable report');
  const choices = [14, 28].map((days) => h('button', {
    type: 'button', class: 'activity-days', dataset: { days: String(days) }, 'aria-pressed': 'false',
    onclick: () => load(days),
  }, `${days} days`));
  let request = 0;

  async function load(days) {
    const mine = ++request;
    for (const b of choices) b.setAttribute('aria-pressed', String(Number(b.dataset.days) === days));
    report.href = `/api/households/${encodeURIComponent(id)}/activity/report?days=${days}&context=report`;
    say(message, 'Loading activity\u2026');
    try {
      const v = await ctx.api.get(`/api/households/${encodeURIComponent(id)}/activity?days=${days}`);
      if (mine !== request) return;
      const shown = (v.days ?? []).filter((d) => !d.missing).length;
      say(message, shown ? `The last ${days} days: ${shown} with data.` : `No activity summaries in the last ${days} days.`);
      notices.replaceChildren(
        h('h4', {}, 'Wellbeing notices'),
        (v.notices ?? []).length
          ? h('div', {}, ...v.notices.map(noticeNode))
          : h('p', { class: 'empty' }, 'No wellbeing notices in this period.'));
      grid.replaceChildren(h('h4', {}, 'Day by hour'), svgNode(v.charts?.grid));
      trends.replaceChildren(h('h4', {}, 'Trends against the usual range'),
        ...(v.trends ?? []).map((t) => h('figure', { class: 'activity-trend', dataset: { metric: t.metric } },
          h('figcaption', {}, t.label), svgNode(v.charts?.trends?.[t.metric]))));
    } catch (e) {
      if (mine !== request) return;
      say(message, e.message, 'error');
    }
  }

  load(14);
  return h('section', { id: 'household-activity', class: 'hh-section', 'aria-labelledby': 'hh-activity' },
    h('h3', { id: 'hh-activity' }, 'Activity'),
    h('p', { class: 'hint' }, 'Hourly summaries from the home\u2019s sensors. Wellbeing notices are not alarms.'),
    h('div', { class: 'activity-controls' }, ...choices, report),
    message, notices, grid, trends);
}

/** The first sentence of a notice's evidence, for a list (the household page has the whole). */
export function evidenceSummary(text) {
  const t = String(text ?? '');
  const colon = t.indexOf(': ');
  return colon > 0 ? t.slice(0, colon) : t;
}

/** The Notices view: GET /api/activity/notices, one row per active notice, linked to the household. */
export class CaseloadNotices {
  #ctx;
  #body = byId('notices-body');
  #message = byId('notices-message');
  #request = 0;

  /** ctx: api, role() */
  constructor(ctx) {
    this.#ctx = ctx;
  }

  async load() {
    const mine = ++this.#request;
    say(this.#message, 'Looking at the caseload\u2026');
    try {
      const answer = await this.#ctx.api.get('/api/activity/notices');
      if (mine !== this.#request) return;
      const rows = [];
      for (const { household: hh, notices } of answer.households ?? []) {
        const names = Array.isArray(hh.names) && hh.names.length ? hh.names.join(', ') : `Household ${hh.id}`;
        for (const n of notices ?? []) {
          rows.push(h('tr', { dataset: { household: String(hh.id), kind: n.kind } },
            h('td', {}, h('a', { href: `#household/${encodeURIComponent(hh.id)}` }, names),
              hh.postcode ? h('span', { class: 'sub' }, ` \u00B7 ${hh.postcode}`) : null),
            h('td', {}, n.title),
            h('td', {}, shortDate(n.from)),
            h('td', { class: 'evidence', title: n.evidence }, evidenceSummary(n.evidence))));
        }
      }
      this.#body.replaceChildren(...rows);
      const households = (answer.households ?? []).length;
      const looked = `${answer.checked ?? 0} household${answer.checked === 1 ? '' : 's'} looked at`;
      say(this.#message, households
        ? `${households} household${households === 1 ? '' : 's'} with an active notice (${looked}${answer.more ? '; more not shown' : ''}).`
        : `No active wellbeing notice (${looked}).`);
    } catch (e) {
      if (mine === this.#request) say(this.#message, e.message, 'error');
    }
  }

  /** Drops everything of the last session from the page. */
  clear() {
    this.#request += 1;
    this.#body.replaceChildren();
    say(this.#message, '');
  }
}

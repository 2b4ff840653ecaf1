// One household's page: residents, care circle (responders in call order, professionals), hubs and
// their health, alert history with outcomes and notes, and the key safe reveal (with a reason,
// audited). Every value goes in as text (dom.js h()); phone numbers become tel: links.

import { activitySection } from './activity.js';
import { byId, h, say, setText } from './dom.js';
import { clock, fullTime, outcomeName, priorityIcon, statusName, typeName, words } from './format.js';
import { awayCell } from './views.js';

const RESIDENT_FIELDS = [
  ['preferred_name', 'Preferred name'],
  ['date_of_birth', 'Date of birth'],
  ['phone', 'Phone'],
  ['communication', 'Language and communication'],
  ['risk_notes', 'Risks'],
  ['medical_conditions', 'Medical conditions'],
  ['medication_notes', 'Medication'],
  ['gp', 'GP'],
];

/** A tel: link for a phone number as written ("029 2000 0001" dials 02920000001). */
export function telLink(phone) {
  const dial = String(phone).replace(/[^0-9+]/g, '');
  return dial ? h('a', { href: `tel:${dial}`, class: 'tel' }, phone) : String(phone);
}

export class HouseholdPage {
  #ctx;
  #title = byId('household-title');
  #message = byId('household-message');
  #body = byId('household-body');
  #edit = byId('household-edit');
  #request = 0;
  /** The record shown, or null. */
  record = null;

  /** ctx: api, perms(), role() */
  constructor(ctx) {
    this.#ctx = ctx;
  }

  /** Loads and shows household `id`; `alert`: the alert being handled (the read is audited so). */
  async show(id, alert = '') {
    const request = ++this.#request;
    this.record = null;
    setText(this.#title, 'Household');
    this.#edit.hidden = true;
    this.#body.replaceChildren();
    say(this.#message, 'Loading\u2026');
    const care = this.#ctx.role() === 'care';
    const context = alert ? `alert=${encodeURIComponent(alert)}` : `context=${care ? 'caseload' : 'search'}`;
    try {
      const record = await this.#ctx.api.get(`/api/households/${encodeURIComponent(id)}?${context}`);
      if (request !== this.#request) return;
      this.record = record;
      say(this.#message, alert ? `Opened for alert ${alert}.` : '');
      this.#render(record, alert);
    } catch (e) {
      if (request !== this.#request) return;
      if (e.status === 404) this.notFound();
      else say(this.#message, e.message, 'error');
    }
  }

  notFound() {
    this.#request += 1;
    this.record = null;
    setText(this.#title, 'Household not found');
    this.#edit.hidden = true;
    this.#body.replaceChildren(h('p', { class: 'empty' }, 'There is no such household.'));
    say(this.#message, '');
  }

  clear() {
    this.#request += 1;
    this.record = null;
    this.#body.replaceChildren();
    say(this.#message, '');
  }

  #render(r, alert) {
    const residents = Array.isArray(r.residents) ? r.residents : [];
    const names = residents.map((x) => x.preferred_name || x.name).filter(Boolean);
    setText(this.#title, `${names.join(', ') || `Household ${r.id}`}${r.postcode ? ` \u00B7 ${r.postcode}` : ''}`);
    this.#edit.href = `#household/${encodeURIComponent(r.id)}/edit`;
    this.#edit.hidden = !this.#ctx.perms().edit;
    this.#body.replaceChildren(...[
      this.#place(r, alert),
      this.#residents(residents),
      this.#circle(r),
      this.#hubs(r.hub_health ?? []),
      this.#alerts(r.alerts ?? []),
      activitySection(this.#ctx, r.id),
    ].filter(Boolean));
  }

  #section(id, title, ...content) {
    return h('section', { class: 'hh-section', 'aria-labelledby': id },
      h('h3', { id }, title), ...content);
  }

  #place(r, alert) {
    const rows = [
      ['Address', h('span', { class: 'address' }, (r.address_lines ?? []).join(', '))],
      ['Postcode', r.postcode || '\u2014'],
    ];
    if (r.instructions) rows.push(['Instructions', h('span', { class: 'instructions' }, r.instructions)]);
    if ('key_safe_location' in r) rows.push(['Key safe', r.key_safe_location || (r.key_safe_code_set ? 'location not recorded' : 'none recorded')]);
    if ('door_entry' in r) rows.push(['Door entry', r.door_entry || '\u2014']);
    if (r.team) rows.push(['Caseload', r.team]);
    if (r.external_ref) rows.push(['Reference', r.external_ref]);
    if (r.sealed) rows.push(['Note', 'The centre has no records key: access and medical details cannot be shown.']);
    return this.#section('hh-place', 'Address and access', dl(rows), this.#reveal(r, alert));
  }

  /** The key safe code is never in the record: it is asked for, with a reason, and the ask is audited. */
  #reveal(r, alert) {
    if (!this.#ctx.perms().reveal || !r.key_safe_code_set) return null;
    const reason = h('textarea', {
      id: 'household-reveal-reason', rows: 2, maxlength: 500, required: true,
      placeholder: alert ? `e.g. attending alert ${alert}, paramedics at the door` : 'e.g. paramedics at the door',
    });
    const error = h('p', { id: 'household-reveal-error', class: 'field-error', hidden: true });
    const result = h('div', { id: 'household-code', class: 'keysafe-result', role: 'status', 'aria-live': 'polite' });
    const button = h('button', { type: 'submit', id: 'household-reveal', class: 'primary' }, 'Show the key safe code');
    const form = h('form', { class: 'keysafe', novalidate: true },
      h('label', { for: 'household-reveal-reason' }, 'Why do you need the key safe code?'),
      reason, error,
      alert ? h('p', { class: 'hint' }, `Recorded as for alert ${alert}.`) : null,
      button, result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = reason.value.trim();
      showFieldError(reason, error, text ? '' : 'Give a reason: the alert you are handling, who is at the door.');
      if (!text) {
        reason.focus();
        return;
      }
      button.disabled = true;
      try {
        const body = { reason: text };
        if (alert) body.alert = alert;
        const got = await this.#ctx.api.post(`/api/households/${encodeURIComponent(r.id)}/keysafe/reveal`, body);
        result.replaceChildren(
          h('p', { class: 'code' }, 'Key safe code: ', h('strong', { id: 'household-code-value' }, got.key_safe_code)),
          got.key_safe_location ? h('p', {}, `Location: ${got.key_safe_location}`) : null,
          h('p', { class: 'hint' }, `This reveal was recorded in the audit trail (${clock(new Date().toISOString())}, `,
            `reason: \u201C${text}\u201D${alert ? `, alert ${alert}` : ''}).`));
      } catch (err) {
        if (err.body?.field === 'reason') showFieldError(reason, error, err.message.replace(/^reason: /, ''));
        else result.replaceChildren(h('p', { class: 'message error' }, err.message));
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  #residents(residents) {
    return this.#section('hh-residents', residents.length === 1 ? 'Resident' : 'Residents',
      ...residents.map((x, i) => {
        const rows = RESIDENT_FIELDS.filter(([k]) => k in x && x[k]).map(([k, label]) =>
          [label, k === 'phone' ? telLink(x[k]) : x[k]]);
        return h('article', { class: 'resident', dataset: { resident: String(i) } },
          h('h4', {}, x.name || '\u2014'), rows.length ? dl(rows) : null);
      }));
  }

  #circle(r) {
    const responders = [...(r.responders ?? [])].sort((a, b) => (a.call_order ?? 99) - (b.call_order ?? 99));
    const list = responders.length
      ? h('ol', { class: 'responders' }, ...responders.map((x) =>
          h('li', { dataset: { callOrder: String(x.call_order) } },
            h('strong', {}, x.name), x.relation ? ` (${x.relation})` : '', ' ',
            ...(x.phones ?? []).flatMap((p, i) => [i ? ' \u00B7 ' : '', telLink(p)]),
            h('span', { class: 'sub' },
              [x.holds_key ? 'holds a key' : 'no key', x.can_attend ? 'can attend' : 'phone only',
                x.available_hours].filter(Boolean).join(' \u00B7 ')))))
      : h('p', { class: 'empty' }, 'No responders recorded.');
    const pros = 'professionals' in r
      ? [h('h4', {}, 'Professionals'),
          r.professionals.length
            ? h('ul', { class: 'professionals' }, ...r.professionals.map((p) =>
                h('li', {}, h('strong', {}, words(p.role)), ': ', [p.name, p.organisation].filter(Boolean).join(', '),
                  p.phone ? [' \u00B7 ', telLink(p.phone)] : null,
                  p.email ? [' \u00B7 ', h('a', { href: `mailto:${p.email}` }, p.email)] : null)))
            : h('p', { class: 'empty' }, 'No professionals recorded.')]
      : null;
    return this.#section('hh-circle', 'Care circle', h('h4', {}, 'Responders, in call order'), list, pros);
  }

  #hubs(hubs) {
    if (!hubs.length) return this.#section('hh-hubs', 'Hubs', h('p', { class: 'empty' }, 'No hub linked.'));
    return this.#section('hh-hubs', 'Hubs',
      h('table', { class: 'grid compact hh-hubs' },
        h('thead', {}, h('tr', {}, ...['Hub', 'Connection', 'Away mode', 'Last heartbeat', 'Sensors'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...hubs.map((x) => {
          const s = x.sensors && typeof x.sensors === 'object' ? x.sensors : null;
          return h('tr', { dataset: { hub: x.id } },
            h('th', { scope: 'row' }, x.id),
            h('td', {}, x.known === false ? 'not heard from yet'
              : h('span', { class: x.online ? 'online' : 'offline' }, x.online ? '\u25CF Online' : '\u2716 Offline')),
            h('td', { class: 'away' }, x.known === false ? '\u2014' : awayCell(x.away)),
            h('td', { title: x.last_heartbeat ? fullTime(x.last_heartbeat) : '' }, x.last_heartbeat ? clock(x.last_heartbeat) : '\u2014'),
            h('td', {}, s ? `${s.online ?? 0} online, ${s.offline ?? 0} offline, ${s.battery_low ?? 0} battery low` : '\u2014'));
        }))));
  }

  #alerts(alerts) {
    if (!alerts.length) return this.#section('hh-alerts', 'Alert history', h('p', { class: 'empty' }, 'No alerts yet.'));
    return this.#section('hh-alerts', 'Alert history',
      h('table', { class: 'grid compact hh-alerts' },
        h('thead', {}, h('tr', {}, ...['Received', 'Priority', 'Type', 'Text', 'Status', 'Outcome', 'Note']
          .map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...alerts.map((a) =>
          h('tr', { class: `prio-${a.priority}`, dataset: { id: a.id } },
            h('td', { title: fullTime(a.received_at) }, clock(a.received_at)),
            h('td', { class: 'prio' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, priorityIcon(a.priority)), a.priority),
            h('td', {}, typeName(a.type)),
            h('td', { class: 'c-text' }, a.text || ''),
            h('td', {}, h('span', { class: `status-badge ${a.status}` }, statusName(a.status))),
            h('td', {}, a.outcome ? [outcomeName(a.outcome), a.resolved_by ? h('span', { class: 'sub' }, `by ${a.resolved_by}`) : null] : '\u2014'),
            h('td', { class: 'c-text' }, a.note || ''))))));
  }
}

function dl(rows) {
  return h('dl', { class: 'fields' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** Shows (or clears, with '') a message under a field, tied to it for screen readers. */
export function showFieldError(input, el, text) {
  setText(el, text);
  el.hidden = !text;
  if (text) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', el.id);
  } else {
    input.removeAttribute('aria-invalid');
  }
}

// The call, with the person: in the alert's detail panel, the household at once (residents with age,
// phone as tel: links, language and communication needs, risks and medical notes as the role may see
// them, the key safe reveal), the care circle in call order with one click per responder for what
// happened, and the alert type's procedure as a checklist. Responder outcomes and ticked steps are
// written to the alert's history (POST /api/alerts/<id>/responders and .../steps), which is also where
// this panel reads them back from, so every console shows the same.

import { byId, h, rebuildKeepingFocus, say } from './dom.js';
import { clock } from './format.js';
import { telLink } from './household.js';

/** What an operator records per responder, in the order the buttons show. */
export const RESPONDER_OUTCOMES = [
  ['no_answer', 'No answer'],
  ['on_the_way', 'On the way'],
  ['declined', 'Declined'],
  ['left_message', 'Left message'],
];

/** Whole years from a YYYY-MM-DD date of birth to `now`, or null. */
export function ageFrom(dateOfBirth, now = new Date()) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth ?? '');
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let years = now.getFullYear() - y;
  if (now.getMonth() + 1 < mo || (now.getMonth() + 1 === mo && now.getDate() < d)) years -= 1;
  return years >= 0 && years < 150 ? years : null;
}

/** The latest recorded outcome per responder name from an alert's history: name -> {text, at, user}. */
export function responderOutcomes(history) {
  const out = new Map();
  for (const e of history ?? []) {
    if (e.action !== 'responder' || !e.detail) continue;
    const i = e.detail.lastIndexOf(': ');
    if (i < 0) continue;
    const name = e.detail.slice(0, i).replace(/ \([^)]*\)$/, '');
    out.set(name, { text: e.detail.slice(i + 2), at: e.at, user: e.user });
  }
  return out;
}

/** Step numbers (1-based) ticked in an alert's history: n -> {at, user}. */
export function stepsDone(history) {
  const done = new Map();
  for (const e of history ?? []) {
    const m = e.action === 'step' ? /^(\d+)\. /.exec(e.detail ?? '') : null;
    if (m && !done.has(Number(m[1]))) done.set(Number(m[1]), { at: e.at, user: e.user });
  }
  return done;
}

export class CallPanel {
  #ctx;
  #person = byId('call-person');
  #procedure = byId('call-procedure');
  #message = byId('detail-message');
  #procedures = new Map(); // type -> steps
  #household = null; // {alertId, record} of the shown alert's household
  #loading = null;
  #alert = null;
  /** The key safe code revealed for the alert shown, and the reason being typed: a live update of the
   * alert rebuilds the panel, which must not wipe either. */
  #revealed = null;
  #revealDraft = null;

  /** ctx: api, perms(), changed(alert) */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#person.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-outcome]');
      if (b) this.#record(b.dataset.name, b.dataset.phone, b.dataset.outcome);
    });
    this.#procedure.addEventListener('change', (e) => {
      const box = e.target.closest('input[data-step]');
      if (box && box.checked) this.#tick(Number(box.dataset.step), box);
    });
  }

  /** GET /api/procedures: each type's steps. */
  setProcedures(list) {
    this.#procedures = new Map((Array.isArray(list) ? list : []).map((p) => [p.type, p.steps ?? []]));
    if (this.#alert) this.#renderProcedure(this.#alert);
  }

  clear() {
    this.#alert = null;
    this.#revealed = null;
    this.#revealDraft = null;
    this.#household = null;
    this.#person.replaceChildren();
    this.#procedure.replaceChildren();
    this.#person.hidden = true;
    this.#procedure.hidden = true;
  }

  /** Shows alert `a` (with history): its procedure now, its household once loaded (once per alert). */
  show(a) {
    if (this.#alert?.id !== a.id) {
      this.#household = null;
      this.#revealed = null;  // a code revealed for one call is not shown again on another
      this.#revealDraft = null;
      this.#person.replaceChildren();
    }
    this.#alert = a;
    this.#renderProcedure(a);
    const hh = a.household;
    if (!hh?.id || !this.#ctx.perms().records) {
      this.#person.hidden = true;
      return;
    }
    if (this.#household?.alertId === a.id) this.#renderPerson(a, this.#household.record);
    else this.#load(a, hh.id);
  }

  async #load(a, householdId) {
    if (this.#loading === a.id) return;
    this.#loading = a.id;
    try {
      // Read for this alert: the audit records the household read with the alert as its context.
      const record = await this.#ctx.api.get(`/api/households/${encodeURIComponent(householdId)}?alert=${encodeURIComponent(a.id)}`);
      if (this.#alert?.id !== a.id) return;
      this.#household = { alertId: a.id, record };
      this.#renderPerson(this.#alert, record);
    } catch (e) {
      if (this.#alert?.id === a.id) {
        this.#person.hidden = false;
        this.#person.replaceChildren(h('p', { class: 'message error' }, `Household not shown: ${e.message}`));
      }
    } finally {
      if (this.#loading === a.id) this.#loading = null;
    }
  }

  #renderPerson(a, r) {
    const handle = this.#ctx.perms().handle && a.status !== 'resolved';
    const outcomes = responderOutcomes(a.history);
    const residents = Array.isArray(r.residents) ? r.residents : [];
    const responders = [...(Array.isArray(r.responders) ? r.responders : [])].sort((x, y) => (x.call_order ?? 99) - (y.call_order ?? 99));
    this.#person.hidden = false;
    rebuildKeepingFocus(this.#person, () => [
      h('h3', { id: 'call-person-title' }, 'The person'),
      ...residents.map((x, i) => this.#resident(x, i)),
      h('dl', { class: 'fields compact' },
        h('dt', {}, 'Address'), h('dd', { class: 'address' }, [...(r.address_lines ?? []), r.postcode].filter(Boolean).join(', ')),
        r.instructions ? [h('dt', {}, 'Instructions'), h('dd', {}, r.instructions)] : null,
        'key_safe_location' in r ? [h('dt', {}, 'Key safe'), h('dd', {}, r.key_safe_location || (r.key_safe_code_set ? 'location not recorded' : 'none recorded'))] : null,
        r.door_entry ? [h('dt', {}, 'Door entry'), h('dd', {}, r.door_entry)] : null),
      this.#reveal(r, a),
      h('h3', { id: 'call-circle-title' }, 'Care circle, in call order'),
      responders.length
        ? h('ol', { class: 'circle', 'aria-labelledby': 'call-circle-title' },
          ...responders.map((x) => this.#responder(x, outcomes.get(x.name), handle)))
        : h('p', { class: 'hint' }, 'No responders recorded.'),
    ]);
  }

  #resident(x, i) {
    const years = ageFrom(x.date_of_birth);
    const name = x.preferred_name && x.preferred_name !== x.name ? `${x.name} (\u201C${x.preferred_name}\u201D)` : x.name;
    const rows = [
      ['Phone', x.phone ? telLink(x.phone) : null],
      ['Language and communication', x.communication],
      ['Risks', x.risk_notes],
      ['Medical', x.medical_conditions],
      ['Medication', x.medication_notes],
      ['GP', x.gp],
    ].filter(([, v]) => v);
    return h('div', { class: 'call-resident', dataset: { resident: String(i) } },
      h('p', { class: 'call-resident-name' }, h('strong', {}, name || '\u2014'), years !== null ? `, ${years}` : ''),
      h('dl', { class: 'fields compact' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  }

  #responder(x, last, handle) {
    const phones = Array.isArray(x.phones) ? x.phones : [];
    const facts = [x.relation, x.holds_key ? 'holds a key' : null, x.can_attend === false ? 'phone only' : null,
      x.available_hours ? `available ${x.available_hours}` : null].filter(Boolean).join(', ');
    return h('li', { class: 'responder', dataset: { responder: x.name } },
      h('p', {}, h('strong', {}, x.name), facts ? ` \u2014 ${facts}` : ''),
      h('p', { class: 'phones' }, ...phones.flatMap((p, i) => [i ? ' \u00B7 ' : '', telLink(p)])),
      last ? h('p', { class: 'responder-last' }, `${last.text} (${clock(last.at)}, ${last.user})`) : null,
      handle
        ? h('div', { class: 'outcomes', role: 'group', 'aria-label': `What happened calling ${x.name}` },
          ...RESPONDER_OUTCOMES.map(([key, label]) => h('button', {
            type: 'button', class: 'small',
            dataset: { outcome: key, name: x.name, phone: phones[0] ?? '', focusKey: `resp-${x.name}-${key}` },
          }, label)))
        : null);
  }

  /** The key safe code, asked for with a reason while handling this alert (audited by the centre). */
  #reveal(r, a) {
    if (!this.#ctx.perms().reveal || !r.key_safe_code_set) return null;
    const reason = h('input', { id: 'call-reveal-reason', maxlength: 500, placeholder: 'e.g. paramedics at the door', dataset: { focusKey: 'reveal-reason' } });
    if (this.#revealDraft?.alertId === a.id) reason.value = this.#revealDraft.text;
    reason.addEventListener('input', () => { this.#revealDraft = { alertId: a.id, text: reason.value }; });
    const result = h('p', { id: 'call-keysafe', role: 'status' });
    const showCode = (code) => result.replaceChildren('Key safe code: ', h('strong', { id: 'call-keysafe-code' }, code), ' (recorded in the audit trail)');
    if (this.#revealed?.alertId === a.id && this.#revealed.household === r.id) showCode(this.#revealed.code);
    const form = h('form', { class: 'keysafe inline', novalidate: true },
      h('label', { for: 'call-reveal-reason' }, 'Key safe code, reason'), reason,
      h('button', { type: 'submit', id: 'call-reveal', dataset: { focusKey: 'reveal' } }, 'Show code'), result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = reason.value.trim();
      if (!text) {
        result.textContent = 'Give a reason: who is at the door.';
        reason.focus();
        return;
      }
      try {
        const got = await this.#ctx.api.post(`/api/households/${encodeURIComponent(r.id)}/keysafe/reveal`, { reason: text, alert: a.id });
        this.#revealed = { alertId: a.id, household: r.id, code: got.key_safe_code };
        showCode(got.key_safe_code);
      } catch (err) {
        result.textContent = err.message;
      }
    });
    return form;
  }

  #renderProcedure(a) {
    const steps = this.#procedures.get(a.type) ?? [];
    this.#procedure.hidden = steps.length === 0;
    if (!steps.length) return;
    const done = stepsDone(a.history);
    const handle = this.#ctx.perms().handle && a.status !== 'resolved';
    rebuildKeepingFocus(this.#procedure, () => [
      h('h3', { id: 'call-procedure-title' }, 'Procedure'),
      h('ol', { class: 'procedure', 'aria-labelledby': 'call-procedure-title' },
        ...steps.map((text, i) => {
          const n = i + 1;
          const d = done.get(n);
          const box = h('input', {
            type: 'checkbox', id: `step-${n}`, checked: !!d, disabled: !!d || !handle,
            dataset: { step: String(n), focusKey: `step-${n}` },
          });
          return h('li', { class: d ? 'done' : '', dataset: { step: String(n) } },
            h('label', { for: `step-${n}` }, box, ` ${text}`),
            d ? h('span', { class: 'sub' }, ` ${clock(d.at)}, ${d.user}`) : null);
        })),
    ]);
  }

  async #record(name, phone, outcome) {
    const a = this.#alert;
    if (!a) return;
    try {
      const updated = await this.#ctx.api.post(`/api/alerts/${encodeURIComponent(a.id)}/responders`, { name, phone, outcome });
      say(this.#message, `Recorded: ${name}, ${RESPONDER_OUTCOMES.find(([k]) => k === outcome)?.[1].toLowerCase()}.`, 'ok');
      if (updated?.id) this.#ctx.changed(updated);
    } catch (e) {
      say(this.#message, `Not recorded: ${e.message}`, 'error');
    }
    await this.#ctx.refresh();
  }

  async #tick(step, box) {
    const a = this.#alert;
    if (!a) return;
    box.disabled = true;
    try {
      await this.#ctx.api.post(`/api/alerts/${encodeURIComponent(a.id)}/steps`, { step });
    } catch (e) {
      box.checked = false;
      box.disabled = false;
      say(this.#message, `Step not recorded: ${e.message}`, 'error');
    }
    await this.#ctx.refresh();
  }
}

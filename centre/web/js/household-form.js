// Adding and changing a household (supervisors and admins): every field of the record
// (docs/api.md#households), residents, responders and professionals added and removed in place.
// The centre validates; its 400 names each bad field ("residents[0].date_of_birth",
// "responders[1].phones[0]") and the message is shown next to that field.

import { byId, h, say, setText } from './dom.js';
import { words } from './format.js';

const PROFESSIONAL_ROLES = ['social_worker', 'care_agency', 'district_nurse', 'occupational_therapist', 'housing_officer', 'other'];
const LIMITS = { residents: 6, responders: 10, professionals: 10 };
const BLANK = {
  residents: { name: '', preferred_name: '', date_of_birth: '', phone: '', communication: '', medical_conditions: '', medication_notes: '', risk_notes: '', gp: '' },
  responders: { call_order: 1, name: '', relation: '', phones: [], holds_key: false, available_hours: '', can_attend: true },
  professionals: { role: 'social_worker', name: '', organisation: '', phone: '', email: '' },
};

/** Splits "a, b" into ["a", "b"] (hubs, a responder's phones). */
const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

export class HouseholdForm {
  #ctx;
  #form = byId('household-form');
  #title = byId('household-form-title');
  #message = byId('household-form-message');
  #body = byId('household-form-body');
  #cancel = byId('household-form-cancel');
  #submit = byId('household-form-submit');
  #id = null; // the household being changed, or null for a new one
  #teams = [];
  #request = 0;

  /** ctx: api, perms() */
  constructor(ctx) {
    this.#ctx = ctx;
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    this.#form.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-add], button[data-remove]');
      if (!b) return;
      const record = this.#collect();
      if (b.dataset.add) {
        const group = b.dataset.add;
        const item = structuredClone(BLANK[group]);
        if (group === 'responders') item.call_order = record.responders.length + 1;
        record[group].push(item);
      } else {
        const [group, i] = b.dataset.remove.split(':');
        record[group].splice(Number(i), 1);
      }
      this.#render(record);
    });
  }

  /** Opens the form on household `id` (loaded first), or empty for a new household when id is null. */
  async show(id) {
    const request = ++this.#request;
    this.#id = id;
    setText(this.#title, id ? 'Change the household' : 'Add a household');
    setText(this.#submit, id ? 'Save changes' : 'Add the household');
    this.#cancel.href = id ? `#household/${encodeURIComponent(id)}` : '#households';
    this.#body.replaceChildren();
    say(this.#message, 'Loading\u2026');
    try {
      const [record, teams] = await Promise.all([
        id ? this.#ctx.api.get(`/api/households/${encodeURIComponent(id)}?context=edit`) : Promise.resolve(null),
        this.#ctx.api.get('/api/teams').catch(() => []),
      ]);
      if (request !== this.#request) return;
      this.#teams = teams;
      say(this.#message, '');
      this.#render(record ?? {
        address_lines: [''], postcode: '', hubs: [], residents: [structuredClone(BLANK.residents)],
        responders: [], professionals: [],
      });
      this.#form.querySelector('input, textarea')?.focus();
    } catch (e) {
      if (request === this.#request) say(this.#message, e.status === 404 ? 'There is no such household.' : e.message, 'error');
    }
  }

  clear() {
    this.#request += 1;
    this.#body.replaceChildren();
    say(this.#message, '');
  }

  async save() {
    const record = this.#collect();
    this.#showErrors([]);
    this.#submit.disabled = true;
    say(this.#message, 'Saving\u2026');
    try {
      const path = this.#id ? `/api/households/${encodeURIComponent(this.#id)}` : '/api/households';
      const saved = await this.#ctx.api.post(path, record);
      say(this.#message, 'Saved.', 'ok');
      location.hash = `household/${saved.id}`;
    } catch (e) {
      const fields = e.body?.fields ?? (e.body?.field ? [{ field: e.body.field, message: e.message.replace(/^[^:]*: /, '') }] : []);
      const shown = this.#showErrors(fields);
      say(this.#message, fields.length
        ? `Not saved: ${fields.length === 1 ? 'one field needs' : `${fields.length} fields need`} correcting.${shown < fields.length ? ` ${e.message}` : ''}`
        : `Not saved: ${e.message}`, 'error');
      this.#form.querySelector('[aria-invalid="true"]')?.focus();
    } finally {
      this.#submit.disabled = false;
    }
  }

  /** Puts each {field, message} next to its input; answers how many found a place. */
  #showErrors(fields) {
    for (const el of this.#form.querySelectorAll('.field-error')) {
      el.hidden = true;
      el.textContent = '';
    }
    for (const el of this.#form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    let shown = 0;
    for (const { field, message } of fields) {
      const input = this.#input(String(field));
      if (!input) continue;
      const error = input.closest('.field, .group').querySelector('.field-error');
      error.append(error.textContent ? ` ${message}` : message);
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', error.id);
      shown += 1;
    }
    return shown;
  }

  /** The input for an API field name: exact, or without a trailing [n] (hubs[0] -> hubs), or its group. */
  #input(field) {
    for (let f = field; f; ) {
      const el = this.#form.querySelector(`[data-field="${CSS.escape(f)}"], [data-field="${CSS.escape(`${f}[0]`)}"]`);
      if (el) return el;
      const shorter = f.replace(/(\[[0-9]+\]|\.[a-z_]+)$/, '');
      if (shorter === f) return null;
      f = shorter;
    }
    return null;
  }

  #collect() {
    const value = (name) => this.#form.querySelector(`[data-field="${CSS.escape(name)}"]`)?.value ?? '';
    const checked = (name) => !!this.#form.querySelector(`[data-field="${CSS.escape(name)}"]`)?.checked;
    const count = (group) => this.#form.querySelectorAll(`[data-item="${group}"]`).length;
    const record = {
      external_ref: value('external_ref').trim() || null,
      address_lines: [0, 1, 2, 3].map((i) => value(`address_lines[${i}]`).trim()),
      postcode: value('postcode').trim(),
      key_safe_location: value('key_safe_location').trim(),
      door_entry: value('door_entry').trim(),
      instructions: value('instructions').trim(),
      hubs: list(value('hubs')),
      team: value('team') || null,
      residents: [],
      responders: [],
      professionals: [],
    };
    // Trailing empty address lines are left out; a gap keeps its place so its error lands on it.
    while (record.address_lines.length > 1 && !record.address_lines.at(-1)) record.address_lines.pop();
    // The code is write-only: empty keeps the stored one, unless "remove" is ticked.
    const code = value('key_safe_code').trim();
    if (code) record.key_safe_code = code;
    else if (checked('key_safe_remove') || !this.#id) record.key_safe_code = '';
    for (let i = 0; i < count('residents'); i++) {
      const r = {};
      for (const k of Object.keys(BLANK.residents)) r[k] = value(`residents[${i}].${k}`).trim();
      record.residents.push(r);
    }
    for (let i = 0; i < count('responders'); i++) {
      const p = (k) => `responders[${i}].${k}`;
      record.responders.push({
        call_order: Number(value(p('call_order'))) || 0,
        name: value(p('name')).trim(),
        relation: value(p('relation')).trim(),
        phones: list(value(p('phones'))),
        holds_key: checked(p('holds_key')),
        available_hours: value(p('available_hours')).trim(),
        can_attend: checked(p('can_attend')),
      });
    }
    for (let i = 0; i < count('professionals'); i++) {
      const r = {};
      for (const k of Object.keys(BLANK.professionals)) r[k] = value(`professionals[${i}].${k}`).trim();
      record.professionals.push(r);
    }
    return record;
  }

  #render(r) {
    const lines = r.address_lines ?? [];
    const teamChoices = [['', 'No team'], ...this.#teams.map((t) => [t.id, t.name || t.id])];
    if (r.team && !this.#teams.some((t) => t.id === r.team)) teamChoices.push([r.team, r.team]);
    this.#body.replaceChildren(
      h('fieldset', {}, h('legend', {}, 'Address'),
        ...[0, 1, 2, 3].map((i) => field(`address_lines[${i}]`, `Address line ${i + 1}`, lines[i] ?? '', { required: i === 0 })),
        field('postcode', 'Postcode', r.postcode ?? '', { required: true, autocapitalize: 'characters' }),
        field('external_ref', 'Council reference', r.external_ref ?? ''),
        // Only an admin puts a household on a caseload (it decides which care professionals read it).
        field('team', this.#ctx.role() === 'admin' ? 'Caseload team' : 'Caseload team (set by an admin)', r.team ?? '', { choices: teamChoices, disabled: this.#ctx.role() !== 'admin' }),
        field('hubs', 'Hubs (comma-separated ids)', (r.hubs ?? []).join(', '), { spellcheck: 'false' })),
      h('fieldset', {}, h('legend', {}, 'Access'),
        field('key_safe_code', this.#id && r.key_safe_code_set ? 'New key safe code (empty keeps the stored one)' : 'Key safe code', '', { autocomplete: 'off' }),
        this.#id && r.key_safe_code_set ? field('key_safe_remove', 'Remove the stored key safe code', false, { checkbox: true }) : null,
        field('key_safe_location', 'Key safe location', r.key_safe_location ?? ''),
        field('door_entry', 'Door entry', r.door_entry ?? ''),
        field('instructions', 'Instructions for the operator', r.instructions ?? '', { textarea: true })),
      this.#group('residents', 'Residents', r.residents ?? [], 'resident', (x, p) => [
        field(`${p}.name`, 'Name', x.name, { required: true }),
        field(`${p}.preferred_name`, 'Preferred name', x.preferred_name),
        field(`${p}.date_of_birth`, 'Date of birth (YYYY-MM-DD)', x.date_of_birth, { placeholder: '1938-04-21' }),
        field(`${p}.phone`, 'Phone', x.phone, { type: 'tel' }),
        field(`${p}.communication`, 'Language and communication needs', x.communication),
        field(`${p}.medical_conditions`, 'Medical conditions', x.medical_conditions, { textarea: true }),
        field(`${p}.medication_notes`, 'Medication notes', x.medication_notes, { textarea: true }),
        field(`${p}.risk_notes`, 'Risk notes', x.risk_notes, { textarea: true }),
        field(`${p}.gp`, 'GP', x.gp),
      ]),
      this.#group('responders', 'Responders (care circle)', r.responders ?? [], 'responder', (x, p) => [
        field(`${p}.call_order`, 'Call order (1 = first)', String(x.call_order ?? ''), { type: 'number', min: 1, max: 99 }),
        field(`${p}.name`, 'Name', x.name, { required: true }),
        field(`${p}.relation`, 'Relation', x.relation),
        field(`${p}.phones`, 'Phones (comma-separated, up to 3)', (x.phones ?? []).join(', '), { type: 'tel' }),
        field(`${p}.available_hours`, 'Available hours', x.available_hours),
        field(`${p}.holds_key`, 'Holds a key', !!x.holds_key, { checkbox: true }),
        field(`${p}.can_attend`, 'Can attend (not phone only)', !!x.can_attend, { checkbox: true }),
      ]),
      this.#group('professionals', 'Professionals', r.professionals ?? [], 'professional', (x, p) => [
        field(`${p}.role`, 'Role', x.role, { choices: PROFESSIONAL_ROLES.map((k) => [k, words(k)]) }),
        field(`${p}.name`, 'Name', x.name),
        field(`${p}.organisation`, 'Organisation', x.organisation),
        field(`${p}.phone`, 'Phone', x.phone, { type: 'tel' }),
        field(`${p}.email`, 'Email', x.email, { type: 'email' }),
      ]),
    );
  }

  #group(name, title, items, noun, fields) {
    return h('fieldset', { class: 'group', dataset: { field: name } },
      h('legend', {}, title),
      h('p', { id: `hf-${name}-error`, class: 'field-error', hidden: true }),
      ...items.map((x, i) =>
        h('div', { class: 'item', dataset: { item: name } },
          h('h4', {}, `${words(noun)} ${i + 1}`),
          ...fields({ ...BLANK[name], ...x }, `${name}[${i}]`),
          h('button', { type: 'button', class: 'ghost', dataset: { remove: `${name}:${i}` } }, `Remove ${noun} ${i + 1}`))),
      items.length < LIMITS[name] ? h('button', { type: 'button', dataset: { add: name } }, `Add a ${noun}`) : null);
  }
}

/** One labelled input with its error line; `name` is the API's field name (data-field). */
function field(name, label, value, opts = {}) {
  const id = `hf-${name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}`;
  const attrs = { id, dataset: { field: name }, required: opts.required, disabled: opts.disabled };
  let input;
  if (opts.checkbox) input = h('input', { ...attrs, type: 'checkbox', checked: !!value });
  else if (opts.textarea) input = h('textarea', { ...attrs, rows: 2, maxlength: 2000 });
  else if (opts.choices) input = h('select', attrs, ...opts.choices.map(([v, t]) => h('option', { value: v }, t)));
  else input = h('input', {
    ...attrs, type: opts.type ?? 'text', min: opts.min, max: opts.max, placeholder: opts.placeholder,
    autocomplete: opts.autocomplete, autocapitalize: opts.autocapitalize, spellcheck: opts.spellcheck,
  });
  if (!opts.checkbox) input.value = value ?? '';
  const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  return opts.checkbox
    ? h('div', { class: 'field check' }, h('label', {}, input, ` ${label}`), error)
    : h('div', { class: 'field' }, h('label', { for: id }, label), input, error);
}

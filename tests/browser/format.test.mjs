// Unit tests of the console's pure formatting and ordering (centre/web/js/format.js), with node:test.
// No browser needed: run with `node --test tests/browser/format.test.mjs`.

import assert from 'node:assert/strict';
import test from 'node:test';

import {
  age, alertText, awayText, compareQueue, inQueue, outcomeName, percent, priorityRank, seconds, sensorPlace, setAlertTypes,
  typeName,
} from '../../centre/web/js/format.js';

const alert = (id, priority, received_at, extra = {}) => ({ id, priority, received_at, status: 'open', state: 'raised', ...extra });

test('the queue is most urgent first, then oldest first', () => {
  const alerts = [
    alert('low-old', 'low', '2026-11-28T10:00:00.000Z'),
    alert('crit-new', 'critical', '2026-11-28T12:00:05.000Z'),
    alert('high', 'high', '2026-11-28T09:00:00.000Z'),
    alert('crit-old', 'critical', '2026-11-28T12:00:00.000Z'),
    alert('normal', 'normal', '2026-11-28T08:00:00.000Z'),
  ];
  assert.deepEqual(alerts.sort(compareQueue).map((a) => a.id), ['crit-old', 'crit-new', 'high', 'normal', 'low-old']);
});

test('within a priority, calls nobody has taken come before acknowledged ones, then oldest first', () => {
  const alerts = [
    alert('crit-acked-old', 'critical', '2026-11-28T11:00:00.000Z', { status: 'acknowledged' }),
    alert('high-new', 'high', '2026-11-28T12:00:09.000Z'),
    alert('crit-new', 'critical', '2026-11-28T12:00:05.000Z'),
    alert('crit-acked-older', 'critical', '2026-11-28T10:00:00.000Z', { status: 'acknowledged' }),
    alert('high-acked', 'high', '2026-11-28T08:00:00.000Z', { status: 'acknowledged' }),
    alert('crit-newer', 'critical', '2026-11-28T12:00:07.000Z'),
  ];
  assert.deepEqual(alerts.sort(compareQueue).map((a) => a.id), [
    'crit-new', 'crit-newer', 'crit-acked-older', 'crit-acked-old', 'high-new', 'high-acked',
  ]);
});

test('unknown priorities sort after low', () => {
  assert.ok(priorityRank('bogus') > priorityRank('low'));
});

test('acknowledged alerts stay in the queue until resolved; cleared notices never enter it', () => {
  assert.equal(inQueue(alert('a', 'high', null, { status: 'acknowledged' })), true);
  assert.equal(inQueue(alert('a', 'high', null, { status: 'resolved' })), false);
  assert.equal(inQueue(alert('a', 'high', null, { state: 'cleared' })), false);
});

test('ages read at a glance', () => {
  assert.equal(age(-500), '0 s');
  assert.equal(age(42_900), '42 s');
  assert.equal(age(185_000), '3:05');
  assert.equal(age(3_840_000), '1 h 04 min');
  assert.equal(age(2 * 86_400_000 + 3 * 3_600_000), '2 d 3 h');
});

test('durations and percentages', () => {
  assert.equal(seconds(null), '\u2014');
  assert.equal(seconds(12.4), '12 s');
  assert.equal(seconds(125), '2 min 05 s');
  assert.equal(percent(null), '\u2014');
  assert.equal(percent(0.975), '97.5 %');
  assert.equal(percent(0.99), '99 %');
  assert.equal(percent(1), '100 %');
  assert.equal(percent(0.97449), '97.4 %');
});

test('type names come from the alert catalogue, the type in words until it is loaded', () => {
  // Before GET /api/alert-types has answered (or when it failed): the type name in words.
  assert.equal(typeName('pull_cord'), 'Pull cord');
  assert.equal(typeName('co'), 'Co');
  setAlertTypes([
    { type: 'co', label: 'Carbon monoxide (CO)', priority: 'critical', technical: false, sia_event: 'GA', sia_restore: 'GH', contact_id: 162 },
    { type: 'due', label: 'Not seen by due time', priority: 'high', technical: false, sia_event: 'MA', sia_restore: 'MH', contact_id: 102 },
  ]);
  assert.equal(typeName('co'), 'Carbon monoxide (CO)');
  assert.equal(typeName('due'), 'Not seen by due time');
  // A type the catalogue does not have yet (a newer hub): its name in words.
  assert.equal(typeName('some_new_type'), 'Some new type');
  // A malformed answer is ignored; the labels already loaded stay.
  setAlertTypes({ error: 'internal error' });
  assert.equal(typeName('co'), 'Carbon monoxide (CO)');
});

test('names for types, outcomes and places', () => {
  assert.equal(typeName('some_new_type'), 'Some new type');
  assert.equal(outcomeName('resident_ok'), 'Resident OK');
  assert.equal(outcomeName(null), '');
  assert.equal(sensorPlace({ sensor: 'pendant', location: 'worn' }), 'pendant \u00B7 worn');
  assert.equal(sensorPlace({}), '');
});

test('alert text without the location the hub appended: the location has its own column', () => {
  assert.equal(alertText({ text: 'Water detected (kitchen)', location: 'kitchen' }), 'Water detected');
  assert.equal(alertText({ text: 'Water detected (kitchen)', location: 'hall' }), 'Water detected (kitchen)');
  assert.equal(alertText({ text: 'Pendant pressed' }), 'Pendant pressed');
});

test('away mode and who set it, as the hubs view says it', () => {
  // Half past the hour, a minute earlier: the same local day in every time zone the tests run in.
  const now = Date.parse('2026-11-30T12:30:00.000Z');
  const today = new Date(now - 60_000).toISOString();
  const hhmm = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(today));
  assert.equal(awayText({ on: true, since: today, by: 'centre', user: 'olive', request: 'c-1' }, now),
    `Away since ${hhmm}, set by olive at the centre`);
  assert.equal(awayText({ on: true, since: today, by: 'local' }, now), `Away since ${hhmm}, set by the home (local app)`);
  assert.equal(awayText({ on: true, since: today, by: 'ctl' }, now), `Away since ${hhmm}, set by the home (warden-ctl)`);
  assert.equal(awayText({ on: true, since: today, by: 'button' }, now), `Away since ${hhmm}, set by the home (away button)`);
  // A state saved by a hub that did not record who set it: only what is known.
  assert.equal(awayText({ on: true }, now), 'Away');
  // Another day: the date too.
  assert.match(awayText({ on: true, since: '2026-11-20T09:30:00.000Z', by: 'button' }, now), /^Away since 20 Nov,? \d{2}:\d{2}, set by/);
  // Not away, or not known (an older hub): nothing to say.
  assert.equal(awayText({ on: false, since: today, by: 'local' }, now), null);
  assert.equal(awayText(null, now), null);
});

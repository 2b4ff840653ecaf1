// The call panel's pure parts (centre/web/js/call.js): a resident's age, the latest outcome per
// responder and the procedure steps done, read back from an alert's history; node's own test runner.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageFrom, responderOutcomes, stepsDone } from '../../centre/web/js/call.js';

test('age in whole years, a birthday not yet reached this year counted as not yet', () => {
  assert.equal(ageFrom('1938-04-21', new Date(2026, 3, 20)), 87);
  assert.equal(ageFrom('1938-04-21', new Date(2026, 3, 21)), 88);
  assert.equal(ageFrom('', new Date()), null);
  assert.equal(ageFrom('21/04/1938', new Date()), null);
});

test('the latest outcome per responder, the phone in brackets not part of the name', () => {
  const got = responderOutcomes([
    { action: 'note', detail: 'Rhys: ignore me', at: 't0', user: 'op1' },
    { action: 'responder', detail: 'Rhys Imaginary (07700 900101): no answer', at: 't1', user: 'op1' },
    { action: 'responder', detail: 'Neighbour: on the way', at: 't2', user: 'op2' },
    { action: 'responder', detail: 'Rhys Imaginary (07700 900101): left a message', at: 't3', user: 'op1' },
  ]);
  assert.deepEqual([...got.keys()], ['Rhys Imaginary', 'Neighbour']);
  assert.deepEqual(got.get('Rhys Imaginary'), { text: 'left a message', at: 't3', user: 'op1' });
  assert.equal(got.get('Neighbour').user, 'op2');
});

test('steps done: the first tick of each step number counts', () => {
  const done = stepsDone([
    { action: 'step', detail: '2. Call 999', at: 't1', user: 'op1' },
    { action: 'step', detail: '2. Call 999', at: 't2', user: 'op2' },
    { action: 'note', detail: '1. not a step', at: 't3', user: 'op1' },
    { action: 'step', detail: 'no number', at: 't4', user: 'op1' },
  ]);
  assert.deepEqual([...done.keys()], [2]);
  assert.deepEqual(done.get(2), { at: 't1', user: 'op1' });
});

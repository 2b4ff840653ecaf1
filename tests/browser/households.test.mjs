// The console's household routes (centre/web/js/households.js), with node's own test runner: the
// hashes the households list, the alert detail's link and the edit form use, and what they open.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { householdHash, parseRoute } from '../../centre/web/js/households.js';

test('a household page, alone or in answer to an alert', () => {
  assert.deepEqual(parseRoute('household/12'), { view: 'household', arg: { id: '12', edit: false, alert: '' } });
  assert.deepEqual(parseRoute('household/12?alert=hub-0001-7'),
    { view: 'household', arg: { id: '12', edit: false, alert: 'hub-0001-7' } });
});

test('the edit form, for a household or a new one', () => {
  assert.deepEqual(parseRoute('household/12/edit'), { view: 'household-edit', arg: { id: '12', edit: true, alert: '' } });
  assert.deepEqual(parseRoute('household/new'), { view: 'household-edit', arg: { id: 'new', edit: true, alert: '' } });
});

test('other hashes pass through as view names (an unknown one opens the default view)', () => {
  for (const hash of ['households', 'queue', '', 'household/abc', 'household/12/delete', 'household/1234567890123456'])
    assert.deepEqual(parseRoute(hash), { view: hash, arg: null });
});

test('the hash of a household page, the alert encoded', () => {
  assert.equal(householdHash(12), '#household/12');
  assert.equal(householdHash(12, 'hub-0001-7'), '#household/12?alert=hub-0001-7');
  assert.equal(householdHash(12, 'a&b c'), '#household/12?alert=a%26b%20c');
  assert.deepEqual(parseRoute(householdHash(12, 'a&b c').slice(1)).arg.alert, 'a&b c');
});

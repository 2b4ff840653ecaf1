// Residents' records in the console, in a real Chromium against a real warden-centre (with a records
// key) and Mosquitto: an operator finds a household by its postcode, reads the care circle in call
// order, reveals the key safe code with a reason (refused without one), opens the household from an
// alert's detail and reveals again for that alert, and a supervisor reads both reveals in the audit
// through the API; a supervisor's edit shows the centre's field errors next to the fields and keeps
// the key safe code; a care user opens on their team's caseload, never sees another team's household
// (not listed; its page says not found), the key safe or an alert control.
//
// Environment and exit codes as tests/browser/console.test.mjs (see harness.mjs). Screenshots:
// records-*.png in WARDEN_ARTIFACTS_DIR.

import fs from 'node:fs';
import path from 'node:path';
import {
  apiSession, BrowserTest, browserOrSkip, centreBin, centreCommand, check, expectText, freePort, launch, publish,
  startBroker, startCentre, writeCentreConfig,
} from './harness.mjs';

const chromium = await browserOrSkip();
let context = null;
let page = null;
const t = new BrowserTest('browser_records', {
  tmpPrefix: 'warden-records-', limitMs: 180_000, failureShot: 'records-failure.png', browser: () => ({ context, page }),
});
const { tmp, children, artifacts, browserLog, pageErrors } = t;
const password = 'correct-horse-battery';
await t.run(run);

// ------------------------------------------------------------------------------------------------

async function run() {
  check(fs.existsSync(centreBin), `no warden-centre at ${centreBin} (build it, or set WARDEN_BIN_DIR)`);
  const mqttPort = await startBroker(children, tmp);

  // --- the centre with a records key, two teams and a user of each role
  const httpPort = await freePort();
  centreCommand(['key', 'create', path.join(tmp, 'records.key')]);
  const config = writeCentreConfig(tmp, mqttPort, httpPort, ['[records]', 'key_file = "records.key"']);
  for (const team of ['north', 'south']) centreCommand(['--config', config, 'team', 'add', team]);
  for (const [user, role] of [['op1', 'operator'], ['sup1', 'supervisor'], ['admin1', 'admin']])
    centreCommand(['--config', config, 'user', 'add', user, '--role', role], `${password}\n`);
  centreCommand(['--config', config, 'user', 'add', 'carl', '--role', 'care', '--team', 'north'], `${password}\n`);
  const base = `http://127.0.0.1:${httpPort}`;
  await startCentre(t, config, base);

  // --- two fictional households, one per team, added by an admin through the API
  const admin = await apiSession(base, 'admin1', password);
  const gwen = await admin.post('/api/households', {
    external_ref: 'TEST-1', address_lines: ['1 Fictional Row', 'Testville'], postcode: 'CF10 1AA',
    key_safe_code: '4821', key_safe_location: 'behind the water butt', instructions: 'Knock loudly <b>twice</b>.',
    hubs: ['hub-0001'], team: 'north',
    residents: [{ name: 'Gwenllian Imaginary', preferred_name: 'Gwen', date_of_birth: '1938-04-21',
      phone: '029 2000 0001', communication: 'hard of hearing', medical_conditions: 'COPD' }],
    responders: [
      { call_order: 2, name: 'Neighbour Example', relation: 'neighbour', phones: ['029 2000 0102'], can_attend: false },
      { call_order: 1, name: 'Rhys Imaginary', relation: 'son', phones: ['07700 900101', '029 2000 0101'],
        holds_key: true, available_hours: 'evenings', can_attend: true },
    ],
    professionals: [{ role: 'social_worker', name: 'Sam Pretend', organisation: 'Example Council', phone: '01632 960004' }],
  });
  check(gwen.status === 201, `household 1 created (${gwen.status} ${JSON.stringify(gwen.body)})`);
  const other = await admin.post('/api/households', {
    address_lines: ['9 Elsewhere Close'], postcode: 'SA1 1AA', hubs: ['hub-0002'], team: 'south',
    residents: [{ name: 'Otto Southteam' }],
  });
  check(other.status === 201, `household 2 created (${other.status} ${JSON.stringify(other.body)})`);
  const gwenId = gwen.body.id;
  const otherId = other.body.id;

  context = await launch(chromium, path.join(tmp, 'chromium-profile'));
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
  await page.goto(`${base}/`);

  // --- an operator finds the household by its postcode (spaces and case as typed on a phone)
  await login('op1');
  await page.click('a[data-view="households"]');
  await page.locator('#view-households').waitFor({ state: 'visible' });
  await page.fill('#households-q', 'cf101aa');
  await page.click('#households-form button[type="submit"]');
  await expectText(page, '#households-message', /^1 household\.$/);
  const rows = page.locator('#households-body tr');
  check((await rows.count()) === 1, 'the postcode finds one household');
  await expectText(page, rows.first(), /Gwen.*1 Fictional Row.*CF10 1AA.*hub-0001.*north/);
  await shot('records-search.png');
  await rows.first().locator('a').click();
  await page.locator('#view-household').waitFor({ state: 'visible' });
  await expectText(page, '#household-title', /^Gwen · CF10 1AA$/);
  await expectText(page, '#household-body .instructions', /^Knock loudly <b>twice<\/b>\.$/);
  check((await page.locator('#household-body b').count()) === 0, 'record text is never parsed as HTML');
  await expectText(page, '#hh-residents + *', /Gwenllian Imaginary/);
  await expectText(page, '.resident', /Medical conditions\s*COPD/);
  const callers = page.locator('.responders li');
  await expectText(page, callers.nth(0), /^Rhys Imaginary \(son\) 07700 900101 · 029 2000 0101.*holds a key · can attend · evenings/);
  await expectText(page, callers.nth(1), /^Neighbour Example \(neighbour\).*no key · phone only/);
  check(await callers.nth(0).locator('a.tel').first().getAttribute('href') === 'tel:07700900101', 'responders have tel: links');
  await expectText(page, '.professionals', /Social worker: Sam Pretend, Example Council/);
  await expectText(page, '#household-body [data-hub="hub-0001"]', /not heard from yet/);
  check(!(await page.content()).includes('4821'), 'the key safe code is not on the page before the reveal');

  // --- the reveal wants a reason, then shows the code and says it was recorded
  await page.click('#household-reveal');
  await expectText(page, '#household-reveal-error', /Give a reason/);
  check(await page.getAttribute('#household-reveal-reason', 'aria-invalid') === 'true', 'the reason field is marked invalid');
  await page.fill('#household-reveal-reason', 'paramedics at the door');
  await page.click('#household-reveal');
  await expectText(page, '#household-code-value', /^4821$/);
  await expectText(page, '#household-code', /behind the water butt.*recorded in the audit trail.*paramedics at the door/);
  check(await page.locator('#household-reveal-error').isHidden(), 'the reason error is gone');
  await shot('records-reveal.png');

  // --- from an alert's detail to its household, the read and the reveal in answer to that alert
  publish(mqttPort, 'warden/v1/hub-0001/alert', {
    id: 'hub-0001-1', hub: 'hub-0001', seq: 1, type: 'pendant', state: 'raised', priority: 'critical', sia: 'QA',
    at: new Date().toISOString(), rule: 'pendant', sensor: 'pendant', location: 'worn', text: 'Pendant pressed',
  });
  await page.click('a[data-view="queue"]');
  const row = page.locator('#queue-body tr[data-id="hub-0001-1"]');
  await row.waitFor({ state: 'visible' });
  await row.click();
  const link = page.locator('#detail-household a');
  await link.waitFor({ state: 'visible' });
  await expectText(page, link, /Gwen · CF10 1AA/);
  check((await link.getAttribute('href')) === `#household/${gwenId}?alert=hub-0001-1`, 'the link names the alert');
  await link.click();
  await expectText(page, '#household-message', /Opened for alert hub-0001-1/);
  await page.fill('#household-reveal-reason', 'pendant press, ambulance called');
  await page.click('#household-reveal');
  await expectText(page, '#household-code', /4821.*alert hub-0001-1/);

  // --- the audit, read by a supervisor through the API
  const sup = await apiSession(base, 'sup1', password);
  const audit = (await sup.get('/api/audit?limit=200')).body;
  const mine = (action) => audit.filter((e) => e.action === action && e.user === 'op1' && e.target === String(gwenId));
  const reveals = mine('keysafe_reveal').map((e) => e.detail);
  check(reveals.includes('paramedics at the door'), `the plain reveal is audited (${JSON.stringify(reveals)})`);
  check(reveals.includes('alert hub-0001-1: pendant press, ambulance called'), `the reveal for the alert is audited (${JSON.stringify(reveals)})`);
  const reads = mine('household_read').map((e) => e.detail);
  check(reads.includes('search') && reads.includes('alert hub-0001-1'), `the reads are audited with their context (${JSON.stringify(reads)})`);

  // --- a supervisor's edit: the centre's field errors next to the fields; the code is kept
  await logout();
  await login('sup1');
  await page.evaluate((id) => (location.hash = `household/${id}/edit`), gwenId);
  await page.locator('#view-household-edit').waitFor({ state: 'visible' });
  await page.locator('#hf-postcode').waitFor();
  check(await page.inputValue('#hf-postcode') === 'CF10 1AA', 'the form holds the record');
  await page.fill('#hf-postcode', 'NOT A CODE');
  await page.fill('#hf-residents-0-date-of-birth', '21/04/1938');
  await page.click('#household-form-submit');
  await expectText(page, '#hf-postcode-error', /UK postcode/);
  await expectText(page, '#hf-residents-0-date-of-birth-error', /YYYY-MM-DD/);
  await expectText(page, '#household-form-message', /Not saved: 2 fields need correcting/);
  check(await page.getAttribute('#hf-postcode', 'aria-invalid') === 'true', 'the postcode is marked invalid');
  await shot('records-edit-errors.png');
  await page.fill('#hf-postcode', 'CF10 1AB');
  await page.fill('#hf-residents-0-date-of-birth', '1938-04-21');
  await page.click('#household-form-submit');
  await page.locator('#view-household').waitFor({ state: 'visible' });
  await expectText(page, '#household-title', /^Gwen · CF10 1AB$/);
  check(await page.locator('#household-reveal').isVisible(), 'the edit kept the key safe code');

  // --- and adds one: a form missing its required fields says which, then saves
  await page.click('a[data-view="households"]');
  await page.click('#household-new');
  await page.locator('#hf-address-lines-0').waitFor();
  await page.click('#household-form-submit');
  await expectText(page, '#hf-postcode-error', /./);
  await expectText(page, '#hf-residents-0-name-error', /./);
  await page.fill('#hf-address-lines-0', '5 Invented Walk');
  await page.fill('#hf-postcode', 'ZZ99 1AB');
  await page.fill('#hf-residents-0-name', 'Ivy Madeup');
  await page.fill('#hf-hubs', 'hub-0009');
  await page.click('#household-form-submit');
  await expectText(page, '#household-title', /^Ivy Madeup · ZZ99 1AB$/);
  await expectText(page, '#household-body [data-hub="hub-0009"]', /not heard from yet/);

  // --- a care user: their caseload only, read only
  await logout();
  await login('carl');
  await page.locator('#view-households').waitFor({ state: 'visible' });
  await expectText(page, '#households-title', /Your team's caseload/);
  await expectText(page, '#households-message', /^1 household\.$/);
  await expectText(page, '#households-body', /Gwen/);
  check(!(await page.textContent('#households-body')).includes('Otto'), "another team's household is not listed");
  for (const view of ['queue', 'history'])
    check(await page.locator(`a[data-view="${view}"]`).isHidden(), `no ${view} view for a care user`);
  await shot('records-care-caseload.png');
  await page.locator('#households-body a').first().click();
  await expectText(page, '#household-title', /^Gwen · CF10 1AB$/);
  await expectText(page, '#household-body [data-id="hub-0001-1"]', /Pendant/);
  check(await page.locator('#household-reveal').count() === 0, 'no key safe reveal for a care user');
  check(!(await page.textContent('#household-body')).includes('water butt'), 'no access details for a care user');
  for (const control of ['#ack-button', '#resolve-form', '#reopen-button'])
    check(await page.locator(control).isHidden(), `no ${control} for a care user`);
  await page.evaluate((id) => (location.hash = `household/${id}`), otherId);
  await expectText(page, '#household-title', /^Household not found$/);
  check(!(await page.textContent('#view-household')).includes('Otto'), "nothing of another team's household shows");
  await shot('records-care-not-found.png');
  check(pageErrors.length === 0, `no script errors on the page (${pageErrors.join('; ')})`);
}

async function login(user) {
  await page.locator('#login-form').waitFor({ state: 'visible' });
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.locator('#app').waitFor({ state: 'visible' });
  await expectText(page, '#who-user', new RegExp(`^${user}$`));
}

async function logout() {
  await page.click('#logout');
  await page.locator('#login-form').waitFor({ state: 'visible' });
}

async function shot(name) {
  await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
}

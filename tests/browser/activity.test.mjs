// Activity insights in the console, in a real Chromium against a real warden-centre and Mosquitto:
// eight weeks of generated hourly summaries with an infection pattern in the last week (more
// night-time bathroom visits) reach the centre through its real ingest (mosquitto_pub, as a hub
// would send them); a care user of the household's team sees it in the list of their caseload's
// notices (the Notices view), opens the household from there, sees the activity view
// with the notice and its evidence, the day x hour chart and the trends with their band, switches to
// 28 days, and prints the report (to a PDF, in print media); the views are in the audit; a care user
// of another team gets "not found".
//
// Environment and exit codes as tests/browser/console.test.mjs (see harness.mjs). Screenshots and the
// PDF: activity-* in WARDEN_ARTIFACTS_DIR.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  apiSession, binDir, BrowserTest, browserOrSkip, centreBin, centreCommand, check, expectText, findProgram, freePort,
  launch, startBroker, startCentre, timeScale, writeCentreConfig,
} from './harness.mjs';

const chromium = await browserOrSkip();
let context = null;
let page = null;
const t = new BrowserTest('browser_activity', {
  tmpPrefix: 'warden-activity-', limitMs: 180_000, failureShot: 'activity-failure.png', browser: () => ({ context, page }),
});
const { tmp, children, artifacts, browserLog, pageErrors } = t;
const password = 'correct-horse-battery';
const weeksBin = path.join(binDir, 'warden-activity-weeks');
await t.run(run);

// ------------------------------------------------------------------------------------------------

async function run() {
  check(fs.existsSync(centreBin), `no warden-centre at ${centreBin} (build it, or set WARDEN_BIN_DIR)`);
  check(fs.existsSync(weeksBin), `no warden-activity-weeks at ${weeksBin} (build it)`);
  const mqttPort = await startBroker(children, tmp);
  const httpPort = await freePort();
  const config = writeCentreConfig(tmp, mqttPort, httpPort, ['[activity]', 'night_bathroom_nights = 3']);
  for (const team of ['north', 'south']) centreCommand(['--config', config, 'team', 'add', team]);
  centreCommand(['--config', config, 'user', 'add', 'admin1', '--role', 'admin'], `${password}\n`);
  centreCommand(['--config', config, 'user', 'add', 'carl', '--role', 'care', '--team', 'north'], `${password}\n`);
  centreCommand(['--config', config, 'user', 'add', 'sian', '--role', 'care', '--team', 'south'], `${password}\n`);
  const base = `http://127.0.0.1:${httpPort}`;
  await startCentre(t, config, base);

  // --- a fictional household on the north team's caseload, its hub linked before summaries arrive
  const admin = await apiSession(base, 'admin1', password);
  const made = await admin.post('/api/households', {
    address_lines: ['3 Example Terrace'], postcode: 'CF10 2AA', hubs: ['hub-act'], team: 'north',
    residents: [{ name: 'Morwenna Fictional', preferred_name: 'Wenna' }],
  });
  check(made.status === 201, `household created (${made.status} ${JSON.stringify(made.body)})`);
  const id = made.body.id;

  // --- 8 weeks of summaries, 4 to 5 night-time bathroom visits a night for the last 5 nights, sent
  // through the broker on the hub's topic, as the hub sends them (QoS 1)
  const gen = spawnSync(weeksBin, ['--hub', 'hub-act', '--days', '56', '--change', 'uti:51'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  check(gen.status === 0, `warden-activity-weeks ran: ${gen.stderr}`);
  const lines = gen.stdout.trim().split('\n');
  check(lines.length > 1300, `eight weeks of hours (${lines.length})`);
  const pub = findProgram('mosquitto_pub', ['/usr/bin/mosquitto_pub']);
  const sent = spawnSync(pub, ['-h', '127.0.0.1', '-p', String(mqttPort), '-q', '1', '-t', 'warden/v1/hub-act/activity', '-l'],
    { input: gen.stdout, encoding: 'utf8', timeout: 60_000 * timeScale });
  check(sent.status === 0, `mosquitto_pub sent the summaries: ${sent.stderr}`);

  // --- stored: the centre's view from the API shows every day and the notice
  const carl = await apiSession(base, 'carl', password);
  let view = null;
  // Up to 30 s (longer under a sanitizer): the centre stores the 1,344 hours one message at a time.
  for (let i = 0; i < 200 * timeScale; i += 1) {
    view = (await carl.get(`/api/households/${id}/activity?days=14`)).body;
    if (view?.notices?.some((n) => n.kind === 'night_bathroom') && view.days.filter((d) => !d.missing).length >= 13) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  const notice = view?.notices?.find((n) => n.kind === 'night_bathroom');
  check(notice && notice.active, `an active night-time bathroom notice (${JSON.stringify(view?.notices)})`);

  // --- the care user in the console
  context = await launch(chromium, path.join(tmp, 'chromium-profile'));
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
  await page.goto(`${base}/`);
  await login('carl');

  // --- the caseload's notices: the household is listed with its notice, and its link opens it
  await page.click('#notices-tab');
  const listed = page.locator(`#notices-body tr[data-household="${id}"][data-kind="night_bathroom"]`);
  await expectText(page, listed, /Wenna.*CF10 2AA.*More night-time bathroom visits.*nights running/);
  await expectText(page, '#notices-message', /^1 household with an active notice \(1 household looked at\)\.$/);
  check(await page.locator('#notices-body tr').count() === 1, 'only the active notice is listed');
  await shot('activity-notices.png');
  await listed.locator('a').click();
  await expectText(page, '#household-title', /^Wenna · CF10 2AA$/);
  await page.locator('#household-activity').waitFor({ state: 'visible' });
  const card = page.locator('#activity-notices .activity-notice[data-kind="night_bathroom"]');
  await expectText(page, card, /More night-time bathroom visits.*Active since.*nights running.*visits/);
  const evidence = await card.locator('.evidence').textContent();
  check(/usual \d+(\.\d)? a night/.test(evidence), `the evidence gives the usual figure (${evidence})`);
  check(await card.locator('.evidence-days tbody tr').count() >= 3, 'the evidence lists the nights');
  check(await page.locator('#activity-grid svg.activity-grid rect').count() > 14 * 24, 'the day x hour chart is drawn');
  check(await page.locator('#activity-trends svg[data-metric="night_bathroom"] polygon.band').count() === 1,
    'the night-time bathroom trend has its baseline band');
  check(await page.locator('#activity-trends svg[data-metric="night_bathroom"] path.value').count() === 1, 'and its line');
  await shot('activity-14-days.png');
  await page.click('.activity-days[data-days="28"]');
  await expectText(page, '#activity-message', /^The last 28 days: \d+ with data\.$/);
  const rows = await page.locator('#activity-grid svg text').allTextContents();
  check(rows.filter((t) => /^\d{4}-\d{2}-\d{2}$/.test(t)).length === 28, 'the chart has 28 days');
  await shot('activity-28-days.png');

  // --- the printable report: as the link opens it, printed to PDF in print media
  const href = await page.getAttribute('#activity-report', 'href');
  check(/\/activity\/report\?days=28/.test(href), `the report link follows the days shown (${href})`);
  const report = await context.newPage();
  await report.goto(`${base}${href}`);
  await expectText(report, 'h1', /Activity report: household/);
  await expectText(report, '.notice', /More night-time bathroom visits \(active/);
  await report.emulateMedia({ media: 'print' });
  check(await report.locator('.toolbar').isHidden(), 'the print hint is not printed');
  const pdf = path.join(artifacts, 'activity-report.pdf');
  await report.pdf({ path: pdf, format: 'A4', printBackground: true });
  const bytes = fs.readFileSync(pdf);
  check(bytes.subarray(0, 5).toString() === '%PDF-' && bytes.length > 20_000, `a PDF report (${bytes.length} bytes)`);
  const pages = (bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  check(pages >= 2 && pages <= 8, `the report prints on a few pages (${pages})`);
  await report.close();

  // --- each view audited; another team's care user gets "not found"
  const audit = (await admin.get('/api/audit?limit=500')).body;
  const views = audit.filter((e) => e.user === 'carl' && e.target === String(id)).map((e) => e.action);
  check(views.includes('activity_read') && views.includes('activity_report') && views.includes('activity_notices'),
    `the care user's views, the report and the notices list are audited (${JSON.stringify(views)})`);
  const sian = await apiSession(base, 'sian', password);
  check((await sian.get(`/api/households/${id}/activity`)).status === 404, "another team's care user: 404");
  check((await sian.get(`/api/households/${id}/activity/report`)).status === 404, 'and for the report');
  const theirs = (await sian.get('/api/activity/notices')).body;
  check(theirs.households.length === 0 && theirs.checked === 0, `nor in their notices list (${JSON.stringify(theirs)})`);
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

async function shot(name) {
  await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
}

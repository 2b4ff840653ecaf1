// End-to-end test of the operator console in a real Chromium, against a real warden-centre and a
// real Mosquitto: log in, see a critical pendant alert arrive live and hear it (the tones the page
// starts on the Web Audio API are counted, with whether its audio context runs), acknowledge it (the
// beeping stops), resolve it with an outcome and note, read its history, find it in the history
// search, see the code-of-practice figures, and see the disconnection banner when the centre goes
// away and comes back.
//
//   WARDEN_BIN_DIR     folder with warden-centre (default: <source>/build/bin)
//   WARDEN_SOURCE_DIR  the checkout (default: two folders up from this file)
//   CHROMIUM           the browser (default /usr/bin/chromium)
//   WARDEN_ARTIFACTS_DIR  where screenshots go (CTest sets <build>/artifacts/browser;
//                      default: a temporary folder, never the source tree)
//   WARDEN_REQUIRE_BROWSER=1  a missing Chromium or playwright-core fails the test instead of
//                      skipping it (scripts/test and CI set it: they install both)
//
// Exit 0 passed, 1 failed, 77 skipped (no Chromium or no playwright-core: run scripts/deps --browser).
// Screenshots are written to the artifacts folder (console.png on failure too).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const requireBrowser = process.env.WARDEN_REQUIRE_BROWSER === '1';
const SKIP = requireBrowser ? 1 : 77;
const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = path.resolve(process.env.WARDEN_SOURCE_DIR || path.join(here, '..', '..'));
const binDir = path.resolve(process.env.WARDEN_BIN_DIR || path.join(sourceDir, 'build', 'bin'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.resolve(
  process.env.WARDEN_ARTIFACTS_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'warden-browser-artifacts-')),
);
fs.mkdirSync(artifacts, { recursive: true });
const screenshot = path.join(artifacts, 'console.png');

if (!fs.existsSync(chromiumPath)) {
  console.log(`${requireBrowser ? 'FAIL' : 'SKIP'}: no Chromium at ${chromiumPath} (set CHROMIUM, or run scripts/deps --browser)`);
  process.exit(SKIP);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log(`${requireBrowser ? 'FAIL' : 'SKIP'}: playwright-core is not installed in tests/browser (run scripts/deps --browser)`);
  process.exit(SKIP);
}

const centreBin = path.join(binDir, 'warden-centre');
const mosquittoBin = findProgram('mosquitto', ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']);
const mosquittoPub = findProgram('mosquitto_pub', ['/usr/bin/mosquitto_pub']);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-browser-'));
const children = new Set();
let context = null;
let page = null;
const pageErrors = [];
const browserLog = [];

const watchdog = setTimeout(() => {
  console.error('FAIL: the test took longer than 180 s');
  cleanup().finally(() => process.exit(1));
}, 180_000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanup().finally(() => process.exit(1)));

let failed = false;
try {
  await run();
  console.log('PASS: browser_console');
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.stack || e}`);
  if (browserLog.length) console.error(`--- browser console ---\n${browserLog.slice(-40).join('\n')}`);
  const log = path.join(tmp, 'centre.log');
  if (fs.existsSync(log)) console.error(`--- centre log (tail) ---\n${tail(fs.readFileSync(log, 'utf8'), 40)}`);
} finally {
  if (page) {
    try {
      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`screenshot: ${path.relative(process.cwd(), screenshot) || screenshot}`);
    } catch (e) {
      console.error(`could not save the screenshot: ${e.message}`);
    }
  }
  await cleanup();
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);

// ------------------------------------------------------------------------------------------------

async function run() {
  check(fs.existsSync(centreBin), `no warden-centre at ${centreBin} (build it, or set WARDEN_BIN_DIR)`);
  check(mosquittoBin && mosquittoPub, 'mosquitto and mosquitto_pub are needed (scripts/deps)');

  // --- a broker of our own
  const mqttPort = await freePort();
  fs.mkdirSync(path.join(tmp, 'mosquitto'));
  const mosqConf = path.join(tmp, 'mosquitto.conf');
  fs.writeFileSync(
    mosqConf,
    [
      `listener ${mqttPort} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${path.join(tmp, 'mosquitto')}${path.sep}`,
      'log_dest stderr',
      '',
    ].join('\n'),
  );
  start('mosquitto', mosquittoBin, ['-c', mosqConf]);
  await waitForPort(mqttPort, 10_000);

  // --- the centre, its database in the temp dir, serving the console from the source tree
  const httpPort = await freePort();
  const config = path.join(tmp, 'centre.toml');
  fs.writeFileSync(
    config,
    [
      '[centre]',
      `database = ${JSON.stringify(path.join(tmp, 'centre.db'))}`,
      '[mqtt]',
      `uri = "tcp://127.0.0.1:${mqttPort}"`,
      '[http]',
      `listen = "127.0.0.1:${httpPort}"`,
      `web_root = ${JSON.stringify(path.join(sourceDir, 'centre', 'web'))}`,
      '',
    ].join('\n'),
  );
  const password = 'op1-correct-horse';
  const add = spawnSync(centreBin, ['--config', config, 'user', 'add', 'op1', '--role', 'operator'], {
    input: `${password}\n`,
    encoding: 'utf8',
    timeout: 30_000,
  });
  check(add.status === 0, `user add failed (${add.status}): ${add.stderr}${add.stdout}`);
  const addTech = spawnSync(centreBin, ['--config', config, 'user', 'add', 'tech1', '--role', 'technician'], {
    input: `${password}\n`,
    encoding: 'utf8',
    timeout: 30_000,
  });
  check(addTech.status === 0, `user add tech1 failed (${addTech.status}): ${addTech.stderr}`);

  const base = `http://127.0.0.1:${httpPort}`;
  const startCentre = async () => {
    const child = start('centre', centreBin, ['--config', config], path.join(tmp, 'centre.log'));
    await waitForHealth(base, 20_000);
    return child;
  };
  let centre = await startCentre();

  // --- the browser: a fresh profile, no network beyond loopback
  const profile = path.join(tmp, 'chromium-profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  // Count every tone the page really starts on the Web Audio API (frequency, and whether the audio
  // context was running, i.e. audible), so the test can tell a beep played from one merely wanted.
  await context.addInitScript(() => {
    window.__wardenTones = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
      window.__wardenTones.push({ frequency: this.frequency.value, running: this.context.state === 'running' });
      return start.apply(this, args);
    };
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
  let navigations = 0;
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations += 1;
  });

  // --- log in
  await page.goto(`${base}/`);
  await page.locator('#login-form').waitFor({ state: 'visible' });
  await page.fill('#login-user', 'op1');
  await page.fill('#login-password', 'not the password');
  await page.click('#login-submit');
  await expectText('#login-message', /wrong user name or password/i);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.locator('#app').waitFor({ state: 'visible' });
  await expectText('#who-user', /^op1$/);
  await expectText('#who-role', /^operator$/);
  await page.waitForSelector('#conn[data-state="live"]');
  check(await page.locator('#queue-empty').isVisible(), 'the queue starts empty');
  check(await page.locator('a[data-view="audit"]').isHidden(), 'an operator does not get the audit view');
  const navigationsAfterLogin = navigations;

  // --- a critical pendant alert from a simulated hub arrives live
  const alert = {
    id: 'hub-test-1',
    hub: 'hub-test',
    seq: 1,
    type: 'pendant',
    state: 'raised',
    priority: 'critical',
    sia: 'QA',
    at: new Date().toISOString(),
    rule: 'pendant',
    sensor: 'pendant',
    location: 'worn',
    text: 'Pendant pressed <b>now</b>', // markup in text must show as text
  };
  check((await tones()).length === 0, 'no beep while no critical alert waits');
  publish(mqttPort, 'warden/v1/hub-test/alert', alert);
  const row = page.locator('#queue-body tr[data-id="hub-test-1"]');
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  check(navigations === navigationsAfterLogin, 'the alert arrived without reloading the page');
  const rowClass = await row.getAttribute('class');
  check(/\bprio-critical\b/.test(rowClass) && /\bflash\b/.test(rowClass), `critical cue on the row (class="${rowClass}")`);
  await expectText(row.locator('td.prio'), /\u26A0\s*critical/i);
  await expectText(row.locator('td').nth(1), /^Pendant$/);
  await expectText(row.locator('td').nth(2), /^hub-test$/);
  await expectText(row.locator('td').nth(3), /pendant.*worn/);
  await expectText(row.locator('td').nth(4), /^Pendant pressed <b>now<\/b>$/);
  check((await row.locator('b').count()) === 0, 'alert text is never parsed as HTML');
  await expectText(row.locator('td.status'), /Open/);
  await expectText('#queue-critical', /1 critical/);
  check(/CRITICAL/.test(await page.title()), 'the page title shows the critical alert');
  // The login click unlocked the sound: the alarm is audible, and a three-tone beep is actually played,
  // and repeated (every 2 s) while nobody has taken the call.
  await page.waitForFunction(() => document.body.dataset.alarm === 'sounding', null, { timeout: 5_000 });
  await page.waitForFunction(() => window.__wardenTones.filter((t) => t.running).length >= 6, null, { timeout: 6_000 });
  const played = (await tones()).filter((t) => t.running);
  check(
    JSON.stringify(played.slice(0, 3).map((t) => t.frequency)) === JSON.stringify([988, 740, 988]),
    `the beep is the three-tone alarm (played ${JSON.stringify(played.slice(0, 3))})`,
  );
  const animation = () => row.evaluate((tr) => getComputedStyle(tr).animationName);
  check((await animation()) === 'flash', 'the critical row flashes');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  check((await animation()) === 'none', 'no flashing when the user asks for reduced motion');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  const firstAge = await row.locator('td.age').textContent();
  await page.waitForFunction(
    (before) => document.querySelector('#queue-body tr[data-id="hub-test-1"] td.age')?.textContent !== before,
    firstAge,
    { timeout: 5_000 },
  );
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'console-critical.png') });

  // --- open it, acknowledge
  await row.click();
  await page.locator('#detail').waitFor({ state: 'visible' });
  await expectText('#detail-title', /Pendant.*hub-test/);
  await page.locator('#ack-button').waitFor({ state: 'visible' });
  await page.click('#ack-button');
  await expectText(row.locator('td.status'), /Acknowledged.*by op1/);
  await page.waitForFunction(() => !document.querySelector('#queue-body tr[data-id="hub-test-1"]')?.classList.contains('flash'));
  await page.waitForFunction(() => document.body.dataset.alarm === 'off');
  await expectText('#detail-message', /Acknowledged/);
  // Acknowledged: the beeping stops.
  const tonesAtAck = (await tones()).length;
  await page.waitForTimeout(2_500);
  check((await tones()).length === tonesAtAck, 'no beep after the alert was acknowledged');

  // --- resolve with an outcome and a note
  await page.locator('#resolve-form').waitFor({ state: 'visible' });
  await page.click('#resolve-button'); // no outcome chosen yet: refused on the page
  await expectText('#detail-message', /Choose an outcome/);
  await page.selectOption('#resolve-outcome', 'resident_ok');
  await page.fill('#resolve-note', 'Spoke to resident, pressed by mistake');
  await page.click('#resolve-button');
  await row.waitFor({ state: 'detached' });
  await page.locator('#queue-empty').waitFor({ state: 'visible' });
  await expectText('#detail-message', /Resolved: Resident OK/);

  // --- the history shows both actions with the user
  const acked = page.locator('#detail-history tr[data-action="acknowledged"]');
  const resolved = page.locator('#detail-history tr[data-action="resolved"]');
  await acked.waitFor();
  await expectText(acked.locator('td.user'), /^op1$/);
  await expectText(resolved.locator('td.user'), /^op1$/);
  await expectText(resolved, /Resident OK.*Spoke to resident, pressed by mistake/);
  check((await page.locator('#detail-history tr[data-action="received"]').count()) === 1, 'history starts with receipt');

  // --- the history view finds it, with outcome and note
  await page.keyboard.press('Escape');
  await page.locator('#detail').waitFor({ state: 'hidden' });
  await page.keyboard.press('3');
  await page.locator('#view-history').waitFor({ state: 'visible' });
  await page.fill('#history-q', 'pressed by mistake');
  await page.click('#history-form button[type="submit"]');
  const found = page.locator('#history-body tr[data-id="hub-test-1"]');
  await found.waitFor();
  await expectText(found, /Resident OK/);
  await expectText(found, /Spoke to resident, pressed by mistake/);
  await expectText(found, /Resolved/);

  // --- the code-of-practice figures: answered within 60 s, so both targets are met
  await page.keyboard.press('4');
  await page.locator('#view-performance').waitFor({ state: 'visible' });
  await page.waitForSelector('#perf-cards .card[data-meets="true"]');
  check((await page.locator('#perf-cards .card[data-meets="true"]').count()) === 2, 'both targets met');

  // --- the stream drops: a banner; the centre comes back: live again, and new alerts still arrive
  await page.keyboard.press('1');
  await stop(centre);
  await page.locator('#stream-banner').waitFor({ state: 'visible', timeout: 15_000 });
  await expectText('#stream-banner', /disconnected/i);
  centre = await startCentre();
  await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });
  await page.locator('#stream-banner').waitFor({ state: 'hidden' });
  publish(mqttPort, 'warden/v1/hub-test/alert', {
    ...alert,
    id: 'hub-test-2',
    seq: 2,
    type: 'flood',
    priority: 'high',
    sia: 'WA',
    rule: 'flood',
    sensor: 'kitchen-leak',
    location: 'kitchen',
    text: 'Water detected',
    at: new Date().toISOString(),
  });
  const second = page.locator('#queue-body tr[data-id="hub-test-2"]');
  await second.waitFor({ timeout: 10_000 });
  check(/\bprio-high\b/.test(await second.getAttribute('class')), 'the flood alert is high priority');
  check(!/\bflash\b/.test(await second.getAttribute('class')), 'only critical alerts flash');

  // --- hubs view shows the simulated hub
  await page.keyboard.press('2');
  await page.locator('#hubs-body tr[data-hub="hub-test"]').waitFor();
  check((await page.locator('#hubs-body button[data-test-hub]').count()) === 0, 'operators cannot send test alarms');
  await page.keyboard.press('1');
  await page.keyboard.press('j'); // keyboard: the first (only) alert opens in the panel
  await expectText('#detail-title', /Flood.*hub-test/);
  await page.locator('#ack-button').waitFor({ state: 'visible' });
  await page.keyboard.press('a');
  await expectText(second.locator('td.status'), /Acknowledged.*by op1/);

  // --- log out; a technician sees the queue but cannot take alerts, and can send a test alarm
  await page.click('#logout');
  await page.locator('#login-form').waitFor({ state: 'visible' });
  await expectText('#login-message', /logged out/i);
  await page.fill('#login-user', 'tech1');
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await expectText('#who-role', /^technician$/);
  await page.waitForSelector('#conn[data-state="live"]');
  await second.click();
  await page.locator('#detail-role-note').waitFor({ state: 'visible' });
  check(await page.locator('#ack-button').isHidden(), 'technicians get no Acknowledge button');
  check(await page.locator('#resolve-form').isHidden(), 'technicians get no Resolve form');
  check(await page.locator('#mute').isHidden(), 'technicians get no alarm sound control');
  await page.keyboard.press('2');
  await page.click('#hubs-body button[data-test-hub="hub-test"]');
  await expectText('#hubs-message', /Test alarm requested from hub-test/);
  await page.keyboard.press('1');

  check(pageErrors.length === 0, `no script errors in the page: ${pageErrors.join('; ')}`);
}

// ------------------------------------------------------------------------------------------------

function tones() {
  return page.evaluate(() => window.__wardenTones ?? []);
}

function check(ok, what) {
  if (!ok) throw new Error(`expected: ${what}`);
}

async function expectText(target, pattern, timeout = 10_000) {
  const locator = typeof target === 'string' ? page.locator(target) : target;
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = ((await locator.first().textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => '')) ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${locator} to match ${pattern}, it reads "${text}"`);
}

function findProgram(name, candidates) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

function start(name, program, args, logFile = path.join(tmp, `${name}.log`)) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(program, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.name = name;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child, graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function cleanup() {
  try {
    await context?.close();
  } catch {
    // the browser may already be gone
  }
  context = null;
  await Promise.all([...children].map((c) => stop(c)));
  fs.rmSync(tmp, { recursive: true, force: true });
}

function publish(port, topic, payload) {
  const r = spawnSync(mosquittoPub, ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', JSON.stringify(payload)], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  check(r.status === 0, `mosquitto_pub succeeded: ${r.stderr}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port} after ${timeout} ms`);
}

async function waitForHealth(base, timeout) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`warden-centre not healthy at ${base}/healthz after ${timeout} ms (${last})`);
}

function tail(text, lines) {
  return text.split('\n').slice(-lines).join('\n');
}

// What the browser tests share: finding Chromium and playwright-core (skip with 77 when missing,
// unless WARDEN_REQUIRE_BROWSER=1), a Mosquitto and a warden-centre of their own on free loopback
// ports in a temporary folder, an API session from node, waiting for text on the page, and the
// scaffold around each test's steps (BrowserTest: watchdog, failure report, clean-up).
//
//   WARDEN_BIN_DIR     folder with warden-centre (default: <source>/build/bin)
//   WARDEN_SOURCE_DIR  the checkout (default: two folders up from this file)
//   CHROMIUM           the browser (default /usr/bin/chromium)
//   WARDEN_ARTIFACTS_DIR  where screenshots go (default: a temporary folder, never the source tree)
//   WARDEN_TEST_TIME_SCALE  how many times longer the waits here are (the sanitizer runs set it)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const requireBrowser = process.env.WARDEN_REQUIRE_BROWSER === '1';
export const sourceDir = path.resolve(process.env.WARDEN_SOURCE_DIR || path.join(here, '..', '..'));
export const binDir = path.resolve(process.env.WARDEN_BIN_DIR || path.join(sourceDir, 'build', 'bin'));
export const centreBin = path.join(binDir, 'warden-centre');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
/** Waits for something to happen are this many times longer: the sanitizer builds are slower. */
export const timeScale = Math.min(20, Math.max(1, Math.trunc(Number(process.env.WARDEN_TEST_TIME_SCALE) || 1)));

/** The screenshots folder (created). */
export function artifactsDir() {
  const dir = path.resolve(
    process.env.WARDEN_ARTIFACTS_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'warden-browser-artifacts-')),
  );
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** playwright-core's chromium, or exits 77 (skip; 1 when WARDEN_REQUIRE_BROWSER=1) if it cannot run. */
export async function browserOrSkip() {
  const skip = requireBrowser ? 1 : 77;
  const word = requireBrowser ? 'FAIL' : 'SKIP';
  if (!fs.existsSync(chromiumPath)) {
    console.log(`${word}: no Chromium at ${chromiumPath} (set CHROMIUM, or run scripts/deps --browser)`);
    process.exit(skip);
  }
  try {
    return (await import('playwright-core')).chromium;
  } catch {
    console.log(`${word}: playwright-core is not installed in tests/browser (run scripts/deps --browser)`);
    process.exit(skip);
  }
}

/** A headless Chromium with a fresh profile in `profileDir`, no network beyond loopback. */
export function launch(chromium, profileDir) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
}

export function check(ok, what) {
  if (!ok) throw new Error(`expected: ${what}`);
}

export function findProgram(name, candidates) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return p;
  }
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

export function tail(text, lines) {
  return text.split('\n').slice(-lines).join('\n');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, timeout) {
  const deadline = Date.now() + timeout * timeScale;
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

export async function waitForHealth(base, timeout) {
  const deadline = Date.now() + timeout * timeScale;
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

/** The programs a test starts, stopped together at the end. */
export class Children {
  #set = new Set();

  start(name, program, args, logFile) {
    const out = fs.openSync(logFile, 'a');
    const child = spawn(program, args, { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    child.name = name;
    this.#set.add(child);
    child.on('exit', () => this.#set.delete(child));
    return child;
  }

  async stopAll() {
    await Promise.all([...this.#set].map((c) => stop(c)));
  }
}

export async function stop(child, graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A Mosquitto of the test's own in `tmp`; answers its port. */
export async function startBroker(children, tmp) {
  const mosquitto = findProgram('mosquitto', ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']);
  check(mosquitto, 'mosquitto is needed (scripts/deps)');
  const port = await freePort();
  fs.mkdirSync(path.join(tmp, 'mosquitto'), { recursive: true });
  const conf = path.join(tmp, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true',
    `persistence_location ${path.join(tmp, 'mosquitto')}${path.sep}`, 'log_dest stderr', '',
  ].join('\n'));
  children.start('mosquitto', mosquitto, ['-c', conf], path.join(tmp, 'mosquitto.log'));
  await waitForPort(port, 10_000);
  return port;
}

/** Runs `warden-centre ARGS` to the end (a command, not the server), `input` on stdin. */
export function centreCommand(args, input = '') {
  const r = spawnSync(centreBin, args, { input, encoding: 'utf8', timeout: 30_000 * timeScale });
  check(r.status === 0, `warden-centre ${args.join(' ')} succeeded (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function publish(port, topic, payload) {
  const pub = findProgram('mosquitto_pub', ['/usr/bin/mosquitto_pub']);
  check(pub, 'mosquitto_pub is needed (scripts/deps)');
  const r = spawnSync(pub, ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', JSON.stringify(payload)], {
    encoding: 'utf8',
    timeout: 10_000 * timeScale,
  });
  check(r.status === 0, `mosquitto_pub succeeded: ${r.stderr}`);
}

/** Logs `user` in from node; answers {get(path), post(path, body)} resolving to {status, body}. */
export async function apiSession(base, user, password) {
  const res = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  check(res.ok, `${user} logs in through the API (${res.status})`);
  const me = await res.json();
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const call = async (method, p, body) => {
    const headers = { Cookie: cookie, Accept: 'application/json' };
    if (method === 'POST') Object.assign(headers, { 'X-CSRF-Token': me.csrf, 'Content-Type': 'application/json' });
    const r = await fetch(`${base}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { get: (p) => call('GET', p), post: (p, body) => call('POST', p, body ?? {}) };
}

/** Waits until `target`'s first match has text (spaces squeezed) matching `pattern`; answers it. */
export async function expectText(page, target, pattern, timeout = 10_000) {
  const locator = typeof target === 'string' ? page.locator(target) : target;
  const deadline = Date.now() + timeout * timeScale;
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

/**
 * What every browser test does around its steps: a temporary folder (`tmp`), the programs it starts
 * (`children`), the page's console lines and errors (`browserLog`, `pageErrors`, filled by the test's
 * own listeners), a watchdog (`limitMs`, scaled by WARDEN_TEST_TIME_SCALE), Ctrl-C, and on the way
 * out the browser closed, the programs stopped and the folder removed.
 *
 * `browser()` answers the test's current `{ context, page }` (either may be null). run(steps) prints
 * PASS, or FAIL with the browser's console and the centre log's tail, saves `failureShot` (or
 * `finalShot`, pass or fail) in the artifacts folder, and exits 0 or 1.
 */
export class BrowserTest {
  constructor(name, { tmpPrefix, browser, limitMs = 180_000, failureShot = null, finalShot = null }) {
    this.name = name;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    this.children = new Children();
    this.browserLog = [];
    this.pageErrors = [];
    this.artifacts = artifactsDir();
    this.browser = browser;
    this.limitMs = limitMs * timeScale;
    this.failureShot = failureShot;
    this.finalShot = finalShot;
  }

  async run(steps) {
    const watchdog = setTimeout(() => {
      console.error(`FAIL: the test took longer than ${this.limitMs / 1000} s`);
      this.cleanup().finally(() => process.exit(1));
    }, this.limitMs);
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => this.cleanup().finally(() => process.exit(1)));
    let failed = false;
    try {
      await steps();
      console.log(`PASS: ${this.name}`);
    } catch (e) {
      failed = true;
      console.error(`FAIL: ${e.stack || e}`);
      if (this.browserLog.length) console.error(`--- browser console ---\n${this.browserLog.slice(-40).join('\n')}`);
      const log = path.join(this.tmp, 'centre.log');
      if (fs.existsSync(log)) console.error(`--- centre log (tail) ---\n${tail(fs.readFileSync(log, 'utf8'), 40)}`);
    }
    const shot = this.finalShot ?? (failed ? this.failureShot : null);
    const { page } = this.browser();
    if (shot && page) {
      const file = path.join(this.artifacts, shot);
      try {
        await page.screenshot({ path: file, fullPage: true });
        console.log(`screenshot: ${path.relative(process.cwd(), file) || file}`);
      } catch (e) {
        console.error(`could not save the screenshot: ${e.message}`);
      }
    }
    await this.cleanup();
    clearTimeout(watchdog);
    process.exit(failed ? 1 : 0);
  }

  async cleanup() {
    try {
      await this.browser().context?.close();
    } catch {
      // the browser may already be gone
    }
    await this.children.stopAll();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/**
 * Writes `<tmp>/centre.toml`: the database in `tmp`, the broker on `mqttPort`, HTTP on `httpPort`,
 * the console served from the source tree, then `extra` lines (sections of the test's own).
 */
export function writeCentreConfig(tmp, mqttPort, httpPort, extra = []) {
  const config = path.join(tmp, 'centre.toml');
  fs.writeFileSync(config, [
    '[centre]',
    `database = ${JSON.stringify(path.join(tmp, 'centre.db'))}`,
    '[mqtt]',
    `uri = "tcp://127.0.0.1:${mqttPort}"`,
    '[http]',
    `listen = "127.0.0.1:${httpPort}"`,
    `web_root = ${JSON.stringify(path.join(sourceDir, 'centre', 'web'))}`,
    ...extra,
    '',
  ].join('\n'));
  return config;
}

/** Starts the centre of `config` (its log `<tmp>/centre.log`) and waits until `base` answers healthy. */
export async function startCentre(t, config, base) {
  const child = t.children.start('centre', centreBin, ['--config', config], path.join(t.tmp, 'centre.log'));
  await waitForHealth(base, 20_000);
  return child;
}

// The Warden operator console: session, live state, views and keyboard. See docs/operator-guide.md
// for how operators use it and docs/api.md for the API it speaks.

import { Api, ApiError } from './api.js';
import { byId, say, setText, typingInField } from './dom.js';
import { clock, compareQueue, inQueue, ms, sensorPlace, setAlertTypes, typeName } from './format.js';
import { LiveStream } from './live.js';
import { QueueView } from './queue.js';
import { DetailPanel } from './detail.js';
import { AlarmSound } from './sound.js';
import { AuditView, HistoryView, HubsView, PerformanceView, tickAges } from './views.js';
import { HouseholdsView, parseRoute, RECORD_RIGHTS } from './households.js';

const ROLES = {
  operator: { alerts: true, handle: true, reopen: false, stats: true, test: false, audit: false },
  supervisor: { alerts: true, handle: true, reopen: true, stats: true, test: true, audit: true },
  technician: { alerts: true, handle: false, reopen: false, stats: false, test: true, audit: false },
  admin: { alerts: false, handle: false, reopen: false, stats: false, test: true, audit: true },
};
const NO_RIGHTS = { alerts: false, handle: false, reopen: false, stats: false, test: false, audit: false };
const VIEW_NEEDS = { queue: 'alerts', hubs: null, history: 'alerts', performance: 'stats', audit: 'audit' };
Object.assign(VIEW_NEEDS, { households: 'records', household: 'records', 'household-edit': 'edit' });

const POLL_WHILE_DOWN_MS = 10_000; // keep the queue fresh-ish while the stream is down
const RESYNC_WHILE_LIVE_MS = 60_000; // belt and braces against a silently stalled stream
const BANNER_AFTER_MS = 3_000; // a first connection gets this long before the banner shows

const state = {
  me: null,
  perms: NO_RIGHTS,
  alerts: new Map(), // the open queue: id -> alert
  hubs: new Map(), // id -> hub
  seen: new Set(), // alert ids this console has already announced
  view: null,
  resyncing: false,
  resyncAgain: false,
  buffered: [],
  downSince: null,
  lastSync: null,
  timers: [],
};

const api = new Api(() => endSession('Your session has ended. Please log in again.'));
const sound = new AlarmSound();

const ctx = {
  api,
  householdLink: (alert) => households.alertLink(alert),
  perms: () => state.perms,
  role: () => state.me?.role ?? '',
  hubs: () => [...state.hubs.values()],
  openAlert: (id, opts) => openAlert(id, opts),
  changed: (alert) => applyAlert(alert, { fromServer: true }),
  closed: () => closeDetail(),
  waiting: () => {
    const open = [...state.alerts.values()].filter((a) => a.status === 'open');
    const oldest = open.reduce((m, a) => (m === null || ms(a.received_at) < ms(m) ? a.received_at : m), null);
    return { count: open.length, oldest };
  },
};

const queue = new QueueView(ctx);
const detail = new DetailPanel(ctx);
const hubsView = new HubsView(ctx);
const historyView = new HistoryView(ctx);
const perfView = new PerformanceView(ctx);
const auditView = new AuditView(ctx);
const households = new HouseholdsView(ctx);

const stream = new LiveStream({
  onopen: () => {
    state.downSince = null;
    showConnection();
    resync();
  },
  ondown: () => {
    state.downSince ??= Date.now();
    showConnection();
  },
  onclosed: async () => {
    // The centre refused the stream: a lost session sends us to the login page.
    try {
      if (!(await api.me())) endSession('Your session has ended. Please log in again.');
    } catch {
      // unreachable: the stream keeps retrying
    }
  },
  onalert: (alert) => (state.resyncing ? state.buffered.push(['alert', alert]) : applyAlert(alert, { live: true })),
  onhub: (hub) => (state.resyncing ? state.buffered.push(['hub', hub]) : applyHub(hub, { live: true })),
});

// ---------------------------------------------------------------- session

async function boot() {
  byId('login-form').addEventListener('submit', login);
  byId('logout').addEventListener('click', logout);
  byId('mute').addEventListener('click', toggleMute);
  byId('reconnect').addEventListener('click', () => {
    stream.reconnect();
    resync();
  });
  byId('enable-sound').addEventListener('click', () => sound.unlock());
  byId('help-button').addEventListener('click', () => byId('help').showModal());
  // Browsers allow sound only after a gesture: any click or key press unlocks it.
  document.addEventListener('pointerdown', () => sound.unlock(), { capture: true });
  document.addEventListener('keydown', () => sound.unlock(), { capture: true });
  document.addEventListener('keydown', shortcut);
  window.addEventListener('hashchange', () => showView(location.hash.slice(1)));
  sound.onchange = showSound;

  let me = null;
  try {
    me = await api.me();
  } catch (e) {
    showLogin(e.message);
    return;
  }
  if (me) startSession(me);
  else showLogin('');
}

async function login(event) {
  event.preventDefault();
  sound.unlock(); // the login click is the gesture that lets the alarm sound later
  const user = byId('login-user').value.trim();
  const password = byId('login-password').value;
  const message = byId('login-message');
  if (!user || !password) {
    setText(message, 'Enter your user name and password.');
    return;
  }
  const submit = byId('login-submit');
  submit.disabled = true;
  setText(message, '');
  try {
    const me = await api.login(user, password);
    byId('login-password').value = '';
    startSession(me);
  } catch (e) {
    let text = e.message;
    if (e instanceof ApiError && e.status === 401) text = 'Wrong user name or password.';
    if (e instanceof ApiError && e.status === 429) text = 'Too many failed attempts. Wait a minute and try again.';
    setText(message, text);
    byId('login-password').select();
  } finally {
    submit.disabled = false;
  }
}

function showLogin(text) {
  byId('app').hidden = true;
  byId('login-view').hidden = false;
  setText(byId('login-message'), text);
  document.title = 'Log in \u2014 Warden console';
  (byId('login-user').value ? byId('login-password') : byId('login-user')).focus();
}

async function startSession(me) {
  state.me = me;
  state.perms = ROLES[me.role] ?? NO_RIGHTS;
  state.alerts.clear();
  state.hubs.clear();
  state.seen.clear();
  state.lastSync = null;
  state.downSince = null;
  setText(byId('who-user'), me.user);
  setText(byId('who-role'), me.role);
  state.perms = { ...state.perms, ...RECORD_RIGHTS[me.role] }; // households, edit, reveal, live
  for (const el of document.querySelectorAll('[data-needs]')) el.hidden = !state.perms[el.dataset.needs];
  byId('login-view').hidden = true;
  byId('app').hidden = false;
  document.body.dataset.role = me.role;

  state.downSince = state.perms.live ? Date.now() : null;
  showConnection();
  if (state.perms.live) stream.start(); // a care user has no event stream
  state.timers.push(setInterval(() => tick(), 1000));
  state.timers.push(setInterval(() => periodicSync(), POLL_WHILE_DOWN_MS));
  showView(location.hash.slice(1));
  showSound();
  api.get('/api/outcomes').then((o) => detail.setOutcomes(o), () => {});
  // Type labels from the centre's alert catalogue; until they arrive (or if they never do) the queue
  // shows the type names in words, and is drawn again with the labels when they come.
  api.get('/api/alert-types').then((types) => {
    setAlertTypes(types);
    if (state.me) renderQueue();
  }, () => {});
  await resync();
}

function stopSession() {
  stream.stop();
  households.clear();
  sound.want(false);
  state.timers.forEach(clearInterval);
  state.timers = [];
  state.me = null;
  state.perms = NO_RIGHTS;
  state.alerts.clear();
  state.hubs.clear();
  detail.hide();
  layoutDetail();
  queue.render([]);
  renderHubs();
  // Leave nothing of this session on the page for the next person to log in.
  for (const id of ['history-body', 'audit-body', 'perf-cards']) byId(id).replaceChildren();
  for (const id of ['history-message', 'audit-message', 'perf-message', 'hubs-message']) say(byId(id), '');
  byId('history-form').reset();
  document.title = 'Warden console';
}

function endSession(text) {
  if (!state.me) return;
  stopSession();
  showLogin(text);
}

async function logout() {
  try {
    await api.logout();
  } catch {
    // the session is dropped on this side anyway
  }
  stopSession();
  showLogin('You have logged out.');
}

// ---------------------------------------------------------------- live state

/** Reloads the queue and hubs from the API, then applies events that arrived meanwhile. */
async function resync() {
  if (!state.me) return;
  if (state.resyncing) {
    // A load is in flight but may predate the stream's (re)connection: load once more after it.
    state.resyncAgain = true;
    return;
  }
  state.resyncing = true;
  state.resyncAgain = false;
  state.buffered = [];
  try {
    const [alerts, hubs] = await Promise.all([
      state.perms.alerts ? api.get('/api/alerts?state=open&limit=1000') : Promise.resolve(null),
      api.get('/api/hubs'),
    ]);
    if (!state.me) return;
    if (alerts) {
      const first = state.lastSync === null;
      state.alerts.clear();
      for (const a of alerts) {
        if (!inQueue(a)) continue;
        state.alerts.set(a.id, a);
        // Alerts already waiting at login are not "new", but ones missed during a disconnection are.
        if (!state.seen.has(a.id)) {
          state.seen.add(a.id);
          if (!first) announceNew(a);
        }
      }
    }
    state.hubs.clear();
    for (const hub of hubs) state.hubs.set(hub.id, hub);
    state.lastSync = Date.now();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) console.warn('warden: resync failed', e.message);
  } finally {
    state.resyncing = false;
    const buffered = state.buffered;
    state.buffered = [];
    for (const [kind, data] of buffered) {
      if (kind === 'alert') applyAlert(data, { live: true });
      else applyHub(data, { live: true });
    }
    refreshAll();
    if (state.resyncAgain && state.me) resync();
  }
}

function periodicSync() {
  if (!state.me) return;
  const age = Date.now() - (state.lastSync ?? 0);
  if (!stream.connected || age >= RESYNC_WHILE_LIVE_MS) resync();
}

/** One alert from the stream, an action's answer, or the detail panel's reload. */
function applyAlert(alert, { live = false } = {}) {
  if (!alert || !alert.id || !state.perms.alerts) return;
  if (alert.state === 'cleared') {
    // A cleared notice: the raised alert it names gets its own update; just refresh the panel.
    if (detail.id && (detail.id === alert.clears || detail.id === alert.id)) detail.refresh();
    return;
  }
  const known = state.alerts.get(alert.id);
  if (inQueue(alert)) state.alerts.set(alert.id, { ...known, ...alert, history: undefined });
  else state.alerts.delete(alert.id);
  if (live && !state.seen.has(alert.id)) {
    state.seen.add(alert.id);
    if (inQueue(alert)) announceNew(alert);
  }
  renderQueue();
  if (live && detail.id === alert.id) detail.refresh();
  // The centre sends no `hub` event for a hub first heard through an alert: fetch the hubs then.
  if (live && alert.hub && !state.hubs.has(alert.hub)) reloadHubsSoon();
}

let hubsReload = null;
function reloadHubsSoon() {
  if (hubsReload) return;
  hubsReload = setTimeout(async () => {
    hubsReload = null;
    try {
      for (const hub of await api.get('/api/hubs')) state.hubs.set(hub.id, hub);
      renderHubs();
    } catch {
      // the next resync will bring them
    }
  }, 500);
}

function applyHub(hub, { live = false } = {}) {
  if (!hub || !hub.id) return;
  const before = state.hubs.get(hub.id);
  state.hubs.set(hub.id, hub);
  if (live && before && before.online !== hub.online)
    announce(`Hub ${hub.id} is ${hub.online ? 'back online' : 'offline'}.`, !hub.online);
  renderHubs();
}

function announceNew(alert) {
  const critical = alert.priority === 'critical';
  if (critical && alert.status === 'open' && sound.muted) sound.muted = false; // a new critical call is heard
  const where = [alert.hub, sensorPlace(alert)].filter(Boolean).join(', ');
  announce(`New ${alert.priority} alert: ${typeName(alert.type)}, ${alert.text || ''} (${where}).`, critical);
}

function announce(text, urgent) {
  const el = byId(urgent ? 'announce-urgent' : 'announce');
  el.textContent = '';
  // A fresh text node after a tick makes screen readers read it even if it repeats.
  setTimeout(() => (el.textContent = text), 50);
}

// ---------------------------------------------------------------- rendering

function refreshAll() {
  renderQueue();
  renderHubs();
}

function sortedQueue() {
  return [...state.alerts.values()].sort(compareQueue);
}

function renderQueue() {
  const alerts = sortedQueue();
  queue.render(alerts);
  queue.select(detail.id);
  const unanswered = alerts.filter((a) => a.status === 'open');
  const critical = unanswered.filter((a) => a.priority === 'critical').length;
  setText(byId('queue-count'), String(alerts.length));
  const badge = byId('queue-critical');
  badge.hidden = critical === 0;
  setText(badge, `${critical} critical`);
  sound.want(state.perms.handle && critical > 0);
  document.title = critical
    ? `(${critical}) \u26A0 CRITICAL \u2014 Warden console`
    : `${unanswered.length ? `(${unanswered.length}) ` : ''}Warden console`;
  tickAges();
}

function renderHubs() {
  hubsView.render();
  const offline = [...state.hubs.values()].filter((h) => !h.online).length;
  const badge = byId('hubs-offline');
  badge.hidden = offline === 0;
  setText(badge, `${offline} offline`);
  tickAges();
}

function showConnection() {
  const el = byId('conn');
  const live = stream.connected;
  const since = state.downSince;
  el.dataset.state = live ? 'live' : since && Date.now() - since > BANNER_AFTER_MS ? 'down' : 'connecting';
  setText(el, live ? 'Live' : el.dataset.state === 'down' ? 'Disconnected' : 'Connecting\u2026');
  const banner = byId('stream-banner');
  banner.hidden = !state.me || live || el.dataset.state !== 'down';
  if (!banner.hidden) {
    const last = state.lastSync ? ` Last refreshed ${clock(new Date(state.lastSync).toISOString())}.` : '';
    setText(byId('stream-banner-text'),
      `Since ${clock(new Date(since).toISOString())}. Reconnecting\u2026 New alerts may appear late; the queue is reloaded every 10 seconds meanwhile.${last}`);
  }
}

function showSound() {
  const button = byId('mute');
  button.setAttribute('aria-pressed', String(sound.muted));
  setText(button, sound.muted ? 'Sound muted' : 'Sound on');
  document.body.dataset.alarm = sound.sounding ? (sound.blocked ? 'blocked' : 'sounding') : sound.muted ? 'muted' : 'off';
  byId('sound-banner').hidden = !(state.perms.handle && sound.blocked);
}

function toggleMute() {
  sound.unlock();
  sound.muted = !sound.muted;
  announce(sound.muted ? 'Alarm sound muted until the next new critical alert.' : 'Alarm sound on.', false);
}

function tick() {
  tickAges();
  showConnection();
}

// ---------------------------------------------------------------- views

function allowed(view) {
  const need = VIEW_NEEDS[view];
  return view in VIEW_NEEDS && (need === null || state.perms[need]);
}

function showView(hash) {
  if (!state.me) return;
  const { view: name, arg } = parseRoute(hash);
  const view = allowed(name) ? name : state.perms.alerts ? 'queue' : state.perms.live ? 'hubs' : 'households';
  state.view = view;
  for (const section of document.querySelectorAll('section.view')) section.hidden = section.dataset.view !== view;
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  layoutDetail();
  if (view === 'hubs') renderHubs();
  if (view === 'history') historyView.search();
  if (view === 'performance') perfView.load();
  if (view === 'audit') auditView.load();
  if (view === 'households') households.showList();
  if (view === 'household' || view === 'household-edit') households.showPage(arg);
  tickAges();
}

function layoutDetail() {
  const show = detail.id !== null && (state.view === 'queue' || state.view === 'history');
  byId('detail').hidden = !show;
  byId('main').classList.toggle('with-detail', show);
}

async function openAlert(id, opts = {}) {
  queue.select(id);
  const p = detail.show(id, opts);
  layoutDetail();
  await p;
}

function closeDetail() {
  const id = detail.id;
  detail.hide();
  queue.select(null);
  layoutDetail();
  if (state.view === 'queue') queue.focus(id);
}

// Refresh the performance figures while they are on screen.
setInterval(() => {
  if (state.me && state.view === 'performance' && !document.hidden) perfView.load();
}, 60_000);

// ---------------------------------------------------------------- keyboard

function shortcut(e) {
  if (!state.me || e.ctrlKey || e.altKey || e.metaKey) return;
  if (e.key === 'Escape' && detail.visible && !byId('help').open) {
    e.preventDefault();
    // In a field, the first Esc only leaves the field, so a half-written note is not lost by accident.
    if (typingInField(e)) e.target.blur();
    else closeDetail();
    return;
  }
  if (typingInField(e)) return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const tab = document.querySelector(`.tabs a[data-key="${CSS.escape(key)}"]`);
  if (tab && !tab.closest('li').hidden) {
    e.preventDefault();
    location.hash = tab.dataset.view;
    return;
  }
  switch (key) {
    case 'j':
    case 'ArrowDown':
      if (state.view === 'queue') {
        e.preventDefault();
        queue.move(1);
      }
      break;
    case 'k':
    case 'ArrowUp':
      if (state.view === 'queue') {
        e.preventDefault();
        queue.move(-1);
      }
      break;
    case 'a':
      if (detail.visible) {
        e.preventDefault();
        detail.acknowledge();
      }
      break;
    case 'r':
      if (detail.visible) {
        e.preventDefault();
        detail.focusResolve();
      }
      break;
    case 'm':
      if (state.perms.handle) {
        e.preventDefault();
        toggleMute();
      }
      break;
    case '?':
      e.preventDefault();
      byId('help').showModal();
      break;
    default:
      break;
  }
}

boot();

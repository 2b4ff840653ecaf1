// The Warden operator console: session, live state, views and keyboard. See docs/operator-guide.md
// for how operators use it and docs/api.md for the API it speaks.

import { Api, ApiError } from './api.js';
import { byId, h, say, setText, typingInField } from './dom.js';
import { alertText, clock, inQueue, ms, priorityRank, sensorPlace, setAlertTypes, typeName, words } from './format.js';
import { LiveStream } from './live.js';
import { lateStage, QueueView, untaken } from './queue.js';
import { DetailPanel } from './detail.js';
import { AlarmSound } from './sound.js';
import { AuditView, HistoryView, HubsView, PerformanceView, tickAges } from './views.js';
import { HouseholdsView, parseRoute, RECORD_RIGHTS } from './households.js';
import { HandoverDialog } from './handover.js';
import { CaseloadNotices } from './activity.js';

const ROLES = {
  operator: { alerts: true, handle: true, reopen: false, stats: true, test: false, away: true, audit: false },
  supervisor: { alerts: true, handle: true, reopen: true, stats: true, test: true, away: true, audit: true },
  technician: { alerts: true, handle: false, reopen: false, stats: false, test: true, away: true, audit: false },
  admin: { alerts: false, handle: false, reopen: false, stats: false, test: true, away: false, audit: true },
};
const NO_RIGHTS = { alerts: false, handle: false, reopen: false, stats: false, test: false, away: false, audit: false };
const VIEW_NEEDS = { queue: 'alerts', hubs: null, history: 'alerts', performance: 'stats', audit: 'audit' };
Object.assign(VIEW_NEEDS, { households: 'records', household: 'records', 'household-edit': 'edit' });
Object.assign(VIEW_NEEDS, { notices: 'activity' });

const POLL_WHILE_DOWN_MS = 10_000; // keep the queue fresh-ish while the stream is down
const RESYNC_WHILE_LIVE_MS = 60_000; // belt and braces against a silently stalled stream
const BANNER_AFTER_MS = 3_000; // a first connection gets this long before the banner shows

const EMPTY_QUEUE = { groups: [], alerts: 0, untaken: 0, critical_untaken: 0 };
const QUEUE_RELOAD_MS = 250; // live events within this time cost one reload of the grouped queue

const state = {
  me: null,
  perms: NO_RIGHTS,
  queue: { calls: EMPTY_QUEUE, technical: EMPTY_QUEUE }, // GET /api/queue per tab: one group per home
  queueAt: 0, // the centre's time of the queue on screen (group actions take only alerts received before)
  tab: 'calls', // the queue's tab: calls or technical faults
  expanded: new Set(), // hubs whose group is open
  due: 0, // call-backs come due, by this console's clock
  members: new Map(), // hub -> its alerts, for expanded groups
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
  resolved: () => focusNextCall(),
  toggle: (hub, open) => toggleGroup(hub, open),
  groupIds: (hub) => groupIds(hub, state.tab),
  group: (hub) => {
    const g = state.queue[state.tab].groups.find((x) => x.hub === hub);
    return g && g.count > 1 ? { hub, count: g.count } : null;
  },
  groupDone: () => reloadQueue(),
  showHubAlerts: (hub) => {
    byId('history-hub').value = hub;
    byId('history-state').value = 'all';
    if (location.hash === '#history') historyView.search();
    else location.hash = 'history';
  },
  waiting: () => {
    const q = state.queue.calls;
    const oldest = q.groups.reduce(
      (m, g) => (g.oldest_untaken && (m === null || ms(g.oldest_untaken) < ms(m)) ? g.oldest_untaken : m), null);
    return { count: q.untaken, oldest };
  },
};

const queue = new QueueView(ctx);
const detail = new DetailPanel(ctx);
const hubsView = new HubsView(ctx);
const historyView = new HistoryView(ctx);
const perfView = new PerformanceView(ctx);
const auditView = new AuditView(ctx);
const households = new HouseholdsView(ctx);
const caseloadNotices = new CaseloadNotices(ctx);
const handover = new HandoverDialog(ctx);

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
  // Open but silent past two pings: shown as down at once (the reconnection that follows decides).
  onstall: () => {
    state.downSince = Date.now() - BANNER_AFTER_MS - 1;
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
  byId('handover-close').addEventListener('click', () => byId('handover').close());
  byId('take-next').addEventListener('click', () => takeNext());
  for (const tab of document.querySelectorAll('#queue-tabs [role="tab"]'))
    tab.addEventListener('click', () => showTab(tab.dataset.tab));
  byId('queue-filters').addEventListener('input', () => filtersChanged());
  byId('queue-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    filtersChanged();
  });
  byId('close-technical').addEventListener('click', () => closeTechnical());
  // Browsers allow sound only after a gesture: any click or key press unlocks it.
  document.addEventListener('pointerdown', () => sound.unlock(), { capture: true });
  document.addEventListener('keydown', () => sound.unlock(), { capture: true });
  document.addEventListener('keydown', shortcut);
  window.addEventListener('hashchange', () => showView(location.hash.slice(1)));
  sound.onchange = showSound;

  let me = null;
  try {
    me = await api.session();
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
  state.queue = { calls: EMPTY_QUEUE, technical: EMPTY_QUEUE };
  state.expanded.clear();
  state.members.clear();
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
  if (state.perms.alerts) api.get('/api/procedures').then((p) => detail.setProcedures(p), () => {});
  if (state.perms.handle) handover.atLogin();
  // Type labels from the centre's alert catalogue; until they arrive (or if they never do) the queue
  // shows the type names in words, and is drawn again with the labels when they come.
  api.get('/api/alert-types').then((types) => {
    setAlertTypes(types);
    fillTypeFilter(types);
    if (state.me) renderQueue();
  }, () => {});
  await resync();
}

function stopSession() {
  stream.stop();
  households.clear();
  caseloadNotices.clear();
  handover.close();
  sound.want(false);
  state.timers.forEach(clearInterval);
  state.timers = [];
  state.me = null;
  state.perms = NO_RIGHTS;
  state.queue = { calls: EMPTY_QUEUE, technical: EMPTY_QUEUE };
  state.expanded.clear();
  state.members.clear();
  state.hubs.clear();
  detail.hide();
  layoutDetail();
  queue.render([], new Map(), new Set());
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

/** The queue's filters as query parameters (type, priority, home, search). */
function filterParams() {
  const params = new URLSearchParams();
  for (const [name, id] of [['type', 'filter-type'], ['priority', 'filter-priority'], ['hub', 'filter-hub'], ['q', 'filter-q']]) {
    const v = byId(id).value.trim();
    if (v) params.set(name, v);
  }
  return params;
}

async function loadQueue() {
  if (!state.perms.alerts) return;
  const params = filterParams();
  const [calls, technical] = await Promise.all(
    ['calls', 'technical'].map((kind) => api.get(`/api/queue?kind=${kind}&${params}`)),
  );
  if (!state.me) return;
  const at = ms(calls.now) || Date.now(); // the centre's time: alerts received up to it were on screen
  for (const g of [...calls.groups, ...technical.groups]) {
    // Alerts already waiting at login are not "new", but ones missed during a disconnection are.
    if (!state.seen.has(g.top.id)) {
      state.seen.add(g.top.id);
      if (state.lastSync !== null && g.top.status === 'open') announceNew(g.top);
    }
  }
  state.queue = { calls, technical };
  state.queueAt = at;
  const shown = new Set(state.queue[state.tab].groups.filter((g) => g.count > 1).map((g) => g.hub));
  for (const hub of state.expanded) if (!shown.has(hub)) state.expanded.delete(hub);
  await Promise.all([...state.expanded].map((hub) => loadMembers(hub)));
}

async function loadMembers(hub) {
  const params = filterParams();
  params.set('state', 'open');
  params.set('hub', hub);
  params.set('kind', state.tab);
  params.set('limit', '200');
  const alerts = await api.get(`/api/alerts?${params}`);
  state.members.set(hub, alerts);
}

/** Every open alert id of `hub` in `kind` that the operator could see: received before the queue on screen. */
async function groupIds(hub, kind) {
  const alerts = await api.get(`/api/alerts?state=open&hub=${encodeURIComponent(hub)}&kind=${kind}&limit=1000`);
  return alerts.filter((a) => ms(a.received_at) <= state.queueAt).map((a) => a.id);
}

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
    const [, hubs] = await Promise.all([loadQueue(), api.get('/api/hubs')]);
    if (!state.me) return;
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

let queueReload = null;
let queueReloading = false;
let queueDirty = false;
/**
 * The grouped queue again, soon: many live events in a burst cost one reload. An event that arrives
 * while a reload is in flight (whose answer may predate it) brings one more reload after it.
 */
function reloadQueue() {
  if (!state.me) return;
  if (queueReloading) {
    queueDirty = true;
    return;
  }
  if (queueReload) return;
  queueReload = setTimeout(async () => {
    queueReload = null;
    queueReloading = true;
    queueDirty = false;
    try {
      await loadQueue();
      renderQueue();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) console.warn('warden: queue reload failed', e.message);
    } finally {
      queueReloading = false;
      if (queueDirty) {
        queueDirty = false;
        reloadQueue();
      }
    }
  }, QUEUE_RELOAD_MS);
}

/** One alert from the stream, an action's answer, or the detail panel's reload. */
function applyAlert(alert, { live = false } = {}) {
  if (!alert || !alert.id || !state.perms.alerts) return;
  if (alert.state === 'cleared') {
    // A cleared notice: the raised alert it names gets its own update; just refresh the panel.
    if (detail.id && (detail.id === alert.clears || detail.id === alert.id)) detail.refresh();
    return;
  }
  // Update the rows that show it now; the grouped queue itself is reloaded from the centre.
  for (const g of [...state.queue.calls.groups, ...state.queue.technical.groups])
    if (g.top.id === alert.id) g.top = { ...g.top, ...alert, history: undefined };
  const members = state.members.get(alert.hub);
  if (members) {
    const i = members.findIndex((a) => a.id === alert.id);
    if (i >= 0) members[i] = { ...members[i], ...alert, history: undefined };
  }
  if (live && !state.seen.has(alert.id)) {
    state.seen.add(alert.id);
    if (inQueue(alert) && alert.status === 'open') announceNew(alert);
  }
  renderQueue();
  reloadQueue();
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
  announce(`New ${alert.priority} alert: ${typeName(alert.type)}, ${alertText(alert)} (${where}).`, critical);
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

/** True if the group has a call wanting an operator now, a call-back come due included (by this clock). */
function groupWants(g, now) {
  return g.untaken > 0 || callbackDue(g, now);
}

function callbackDue(g, now) {
  return !!g.next_callback && ms(g.next_callback) <= now;
}

/**
 * The centre's group order, with call-backs that came due since it was loaded moved up among the calls
 * that want an operator now (so a held call returns to the top at its time, between reloads).
 */
function orderedGroups(groups, now = Date.now()) {
  return groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => priorityRank(a.g.top.priority) - priorityRank(b.g.top.priority) ||
      Number(groupWants(b.g, now)) - Number(groupWants(a.g, now)) || a.i - b.i)
    .map((x) => x.g);
}

function renderQueue() {
  const shown = state.queue[state.tab];
  queue.render(orderedGroups(shown.groups), state.members, state.expanded);
  queue.select(detail.id);
  const calls = state.queue.calls;
  const technical = state.queue.technical;
  const critical = calls.critical_untaken + technical.critical_untaken;
  setText(byId('queue-count'), String(calls.alerts));
  setText(byId('tab-calls-count'), String(calls.alerts));
  setText(byId('tab-technical-count'), String(technical.alerts));
  byId('close-technical').hidden = state.tab !== 'technical' || !state.perms.handle || technical.groups.length === 0;
  const badge = byId('queue-critical');
  badge.hidden = critical === 0;
  setText(badge, `${critical} critical`);
  const unanswered = calls.untaken;
  document.title = critical
    ? `(${critical}) \u26A0 CRITICAL \u2014 Warden console`
    : `${unanswered ? `(${unanswered}) ` : ''}Warden console`;
  if (state.view === 'performance') perfView.showWaiting();
  alarm();
  tickAges();
}

/** The sound for the most urgent call waiting, louder as it waits past 60 s and 180 s. */
function alarm(now = Date.now()) {
  if (!state.perms.handle) {
    sound.want(null);
    return;
  }
  let want = null;
  let stage = 0;
  for (const g of state.queue.calls.groups) {
    if (!groupWants(g, now)) continue;
    // The group's top is its most urgent alert; if someone took it, what waits is no more urgent.
    const due = callbackDue(g, now);
    const prio = g.critical_untaken || (due && g.top.priority === 'critical') ? 'critical'
      : g.top.priority === 'critical' ? 'high' : g.top.priority;
    if (want === null || priorityRank(prio) < priorityRank(want)) want = prio;
    stage = Math.max(stage, lateStage(g.untaken ? g.oldest_untaken : g.next_callback, now));
  }
  sound.want(want === 'low' ? null : want, stage);
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
  document.body.dataset.sound = sound.wanted ? `${sound.wanted}-${sound.stage}` : 'none';
  byId('sound-banner').hidden = !(state.perms.handle && sound.blocked);
}

function toggleMute() {
  sound.unlock();
  sound.muted = !sound.muted;
  announce(sound.muted ? 'Alarm sound muted until the next new critical alert.' : 'Alarm sound on.', false);
}

function tick() {
  tickAges();
  queue.tick();
  alarm();
  showConnection();
  // A call-back whose time has come returns to the top, with sound: drawn again when one comes due.
  const now = Date.now();
  const due = [...state.queue.calls.groups, ...state.queue.technical.groups].filter((g) => callbackDue(g, now)).length +
    [...state.members.values()].flat().filter((a) => a.status === 'acknowledged' && untaken(a, now)).length;
  if (due !== state.due) {
    state.due = due;
    renderQueue();
  }
}

// ---------------------------------------------------------------- the queue's tabs, groups, filters

function showTab(tab) {
  if (tab !== 'calls' && tab !== 'technical') return;
  state.tab = tab;
  for (const t of document.querySelectorAll('#queue-tabs [role="tab"]')) t.setAttribute('aria-selected', String(t.dataset.tab === tab));
  setText(byId('queue-title'), tab === 'calls' ? 'Calls' : 'Technical faults');
  state.expanded.clear();
  state.members.clear();
  renderQueue();
  reloadQueue();
}

let filterTimer = null;
function filtersChanged() {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    state.members.clear();
    reloadQueue();
  }, 200);
}

function fillTypeFilter(types) {
  if (!Array.isArray(types)) return;
  const select = byId('filter-type');
  const keep = select.value;
  select.replaceChildren(
    h('option', { value: '' }, 'Any type'),
    ...types.map((t) => h('option', { value: t.type }, t.label ?? words(t.type))),
  );
  select.value = keep;
}

async function toggleGroup(hub, open = !state.expanded.has(hub)) {
  if (open === state.expanded.has(hub)) return;
  if (open) {
    state.expanded.add(hub);
    try {
      await loadMembers(hub);
    } catch (e) {
      state.expanded.delete(hub);
      announce(`Could not load the alerts of ${hub}: ${e.message}`, false);
    }
  } else {
    state.expanded.delete(hub);
    state.members.delete(hub);
  }
  renderQueue();
}

/** Closes every technical fault shown, home by home, as "technical fault". */
async function closeTechnical() {
  const groups = state.queue.technical.groups;
  if (!groups.length) return;
  const message = byId('queue-message');
  say(message, `Closing the technical faults of ${groups.length} home${groups.length === 1 ? '' : 's'}\u2026`);
  let done = 0;
  try {
    for (const g of groups) {
      const ids = await groupIds(g.hub, 'technical');
      if (!ids.length) continue;
      const r = await api.post(`/api/queue/${encodeURIComponent(g.hub)}/resolve`, { ids, outcome: 'technical_fault' });
      done += r.done.length;
    }
    say(message, `Closed ${done} technical fault${done === 1 ? '' : 's'}.`, 'ok');
  } catch (e) {
    say(message, `Not all closed: ${e.message}`, 'error');
  }
  reloadQueue();
}

/** One key: the most urgent call nobody has taken (or whose call-back is due) is taken and opened. */
async function takeNext() {
  if (!state.perms.handle) return;
  const message = byId('queue-message');
  if (state.view !== 'queue') goTo('queue');
  if (state.tab !== 'calls') showTab('calls');
  let lost = ''; // the call a colleague took first, and who: said with the call that was taken instead
  for (let attempt = 0; attempt < 5; attempt++) {
    let next;
    try {
      [next] = await api.get('/api/alerts?state=untaken&kind=calls&limit=1');
    } catch (e) {
      say(message, e.message, 'error');
      return;
    }
    if (!next) {
      say(message, `No call is waiting.${lost}`, 'ok');
      return;
    }
    try {
      const taken = await api.post(`/api/alerts/${encodeURIComponent(next.id)}/acknowledge`);
      applyAlert(taken);
      say(message, `Taken: ${typeName(next.type)} at ${next.hub}.${lost}`, 'ok');
      await openAlert(next.id, { focus: true });
      return;
    } catch (e) {
      // A colleague took it first: tell who, and take the next one.
      if (!(e instanceof ApiError) || e.status !== 409) {
        say(message, e.message, 'error');
        return;
      }
      lost = ` (${typeName(next.type)} at ${next.hub} was ${e.message}.)`;
      say(message, `${typeName(next.type)} at ${next.hub}: ${e.message}. Taking the next call.`);
    }
  }
}

/** After a resolve: focus the most urgent call left, so the keyboard carries on. */
function focusNextCall() {
  reloadQueue();
  setTimeout(() => {
    if (state.view === 'queue') queue.focus(null);
  }, QUEUE_RELOAD_MS + 100);
}

// ---------------------------------------------------------------- views

function allowed(view) {
  const need = VIEW_NEEDS[view];
  return view in VIEW_NEEDS && (need === null || state.perms[need]);
}

/**
 * Switches to a view at once and records it in the address (for Back and reloads). Setting
 * location.hash alone switches only when the hashchange event comes, so a key pressed straight
 * after (1 then t) would still go to the view being left.
 */
function goTo(hash) {
  if (location.hash.slice(1) === hash) return;
  history.pushState(null, '', `#${hash}`);
  showView(hash);
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
  if (view === 'notices') caseloadNotices.load();
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
  if (e.key === 'Escape' && detail.visible && !byId('help').open && !byId('handover').open) {
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
    goTo(tab.dataset.view);
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
    case 'n':
      if (state.perms.handle) {
        e.preventDefault();
        takeNext();
      }
      break;
    case 't':
      if (state.view === 'queue') {
        e.preventDefault();
        showTab(state.tab === 'calls' ? 'technical' : 'calls');
      }
      break;
    case '/':
      if (state.view === 'queue') {
        e.preventDefault();
        byId('filter-q').focus();
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

// How alerts, times and figures read on screen. Pure functions: no DOM, no clock except `now` passed in.

export const PRIORITIES = ['critical', 'high', 'normal', 'low'];

const ICONS = { critical: '\u26A0', high: '\u25B2', normal: '\u25CF', low: '\u25CB' };

/** 0 for critical ... 3 for low; unknown priorities sort last. */
export function priorityRank(priority) {
  const i = PRIORITIES.indexOf(priority);
  return i < 0 ? PRIORITIES.length : i;
}

/** A glyph for the priority (shown beside the word, never instead of it). */
export function priorityIcon(priority) {
  return ICONS[priority] ?? '\u25CF';
}

/** Milliseconds since the epoch for an ISO time, or NaN. */
export function ms(iso) {
  return iso ? Date.parse(iso) : NaN;
}

/**
 * Queue order, as the centre sorts it: most urgent first; within a priority, calls nobody has taken
 * before acknowledged ones; then oldest received first, then id (stable). The top row is the call to
 * take next.
 */
export function compareQueue(a, b) {
  return (
    priorityRank(a.priority) - priorityRank(b.priority) ||
    (a.status === 'acknowledged') - (b.status === 'acknowledged') ||
    (ms(a.received_at) || 0) - (ms(b.received_at) || 0) ||
    String(a.id).localeCompare(String(b.id))
  );
}

/** In the operators' queue: raised and not resolved (acknowledged alerts stay until resolved). */
export function inQueue(alert) {
  return alert.status !== 'resolved' && alert.state !== 'cleared';
}

// Type labels come from the centre's alert catalogue (GET /api/alert-types, loaded once after login),
// the same table the hub and the DC-09 path use; until it is loaded, or for a type it does not have,
// the type name itself is shown in words.
let typeLabels = new Map();

/** Takes the answer of GET /api/alert-types ([{type, label, ...}]); anything else is ignored. */
export function setAlertTypes(types) {
  if (!Array.isArray(types)) return;
  typeLabels = new Map(
    types.filter((t) => t && typeof t.type === 'string' && typeof t.label === 'string').map((t) => [t.type, t.label]),
  );
}

/** "pull_cord" -> "Pull cord" (the catalogue's label; before it is loaded, the type name in words). */
export function typeName(type) {
  return typeLabels.get(type) ?? words(type);
}

const OUTCOME_NAMES = {
  resident_ok: 'Resident OK',
  responder_sent: 'Responder sent',
  ambulance: 'Ambulance called',
  family_contacted: 'Family / contact informed',
  false_alarm: 'False alarm',
  test: 'Test call',
  technical_fault: 'Technical fault',
  other: 'Other (see note)',
  hub_back_online: 'Hub back online (automatic)',
};

/** True for an outcome this console has a name for. */
export function knownOutcome(outcome) {
  return Object.hasOwn(OUTCOME_NAMES, outcome);
}

export function outcomeName(outcome) {
  return outcome ? OUTCOME_NAMES[outcome] ?? words(outcome) : '';
}

/** "some_thing" -> "Some thing". */
export function words(s) {
  if (!s) return '';
  const t = String(s).replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function statusName(status) {
  return { open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' }[status] ?? words(status);
}

/** "pendant · worn" */
export function sensorPlace(alert) {
  return [alert.sensor, alert.location].filter(Boolean).join(' \u00B7 ');
}

/** An age that reads at a glance: "42 s", "3:05", "1 h 04 min", "2 d 3 h". */
export function age(millis) {
  const s = Math.max(0, Math.floor(millis / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** A duration in seconds: "12 s", "2 min 05 s", "1 h 10 min". */
export function seconds(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '\u2014';
  const s = Math.round(value);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const timeOnly = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat('en-GB', {
  day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const full = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  timeZoneName: 'short',
});

/** Local time; the date only when it is not today. '' for null. */
export function clock(iso, now = Date.now()) {
  const t = ms(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t);
  return new Date(now).toDateString() === d.toDateString() ? timeOnly.format(d) : dayAndTime.format(d);
}

const hourMinute = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayHourMinute = new Intl.DateTimeFormat('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });

/** "21:05" today, "30 Nov, 21:05" another day. '' for null. */
export function shortClock(iso, now = Date.now()) {
  const t = ms(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t);
  return new Date(now).toDateString() === d.toDateString() ? hourMinute.format(d) : dayHourMinute.format(d);
}

/** Who made away mode's last change, from the hub's report (GET /api/hubs `away`); null if not known. */
export function awaySetter(away) {
  switch (away?.by) {
    case 'centre': return away.user ? `${away.user} at the centre` : 'the centre';
    case 'local': return 'the home (local app)';
    case 'ctl': return 'the home (warden-ctl)';
    case 'button': return 'the home (away button)';
    default: return null;
  }
}

/** "Away since 21:05, set by olive at the centre"; null when the hub is not away or does not say. */
export function awayText(away, now = Date.now()) {
  if (!away || away.on !== true) return null;
  const since = away.since ? ` since ${shortClock(away.since, now)}` : '';
  const who = awaySetter(away);
  return `Away${since}${who ? `, set by ${who}` : ''}`;
}

/** Full local date and time with the zone, for detail fields. */
export function fullTime(iso) {
  const t = ms(iso);
  return Number.isNaN(t) ? '' : full.format(new Date(t));
}

/** 0.9753 -> "97.5 %"; null -> "—". */
export function percent(fraction) {
  if (fraction === null || fraction === undefined) return '\u2014';
  const p = Math.round(fraction * 1000) / 10;
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)} %`;
}

/** The alert's text without the " (location)" the hub appends: the location has its own column. */
export function alertText(alert) {
  const text = String(alert.text ?? '');
  const suffix = alert.location ? ` (${alert.location})` : '';
  return suffix && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
}

/** True for an alert the centre raised itself (hub supervision), not one a hub sent. */
export function raisedByCentre(alert) {
  return alert.rule === 'supervision' || String(alert.id ?? '').startsWith('centre-');
}

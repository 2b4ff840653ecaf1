// Building the page without innerHTML: every piece of text from the server goes in as a text node,
// so alert text, notes and names can never become markup.

/**
 * Creates an element. `props`: class, text, dataset (object), on<event> (function), any attribute
 * (true sets it empty, false/null/undefined leaves it out). Children: nodes or strings (as text).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends nodes or strings (as text), skipping null/undefined/false, flattening arrays. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** document.getElementById, throwing if the page lacks it (a bug worth seeing at once). */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`console page has no #${id}`);
  return el;
}

/** Sets text only when it changed (keeps screen readers and selection calm). */
export function setText(el, text) {
  const s = String(text ?? '');
  if (el.textContent !== s) el.textContent = s;
}

/** Shows a status message under a view: kind '', 'ok' or 'error'. */
export function say(el, text, kind = '') {
  el.className = `message ${kind}`.trim();
  setText(el, text);
}

/**
 * Rebuilds `container`'s children with `build()` while keeping keyboard focus on the element
 * with the same data-focus-key, so a live update never steals the operator's place.
 */
export function rebuildKeepingFocus(container, build) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : undefined;
  container.replaceChildren(...build());
  if (key !== undefined) {
    const again = [...container.querySelectorAll('[data-focus-key]')].find((e) => e.dataset.focusKey === key);
    again?.focus({ preventScroll: true });
  }
}

/** True if a key press is meant for a form field rather than a console shortcut. */
export function typingInField(event) {
  const t = event.target;
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || !!t.closest('dialog[open]');
}

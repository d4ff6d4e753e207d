// Building the page: elements from data through textContent and attributes only, never markup (reasons are typed by
// people, and the page's Content-Security-Policy requires Trusted Types, so a string handed to the DOM as markup
// would throw); the alert line; how long ago something happened.

import { GraphQLFailure } from './gateway.js';

/** The page's element with this id; throws when there is none (a renamed id is a bug, not an empty view). */
export const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
};

/** An element with attributes and children (strings become text nodes; `on…` attributes become listeners). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function alert(kind, message, code) {
  $('alert').hidden = false;
  $('alert').dataset.kind = kind;
  $('alert').dataset.code = code ?? '';
  $('alert-text').textContent = message;
  $('alert-code').textContent = code ?? '';
}

export const showError = (message, code) => alert('error', message, code);
export const showNotice = (message) => alert('notice', message);
export const clearAlert = () => ($('alert').hidden = true);

/** Runs `work`, showing what went wrong (the server's message and code) instead of throwing. */
export async function attempt(work) {
  try {
    return await work();
  } catch (err) {
    if (err instanceof GraphQLFailure) showError(err.message, err.code);
    else showError(err instanceof Error ? err.message : String(err), 'CONSOLE_ERROR');
    return undefined;
  }
}

/** "3 d 4 h", "2 h 05 min", "4 min 09 s", "12 s": how long since `iso`. */
export function ageOf(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const d = Math.floor(seconds / 86400);
  const hrs = Math.floor((seconds % 86400) / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d} d ${hrs} h`;
  if (hrs > 0) return `${hrs} h ${two(min)} min`;
  if (min > 0) return `${min} min ${two(s)} s`;
  return `${s} s`;
}

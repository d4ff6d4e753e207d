// The operations console (gateway/plugins/console.ts serves it): plain browser JavaScript modules, no framework, no
// build. This one wires the page and signs people in and out; gateway.js talks to the gateway (sse.js reads its
// event streams), queue.js is the work queue, journey.js the open journey and timeline.js draws it, dom.js builds
// elements. Data reaches the page through textContent and attributes only, never as markup (see dom.js).

import { $, attempt, clearAlert, showError } from './dom.js';
import { onUnauthenticated, sandboxToken, session } from './gateway.js';
import { closeJourney, initJourney, openJourney } from './journey.js';
import { clearQueue, initQueue, loadQueue } from './queue.js';

const TOKEN_KEY = 'bankgraph.console.token';

/** The claims a JWT states (unverified: for showing who is signed in; the gateway verifies it on every request). */
function claimsOf(token) {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function signIn(token) {
  const claims = claimsOf(token);
  if (!claims || typeof claims.sub !== 'string') {
    showError('That is not a bearer token (a JWT: three dot-separated parts).', 'BAD_TOKEN');
    return;
  }
  session.token = token;
  session.staffId = claims.sub;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('who-staff').textContent = claims.sub;
  const role = claims['bankgraph:kind'] === 'staff' ? claims['bankgraph:role'] : claims['bankgraph:kind'];
  $('who-role').textContent = `(${role ?? 'unknown role'})`;
  $('who').hidden = false;
  $('sign-in').hidden = true;
  $('queue').hidden = false;
  clearAlert();
  if (claims['bankgraph:kind'] !== 'staff' || claims['bankgraph:role'] !== 'operations') {
    showError('This token is not an operations staff token: the gateway will refuse most of what the console asks.', 'NOT_OPERATIONS');
  }
  void loadQueue();
}

/** Forgets the token and closes the open journey (and its stream). */
function signOut(message, code) {
  sessionStorage.removeItem(TOKEN_KEY);
  closeJourney();
  session.token = null;
  session.staffId = null;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  $('queue').hidden = true;
  clearQueue();
  if (message) showError(message, code);
  else clearAlert();
}

function start() {
  onUnauthenticated(signOut);
  initQueue({ onOpen: (id) => void openJourney(id) });
  initJourney();
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token-input').value.trim().replace(/^Bearer\s+/i, '');
    $('token-input').value = '';
    if (token) signIn(token);
  });
  if (document.body.dataset.sandboxLogin === 'true') {
    $('sandbox-form').hidden = false;
    $('sandbox-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void attempt(async () => signIn(await sandboxToken($('sandbox-staff-id').value.trim())));
    });
  }
  $('sign-out').addEventListener('click', () => signOut());
  $('alert-close').addEventListener('click', clearAlert);

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
}

start();

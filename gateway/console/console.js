// The operations console (gateway/plugins/console.ts serves it). Plain browser JavaScript, no framework, no build.
// Everything goes through /graphql with the signed-in person's bearer token; the server decides what they may do.
// Data reaches the page through textContent and attributes only, never as markup: reasons are typed by people.
// The page's Content-Security-Policy requires Trusted Types, so handing markup as a string to the DOM would throw.

const TOKEN_KEY = 'bankgraph.console.token';
const STATUSES = ['NEEDS_ATTENTION', 'RUNNING', 'COMPENSATING', 'COMPLETED', 'REJECTED', 'COMPENSATED'];
const TYPES = ['SEND_INTERNATIONAL_PAYMENT', 'ONBOARD_CUSTOMER', 'CONVERT_CURRENCY', 'ISSUE_CARD', 'FREEZE_CARD', 'UNFREEZE_CARD'];
const UNDER_WAY = ['RUNNING', 'COMPENSATING'];
const POLL_MS = 1000;

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
};

/** An element with attributes and children (strings become text nodes). */
function h(tag, attributes = {}, ...children) {
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

// --- state -----------------------------------------------------------------------------------------------------

const state = {
  token: null,
  staffId: null,
  operations: null,
  queueCursor: null,
  journeyId: null,
  poll: undefined,
  /** The idempotency key of the action request being written: a resubmission (double click, retry) replays it. */
  actionKey: null,
};

// --- talking to the gateway ------------------------------------------------------------------------------------

class GraphQLFailure extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

async function operations() {
  if (!state.operations) {
    const res = await fetch('/console/operations.json', { credentials: 'omit', cache: 'no-store' });
    if (!res.ok) throw new GraphQLFailure(`The console's documents could not be loaded (HTTP ${res.status}).`, 'CONSOLE_UNAVAILABLE');
    state.operations = await res.json();
  }
  return state.operations;
}

/** Runs one of the console's operations; throws GraphQLFailure with the server's first message and code. */
async function graphql(operationName, variables) {
  const query = (await operations())[operationName];
  if (!query) throw new GraphQLFailure(`The console has no operation ${operationName}.`, 'CONSOLE_BUG');
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${state.token}` },
      body: JSON.stringify({ operationName, query, variables }),
    });
  } catch {
    throw new GraphQLFailure('The gateway cannot be reached.', 'NETWORK_ERROR');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new GraphQLFailure(`The gateway answered HTTP ${res.status} without a GraphQL response.`, `HTTP_${res.status}`);
  }
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? `HTTP_${res.status}`;
    if (code === 'UNAUTHENTICATED') signOut('Your token was refused: sign in again.', code);
    throw new GraphQLFailure(error.message, code);
  }
  return body.data;
}

// --- messages --------------------------------------------------------------------------------------------------

function showError(message, code) {
  $('alert').hidden = false;
  $('alert').dataset.kind = 'error';
  $('alert').dataset.code = code ?? '';
  $('alert-text').textContent = message;
  $('alert-code').textContent = code ?? '';
}

function showNotice(message) {
  $('alert').hidden = false;
  $('alert').dataset.kind = 'notice';
  $('alert').dataset.code = '';
  $('alert-text').textContent = message;
  $('alert-code').textContent = '';
}

function clearAlert() {
  $('alert').hidden = true;
}

/** Runs `work`, showing what went wrong (the server's message and code) instead of throwing. */
async function attempt(work) {
  try {
    return await work();
  } catch (err) {
    if (err instanceof GraphQLFailure) showError(err.message, err.code);
    else showError(err instanceof Error ? err.message : String(err), 'CONSOLE_ERROR');
    return undefined;
  }
}

// --- signing in ------------------------------------------------------------------------------------------------

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
  state.token = token;
  state.staffId = claims.sub;
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

function signOut(message, code) {
  sessionStorage.removeItem(TOKEN_KEY);
  stopPolling();
  Object.assign(state, { token: null, staffId: null, journeyId: null, queueCursor: null, actionKey: null });
  $('who').hidden = true;
  $('sign-in').hidden = false;
  $('queue').hidden = true;
  $('journey').hidden = true;
  $('queue-rows').replaceChildren();
  if (message) showError(message, code);
  else clearAlert();
}

async function sandboxSignIn(staffId) {
  const res = await fetch('/console/sandbox-login', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ staffId }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || typeof body.token !== 'string') {
    const error = body.errors?.[0];
    throw new GraphQLFailure(error?.message ?? `The sandbox login answered HTTP ${res.status}.`, error?.extensions?.code ?? `HTTP_${res.status}`);
  }
  signIn(body.token);
}

// --- the work queue --------------------------------------------------------------------------------------------

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

function filterOf() {
  const filter = {};
  if ($('filter-status').value) filter.status = $('filter-status').value;
  if ($('filter-type').value) filter.type = $('filter-type').value;
  return filter;
}

async function loadQueue(more = false) {
  await attempt(async () => {
    const data = await graphql('ConsoleQueue', { filter: filterOf(), first: 50, after: more ? state.queueCursor : null });
    renderSummary(data.journeySummary);
    const rows = data.journeys.nodes.map(queueRow);
    if (more) $('queue-rows').append(...rows);
    else $('queue-rows').replaceChildren(...rows);
    state.queueCursor = data.journeys.pageInfo.endCursor;
    $('queue-more').hidden = !data.journeys.pageInfo.hasNextPage;
    $('queue-empty').hidden = $('queue-rows').children.length > 0;
  });
}

function queueRow(journey) {
  const open = () => void openJourney(journey.id);
  return h(
    'tr',
    { 'data-journey-id': journey.id, 'data-status': journey.status, tabindex: 0, onclick: open, onkeydown: (e) => e.key === 'Enter' && open() },
    h('td', {}, h('button', { type: 'button', class: 'link', 'data-open': journey.id }, journey.id)),
    h('td', {}, journey.type),
    h('td', {}, h('span', { class: `status status-${journey.status}` }, journey.status)),
    h('td', { class: 'age', title: `${journey.status} since ${journey.statusSince}` }, ageOf(journey.statusSince)),
    h('td', { class: 'reason' }, journey.reason ?? ''),
  );
}

function renderSummary(summary) {
  const parked = summary.byStatus.find((s) => s.status === 'NEEDS_ATTENTION')?.count ?? 0;
  const chips = (items, key) => items.filter((i) => i.count > 0).map((i) => h('li', { 'data-key': i[key] }, `${i[key]} `, h('strong', {}, i.count)));
  $('summary').replaceChildren(
    h('p', { id: 'summary-parked' }, h('strong', {}, parked), parked === 1 ? ' journey needs attention' : ' journeys need attention'),
    h('div', { class: 'counts' }, h('h4', {}, 'By status'), h('ul', { id: 'summary-status' }, chips(summary.byStatus, 'status'))),
    h('div', { class: 'counts' }, h('h4', {}, 'Parked by type'), h('ul', { id: 'summary-parked-type' }, chips(summary.parkedByType, 'type'))),
  );
}

// --- one journey -----------------------------------------------------------------------------------------------

async function openJourney(id) {
  stopPolling();
  state.journeyId = id;
  state.actionKey = null;
  $('action-reason').value = '';
  await attempt(async () => {
    const data = await graphql('ConsoleJourney', { id });
    if (!data.journey) throw new GraphQLFailure(`No journey ${id}.`, 'NOT_FOUND');
    renderJourney(data.journey);
  });
}

async function refreshJourney() {
  if (!state.journeyId) return;
  const data = await graphql('ConsoleJourney', { id: state.journeyId });
  if (data.journey && data.journey.id === state.journeyId) renderJourney(data.journey);
  return data.journey ?? undefined;
}

function stopPolling() {
  clearTimeout(state.poll);
  state.poll = undefined;
}

/** While the journey is under way (after an approved retry or undo), it is read again every second. */
function pollWhileUnderWay(journey) {
  stopPolling();
  if (!UNDER_WAY.includes(journey.status)) return;
  const id = journey.id;
  state.poll = setTimeout(async () => {
    if (state.journeyId !== id) return;
    // A failed read shows its error and stops the polling (renderJourney alone starts it again).
    const read = await attempt(refreshJourney);
    if (read && !UNDER_WAY.includes(read.status)) {
      showNotice(`Journey ${read.id} is now ${read.status}.`);
      void loadQueue();
    }
  }, POLL_MS);
}

function renderJourney(journey) {
  $('journey').hidden = false;
  $('journey').dataset.journeyId = journey.id;
  $('journey').dataset.status = journey.status;
  $('journey-id').textContent = journey.id;
  const fact = (label, value, id) => [h('dt', {}, label), h('dd', id ? { id } : {}, value ?? '—')];
  $('journey-facts').replaceChildren(
    ...fact('Type', journey.type),
    ...fact('Status', h('span', { class: `status status-${journey.status}` }, journey.status), 'journey-status'),
    ...fact('In this status for', `${ageOf(journey.statusSince)} (since ${journey.statusSince})`, 'journey-age'),
    ...fact('Reason', journey.reason, 'journey-reason'),
    ...fact('Error code', journey.errorCode),
    ...fact('Stuck step', journey.stuckStep),
    ...fact('Customer', journey.customer?.id),
    ...fact('Created', journey.createdAt),
    ...fact('Updated', journey.updatedAt),
  );
  renderActions(journey);
  const critical = journey.steps.filter((s) => s.mode !== 'BACKGROUND');
  const followUps = journey.steps.filter((s) => s.mode === 'BACKGROUND');
  $('steps').replaceChildren(...critical.map((s) => stepView(journey.id, s)));
  $('follow-ups').replaceChildren(...(followUps.length ? followUps.map((s) => stepView(journey.id, s)) : [h('p', {}, 'No follow-up.')]));
  pollWhileUnderWay(journey);
}

function renderActions(journey) {
  const items = journey.actions.map((action) => actionView(journey, action));
  $('actions').replaceChildren(...items);
  $('actions-empty').hidden = items.length > 0;

  const available = journey.availableActions ?? [];
  $('action-form').hidden = available.length === 0;
  const kind = $('action-kind');
  const chosen = kind.value;
  kind.replaceChildren(...available.map((k) => h('option', { value: k }, k === 'RETRY_STEP' && journey.stuckStep ? `RETRY_STEP (${journey.stuckStep})` : k)));
  if (available.includes(chosen)) kind.value = chosen;
  $('action-resolution-label').hidden = kind.value !== 'RESOLVE';
}

function actionView(journey, action) {
  const mine = action.requestedBy === state.staffId;
  const what = [action.kind, action.step ? ` of ${action.step}` : '', action.resolution ? ` as ${action.resolution}` : ''].join('');
  const item = h(
    'li',
    { 'data-action-id': action.id, 'data-status': action.status, class: `action action-${action.status}` },
    h('div', { class: 'action-head' }, h('strong', {}, what), ' ', h('span', { class: `status status-${action.status}` }, action.status)),
    h('p', {}, 'Requested by ', h('strong', { class: 'requested-by' }, action.requestedBy), mine ? ' (you)' : '', ` at ${action.requestedAt}`),
    h('blockquote', { class: 'action-reason' }, action.reason),
    action.decidedBy
      ? h('p', {}, `${action.status === 'DECLINED' ? 'Declined' : 'Approved'} by `, h('strong', { class: 'decided-by' }, action.decidedBy), ` at ${action.decidedAt ?? ''}`)
      : null,
    action.decisionReason ? h('blockquote', { class: 'decision-reason' }, action.decisionReason) : null,
    action.status === 'AWAITING_APPROVAL' ? h('p', { class: 'hint' }, `Awaiting approval by a second person; expires at ${action.expiresAt}.`) : null,
  );
  if (action.status === 'AWAITING_APPROVAL') item.append(decisionForm(journey, action, mine));
  return item;
}

function decisionForm(journey, action, mine) {
  const reason = h('input', { class: 'decision-input', placeholder: mine ? 'A second person must decide' : 'Your reason (required to decline)', maxlength: 1000 });
  const decide = (approve) => async () => {
    const text = reason.value.trim();
    if (!approve && !text) {
      showError('Say why you decline: the requester reads it.', 'BAD_USER_INPUT');
      return;
    }
    await attempt(async () => {
      const data = approve
        ? await graphql('ConsoleApproveAction', { journeyId: journey.id, actionId: action.id, reason: text || null })
        : await graphql('ConsoleDeclineAction', { journeyId: journey.id, actionId: action.id, reason: text });
      const payload = approve ? data.approveJourneyAction : data.declineJourneyAction;
      showNotice(`${approve ? 'Approved' : 'Declined'}: ${payload.action.kind} is ${payload.action.status}; the journey is ${payload.journey.status}.`);
      await refreshJourney();
      void loadQueue();
    });
  };
  return h(
    'div',
    { class: 'decision' },
    reason,
    h('button', { type: 'button', class: 'approve', onclick: decide(true) }, 'Approve'),
    h('button', { type: 'button', class: 'decline', onclick: decide(false) }, 'Decline'),
  );
}

function stepView(journeyId, step) {
  const attempts = step.attemptHistory;
  const rows = h('tbody', {}, attempts.nodes.map(attemptRow));
  const more = h('button', { type: 'button', class: 'more-attempts', hidden: !attempts.pageInfo.hasNextPage }, 'More attempts');
  let cursor = attempts.pageInfo.endCursor;
  more.addEventListener('click', () =>
    attempt(async () => {
      const data = await graphql('ConsoleStepAttempts', { id: journeyId, after: cursor });
      const page = data.journey?.steps.find((s) => s.name === step.name)?.attemptHistory;
      if (!page) return;
      rows.append(...page.nodes.map(attemptRow));
      cursor = page.pageInfo.endCursor;
      more.hidden = !page.pageInfo.hasNextPage;
    }),
  );
  return h(
    'details',
    // Open: a step that has not simply succeeded, or that needed more than one attempt (its story is the point).
    { class: 'step', 'data-step': step.name, 'data-status': step.status, open: !['SUCCEEDED', 'SKIPPED'].includes(step.status) || step.attemptCount > 1 },
    h(
      'summary',
      {},
      h('strong', {}, step.name), ' ',
      h('span', { class: `status status-${step.status}` }, step.status),
      ` · ${step.attemptCount} attempt${step.attemptCount === 1 ? '' : 's'}`,
      step.lastErrorCode ? [' · last error ', h('code', { class: 'last-error' }, step.lastErrorCode)] : null,
    ),
    h('p', { class: 'times' }, `started ${step.startedAt ?? '—'} · ended ${step.endedAt ?? '—'}`, step.nextCheckAt ? ` · next check ${step.nextCheckAt}` : ''),
    attempts.totalCount > 0
      ? h('table', { class: 'attempts' }, h('thead', {}, h('tr', {}, ['#', 'Kind', 'Outcome', 'Error', 'Started', 'Took'].map((t) => h('th', {}, t)))), rows)
      : h('p', { class: 'hint' }, 'No attempt yet.'),
    attempts.totalCount > attempts.nodes.length ? h('p', { class: 'hint' }, `${attempts.totalCount} entries in all.`) : null,
    more,
  );
}

function attemptRow(a) {
  return h(
    'tr',
    {},
    h('td', {}, a.count > 1 ? `${a.number}–${a.number + a.count - 1}` : a.number),
    h('td', {}, a.kind),
    h('td', {}, h('span', { class: `status status-${a.outcome}` }, a.outcome)),
    h('td', {}, a.errorCode ?? ''),
    h('td', {}, a.startedAt),
    h('td', {}, `${a.durationMs} ms`),
  );
}

/** A random idempotency key (crypto.randomUUID needs a secure context; getRandomValues does not). */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function requestAction() {
  const journeyId = state.journeyId;
  const kind = $('action-kind').value;
  const reason = $('action-reason').value.trim();
  if (!journeyId || !kind) return;
  if (!reason) {
    showError('Write why: what you checked, with whom, what you saw.', 'BAD_USER_INPUT');
    return;
  }
  const input = { journeyId, kind, reason, ...(kind === 'RESOLVE' ? { resolution: $('action-resolution').value } : {}) };
  state.actionKey ??= newKey();
  const key = state.actionKey;
  await attempt(async () => {
    const data = await graphql('ConsoleRequestAction', { idempotencyKey: key, input });
    const { action, journey } = data.requestJourneyAction;
    state.actionKey = null;
    $('action-reason').value = '';
    showNotice(`Requested ${action.kind} on ${journey.id}: ${action.status.replace(/_/g, ' ').toLowerCase()} by a second person.`);
    await refreshJourney();
  });
}

// --- wiring ----------------------------------------------------------------------------------------------------

function start() {
  const option = (value, label) => h('option', { value }, label);
  $('filter-status').replaceChildren(option('', 'any status'), ...STATUSES.map((s) => option(s, s)));
  $('filter-status').value = 'NEEDS_ATTENTION';
  $('filter-type').replaceChildren(option('', 'any type'), ...TYPES.map((t) => option(t, t)));

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
      void attempt(() => sandboxSignIn($('sandbox-staff-id').value.trim()));
    });
  }
  $('sign-out').addEventListener('click', () => signOut());
  $('alert-close').addEventListener('click', clearAlert);
  $('filter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void loadQueue();
  });
  $('filter-status').addEventListener('change', () => void loadQueue());
  $('filter-type').addEventListener('change', () => void loadQueue());
  $('queue-more').addEventListener('click', () => void loadQueue(true));
  $('action-kind').addEventListener('change', () => ($('action-resolution-label').hidden = $('action-kind').value !== 'RESOLVE'));
  $('action-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void requestAction();
  });
  // Another kind or reason is another request: a new key.
  $('action-kind').addEventListener('change', () => (state.actionKey = null));
  $('action-reason').addEventListener('input', () => (state.actionKey = null));
  $('action-resolution').addEventListener('change', () => (state.actionKey = null));

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
}

start();

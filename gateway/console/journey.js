// The journey open on the page: reading it, following it live while it runs again (after an approved retry or undo),
// requesting an action on it and deciding someone else's. One journey at a time, and at most one stream for it.

import { $, attempt, showError, showNotice } from './dom.js';
import { GraphQLFailure, graphql, subscribe } from './gateway.js';
import { loadQueue } from './queue.js';
import { renderJourney } from './timeline.js';

const UNDER_WAY = ['RUNNING', 'COMPENSATING'];

let openId = null;
/** The idempotency key of the action request being written: a resubmission (double click, retry) replays it. */
let actionKey = null;
/** The stream following the open journey: its id and the controller that closes it. */
let live = null;

/** Wires the request form and the close button. */
export function initJourney() {
  $('journey-close').addEventListener('click', () => closeJourney());
  $('action-kind').addEventListener('change', () => ($('action-resolution-label').hidden = $('action-kind').value !== 'RESOLVE'));
  $('action-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void requestAction();
  });
  // Another kind or reason is another request: a new key.
  $('action-kind').addEventListener('change', () => (actionKey = null));
  $('action-reason').addEventListener('input', () => (actionKey = null));
  $('action-resolution').addEventListener('change', () => (actionKey = null));
}

export async function openJourney(id) {
  stopFollowing();
  openId = id;
  actionKey = null;
  $('action-reason').value = '';
  await attempt(async () => {
    const journey = await refresh();
    if (!journey) throw new GraphQLFailure(`No journey ${id}.`, 'NOT_FOUND');
    followWhileUnderWay(journey);
  });
}

/** Closes the open journey (and its stream): the close button, or signing out. */
export function closeJourney() {
  stopFollowing();
  openId = null;
  actionKey = null;
  $('journey').hidden = true;
}

/** Reads the open journey again and shows it; its answer, or undefined when it is not (or no longer) open. */
async function refresh() {
  const id = openId;
  if (!id) return undefined;
  const data = await graphql('ConsoleJourney', { id });
  if (data.journey && openId === id) show(data.journey);
  return data.journey ?? undefined;
}

function show(journey) {
  renderJourney(journey, { decide });
  $('journey-live').hidden = live?.id !== journey.id;
}

function stopFollowing() {
  live?.controller.abort();
  live = null;
  $('journey-live').hidden = true;
}

/**
 * While the journey is under way it is followed over /graphql/stream (journeyUpdated: its state at once, then after
 * each change), not read again on a timer; the stream closes when the journey stops being under way, is closed or
 * another is opened, or the person signs out.
 */
function followWhileUnderWay(journey) {
  if (!UNDER_WAY.includes(journey.status)) return stopFollowing();
  if (live?.id === journey.id) return;
  stopFollowing();
  const following = { id: journey.id, controller: new AbortController() };
  live = following;
  $('journey-live').hidden = false;
  void follow(following);
}

async function follow(following) {
  const { id, controller } = following;
  const current = () => live === following && openId === id;
  const onNext = (data) => {
    const journey = data?.journeyUpdated;
    if (!journey || !current()) return;
    show(journey);
    if (UNDER_WAY.includes(journey.status)) return;
    stopFollowing();
    showNotice(`Journey ${id} is now ${journey.status}.`);
    void loadQueue();
  };
  let why;
  try {
    const ended = await subscribe('ConsoleJourneyUpdated', { id }, { signal: controller.signal, onNext });
    if (ended === 'aborted') return;
    why = 'the gateway ended the stream';
  } catch (err) {
    why = err instanceof GraphQLFailure ? `${err.message} ${err.code}` : String(err);
  }
  if (current()) await fallBack(id, why);
}

/**
 * The stream failed or ended while the journey was still under way: one read, and a notice; no reconnecting in a
 * loop (a gateway that is stopping or refusing would be asked again and again). The next action follows it again.
 */
async function fallBack(id, why) {
  stopFollowing();
  const journey = await attempt(refresh);
  if (!journey || openId !== id) return;
  if (UNDER_WAY.includes(journey.status)) {
    showNotice(`Live updates for journey ${id} stopped (${why}): it was read once more and is ${journey.status}; open it again to follow it.`);
  } else {
    showNotice(`Journey ${id} is now ${journey.status}.`);
    void loadQueue();
  }
}

async function decide(journey, action, approve, reason) {
  if (!approve && !reason) {
    showError('Say why you decline: the requester reads it.', 'BAD_USER_INPUT');
    return;
  }
  await attempt(async () => {
    const data = approve
      ? await graphql('ConsoleApproveAction', { journeyId: journey.id, actionId: action.id, reason: reason || null })
      : await graphql('ConsoleDeclineAction', { journeyId: journey.id, actionId: action.id, reason });
    const payload = approve ? data.approveJourneyAction : data.declineJourneyAction;
    showNotice(`${approve ? 'Approved' : 'Declined'}: ${payload.action.kind} is ${payload.action.status}; the journey is ${payload.journey.status}.`);
    const read = await refresh();
    if (read) followWhileUnderWay(read);
    void loadQueue();
  });
}

/** A random idempotency key (crypto.randomUUID needs a secure context; getRandomValues does not). */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function requestAction() {
  const journeyId = openId;
  const kind = $('action-kind').value;
  const reason = $('action-reason').value.trim();
  if (!journeyId || !kind) return;
  if (!reason) {
    showError('Write why: what you checked, with whom, what you saw.', 'BAD_USER_INPUT');
    return;
  }
  const input = { journeyId, kind, reason, ...(kind === 'RESOLVE' ? { resolution: $('action-resolution').value } : {}) };
  actionKey ??= newKey();
  const key = actionKey;
  await attempt(async () => {
    const data = await graphql('ConsoleRequestAction', { idempotencyKey: key, input });
    const { action, journey } = data.requestJourneyAction;
    actionKey = null;
    $('action-reason').value = '';
    showNotice(`Requested ${action.kind} on ${journey.id}: ${action.status.replace(/_/g, ' ').toLowerCase()} by a second person.`);
    const read = await refresh();
    if (read) followWhileUnderWay(read);
  });
}

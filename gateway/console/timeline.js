// One journey's timeline on the page: its facts, every action people requested and decided (with the approve and
// decline controls of a pending one), the request form's choices, and every step with its attempts, paged.

import { $, ageOf, attempt, h } from './dom.js';
import { graphql, session } from './gateway.js';

/**
 * Shows `journey` (a ConsoleTimeline) in #journey, replacing what was there. `decide(journey, action, approve,
 * reason)` is called when someone approves or declines a pending action.
 */
export function renderJourney(journey, { decide }) {
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
  renderActions(journey, decide);
  const critical = journey.steps.filter((s) => s.mode !== 'BACKGROUND');
  const followUps = journey.steps.filter((s) => s.mode === 'BACKGROUND');
  $('steps').replaceChildren(...critical.map((s) => stepView(journey.id, s)));
  $('follow-ups').replaceChildren(...(followUps.length ? followUps.map((s) => stepView(journey.id, s)) : [h('p', {}, 'No follow-up.')]));
}

function renderActions(journey, decide) {
  const items = journey.actions.map((action) => actionView(journey, action, decide));
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

const DECIDED = { APPLIED: 'Approved', DECLINED: 'Declined', WITHDRAWN: 'Withdrawn' };

function actionView(journey, action, decide) {
  const mine = action.requestedBy === session.staffId;
  const what = [action.kind, action.step ? ` of ${action.step}` : '', action.resolution ? ` as ${action.resolution}` : ''].join('');
  const item = h(
    'li',
    { 'data-action-id': action.id, 'data-status': action.status, class: `action action-${action.status}` },
    h('div', { class: 'action-head' }, h('strong', {}, what), ' ', h('span', { class: `status status-${action.status}` }, action.status)),
    h('p', {}, 'Requested by ', h('strong', { class: 'requested-by' }, action.requestedBy), mine ? ' (you)' : '', ` at ${action.requestedAt}`),
    h('blockquote', { class: 'action-reason' }, action.reason),
    action.decidedBy
      ? h('p', {}, `${DECIDED[action.status] ?? 'Decided'} by `, h('strong', { class: 'decided-by' }, action.decidedBy), ` at ${action.decidedAt ?? ''}`)
      : null,
    action.decisionReason ? h('blockquote', { class: 'decision-reason' }, action.decisionReason) : null,
    action.status === 'AWAITING_APPROVAL' ? h('p', { class: 'hint' }, `Awaiting approval by a second person; expires at ${action.expiresAt}.`) : null,
  );
  if (action.status === 'AWAITING_APPROVAL') {
    const reason = h('input', { class: 'decision-input', placeholder: mine ? 'A second person must approve; you may withdraw it (reason required)' : 'Your reason (required to decline)', maxlength: 1000 });
    const button = (approve, label) =>
      h('button', { type: 'button', class: approve ? 'approve' : 'decline', onclick: () => decide(journey, action, approve, reason.value.trim()) }, label);
    // Your own request: approving it is refused (four eyes), so the page offers to withdraw it instead (the server says the same).
    item.append(h('div', { class: 'decision' }, reason, button(true, 'Approve'), button(false, mine ? 'Withdraw' : 'Decline')));
  }
  return item;
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

// The work queue: parked journeys (or any status and type) newest first, with the store's counts per status and type.

import { $, ageOf, attempt, h } from './dom.js';
import { graphql } from './gateway.js';

const STATUSES = ['NEEDS_ATTENTION', 'RUNNING', 'COMPENSATING', 'COMPLETED', 'REJECTED', 'COMPENSATED'];
const TYPES = ['SEND_INTERNATIONAL_PAYMENT', 'ONBOARD_CUSTOMER', 'CONVERT_CURRENCY', 'ISSUE_CARD', 'FREEZE_CARD', 'UNFREEZE_CARD'];

let cursor = null;
let open = () => {};

/** Fills the filters (parked by default) and wires them; `onOpen(id)` is called when a row is chosen. */
export function initQueue({ onOpen }) {
  open = onOpen;
  const option = (value, label) => h('option', { value }, label);
  $('filter-status').replaceChildren(option('', 'any status'), ...STATUSES.map((s) => option(s, s)));
  $('filter-status').value = 'NEEDS_ATTENTION';
  $('filter-type').replaceChildren(option('', 'any type'), ...TYPES.map((t) => option(t, t)));
  $('filter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void loadQueue();
  });
  $('filter-status').addEventListener('change', () => void loadQueue());
  $('filter-type').addEventListener('change', () => void loadQueue());
  $('queue-more').addEventListener('click', () => void loadQueue(true));
}

/** Reads the queue again from the start, or its next page (`more`). */
export async function loadQueue(more = false) {
  await attempt(async () => {
    const data = await graphql('ConsoleQueue', { filter: filterOf(), first: 50, after: more ? cursor : null });
    renderSummary(data.journeySummary);
    const rows = data.journeys.nodes.map(queueRow);
    if (more) $('queue-rows').append(...rows);
    else $('queue-rows').replaceChildren(...rows);
    cursor = data.journeys.pageInfo.endCursor;
    $('queue-more').hidden = !data.journeys.pageInfo.hasNextPage;
    $('queue-empty').hidden = $('queue-rows').children.length > 0;
  });
}

/** Empties the queue (signing out). */
export function clearQueue() {
  cursor = null;
  $('queue-rows').replaceChildren();
}

function filterOf() {
  const filter = {};
  if ($('filter-status').value) filter.status = $('filter-status').value;
  if ($('filter-type').value) filter.type = $('filter-type').value;
  return filter;
}

function queueRow(journey) {
  const choose = () => open(journey.id);
  return h(
    'tr',
    { 'data-journey-id': journey.id, 'data-status': journey.status, tabindex: 0, onclick: choose, onkeydown: (e) => e.key === 'Enter' && choose() },
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

/**
 * The authorisation server's pages: server-rendered HTML with inline CSS, no script at all, nothing from another
 * origin. Every value rendered goes through `esc` (text and attribute context alike).
 *
 * Stable hooks for browser tests (keep them when restyling):
 *   login page      form#login-form  input#customer (name=customer)  input#password (name=password)  button#login
 *                   p#error (a refused login)
 *   approval page   #partner-name  ul#permissions > li[data-scope]  #expiry  #payment (payment consents)
 *                   fieldset#accounts > input#account-<accountId> (checkbox, name=account, value=<accountId>)
 *                   with a label[for=account-<accountId>]; button#approve / button#decline (name=decision)
 *                   p#error (e.g. no account chosen)
 *   error page      h1#error-title  p#error-code (the stable code)  p#error-description
 */
import type { AuthorisationView } from './consents-client.js';

export function esc(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f3f4f6; color: #111827; margin: 0; }
  main { max-width: 34rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 2rem; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  h1 { font-size: 1.4rem; margin-top: 0; }
  .bank { color: #1d4ed8; font-weight: 600; letter-spacing: .02em; margin-bottom: 1rem; }
  label { display: block; margin: .6rem 0 .2rem; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  fieldset { border: 1px solid #d1d5db; border-radius: 6px; margin: 1rem 0; }
  fieldset label { display: inline; margin: 0 0 0 .3rem; }
  .account { margin: .4rem 0; }
  ul { padding-left: 1.2rem; }
  .buttons { display: flex; gap: 1rem; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .6rem 1.4rem; border-radius: 6px; border: 1px solid #1d4ed8; cursor: pointer; }
  button.primary { background: #1d4ed8; color: #fff; }
  button.secondary { background: #fff; color: #1d4ed8; }
  .error { color: #b91c1c; font-weight: 600; }
  .muted { color: #6b7280; font-size: .9rem; }
`;

/** Headers of every page: no script, no other origin, not framed (an approval page in a frame is clickjacking). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main><div class="bank">bankgraph sandbox bank</div>${body}</main></body></html>`;
}

export function loginPage(input: { action: string; partnerName: string; customer?: string; error?: string; sandboxHint?: boolean }): string {
  return page(
    'Log in to your bank',
    `<h1>Log in to your bank</h1>
<p><strong>${esc(input.partnerName)}</strong> is asking for your consent. Log in first.</p>
${input.error ? `<p id="error" class="error">${esc(input.error)}</p>` : ''}
<form id="login-form" method="post" action="${esc(input.action)}" autocomplete="off">
  <label for="customer">Customer id</label>
  <input type="text" id="customer" name="customer" value="${esc(input.customer ?? '')}" required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" required>
  <div class="buttons"><button type="submit" id="login" class="primary">Log in</button></div>
</form>
${input.sandboxHint ? '<p class="muted" id="sandbox-hint">Sandbox: customers cust-0001 to cust-0024, password sandbox-password-NNNN (legacy/authorisation-server/customers.json).</p>' : ''}`,
  );
}

function dateText(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function approvalPage(input: { action: string; view: AuthorisationView; customerName: string; chosen?: readonly string[]; error?: string }): string {
  const { consent, partnerName, permissions, accounts } = input.view;
  const requested = consent.requestedAccountIds;
  const chosen = new Set(input.chosen ?? requested ?? []);
  const window =
    consent.transactionFrom || consent.transactionTo
      ? `<p id="transaction-window">Transactions from ${esc(consent.transactionFrom ? dateText(consent.transactionFrom) : 'the first one')} to ${esc(consent.transactionTo ? dateText(consent.transactionTo) : 'now')}.</p>`
      : '';
  const payment = consent.payment
    ? `<p id="payment">A payment of <strong>${esc(consent.payment.amount)} ${esc(consent.payment.currency)}</strong> to <strong>${esc(consent.payment.creditorName)}</strong> (${esc(consent.payment.creditorAccount)})${consent.payment.reference ? `, reference “${esc(consent.payment.reference)}”` : ''}.</p>`
    : '';
  const accountRows = accounts
    .map((a) => {
      const id = `account-${a.id}`;
      return `<div class="account"><input type="checkbox" id="${esc(id)}" name="account" value="${esc(a.id)}"${chosen.has(a.id) ? ' checked' : ''}><label for="${esc(id)}">${esc(a.name)} (${esc(a.currency)}, ${esc(a.maskedNumber)})</label></div>`;
    })
    .join('\n');
  return page(
    `Consent for ${partnerName}`,
    `<h1>Give <span id="partner-name">${esc(partnerName)}</span> access?</h1>
<p>Logged in as <strong id="customer-name">${esc(input.customerName)}</strong>.</p>
${input.error ? `<p id="error" class="error">${esc(input.error)}</p>` : ''}
${payment}
<p>${esc(partnerName)} will be able to see or do:</p>
<ul id="permissions">
${permissions.map((p) => `<li data-scope="${esc(p.scope)}">${esc(p.text)}</li>`).join('\n')}
</ul>
${window}
<p id="expiry">${consent.expiresAt ? `This consent ends on ${esc(dateText(consent.expiresAt))}.` : 'This consent has no end date: you can revoke it at any time.'}</p>
<form id="decision-form" method="post" action="${esc(input.action)}">
  <fieldset id="accounts"><legend>${consent.kind === 'payment' ? 'Pay from' : 'Accounts to share'}</legend>
${accountRows}
  </fieldset>
  <div class="buttons">
    <button type="submit" id="approve" name="decision" value="approve" class="primary">Approve</button>
    <button type="submit" id="decline" name="decision" value="decline" class="secondary" formnovalidate>Decline</button>
  </div>
</form>
<p class="muted">Consent ${esc(consent.id)}. You can revoke it at any time in your bank's app.</p>`,
  );
}

export function errorPage(input: { title: string; code: string; description: string }): string {
  return page(
    input.title,
    `<h1 id="error-title">${esc(input.title)}</h1>
<p id="error-description">${esc(input.description)}</p>
<p class="muted">Code: <span id="error-code">${esc(input.code)}</span></p>`,
  );
}

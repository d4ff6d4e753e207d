import { describe, expect, it } from 'vitest';
import { canReadAccount, canReadCustomer, type Principal } from '../../lib/principal.js';

describe('canReadCustomer', () => {
  it('lets customers read themselves only, staff anyone', () => {
    const customer: Principal = { kind: 'customer', customerId: 'cust-0001' };
    expect(canReadCustomer(customer, 'cust-0001')).toBe(true);
    expect(canReadCustomer(customer, 'cust-0002')).toBe(false);
    expect(canReadCustomer({ kind: 'staff', staffId: 's-1', role: 'support' }, 'cust-0002')).toBe(true);
  });

  it('lets a partner read only the customer of a live consent, and of their accounts only the consented ones', () => {
    const consent = { id: 'cns-1', customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const partner: Principal = { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic'], consent };
    expect(canReadCustomer(partner, 'cust-0001')).toBe(true);
    expect(canReadCustomer(partner, 'cust-0002')).toBe(false);
    expect(canReadCustomer({ ...partner, consent: null }, 'cust-0001')).toBe(false);
    const expired = { ...consent, expiresAt: new Date(Date.now() - 1000).toISOString() };
    expect(canReadCustomer({ ...partner, consent: expired }, 'cust-0001')).toBe(false);
    expect(canReadCustomer({ ...partner, consent: { ...consent, expiresAt: 'not a date' } }, 'cust-0001')).toBe(false);

    expect(canReadAccount(partner, { id: 'acc-5001', customerId: 'cust-0001' })).toBe(true);
    expect(canReadAccount(partner, { id: 'acc-5002', customerId: 'cust-0001' })).toBe(false);
    // An account id in the consent that is not the consented customer's is still not theirs to read.
    expect(canReadAccount(partner, { id: 'acc-5001', customerId: 'cust-0002' })).toBe(false);
    expect(canReadAccount({ kind: 'customer', customerId: 'cust-0001' }, { id: 'acc-5002', customerId: 'cust-0001' })).toBe(true);
  });
});

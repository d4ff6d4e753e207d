import { describe, expect, it } from 'vitest';
import { canReadCustomer, type Principal } from '../../lib/principal.js';

describe('canReadCustomer', () => {
  it('lets customers read themselves only, staff anyone', () => {
    const customer: Principal = { kind: 'customer', customerId: 'cust-0001' };
    expect(canReadCustomer(customer, 'cust-0001')).toBe(true);
    expect(canReadCustomer(customer, 'cust-0002')).toBe(false);
    expect(canReadCustomer({ kind: 'staff', staffId: 's-1', role: 'support' }, 'cust-0002')).toBe(true);
  });

  it('denies partners, even with a live consent for that very customer (partner access is not built yet)', () => {
    const consent = { id: 'cns-1', customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const partner: Principal = { kind: 'partner', clientId: 'budget-app', scopes: ['accounts', 'balances'], consent };
    expect(canReadCustomer(partner, 'cust-0001')).toBe(false);
    expect(canReadCustomer({ ...partner, consent: null }, 'cust-0001')).toBe(false);
  });
});

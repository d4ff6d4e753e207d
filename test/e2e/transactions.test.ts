import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

interface Page {
  nodes: { id: string; bookedOn: string; type: string; reversed: boolean }[];
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PAGE = /* GraphQL */ `
  query Page($id: ID!, $first: Int, $after: String) {
    account(id: $id) {
      transactions(first: $first, after: $after) {
        nodes { id bookedOn type reversed }
        totalCount
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

describe('transactions through the graph', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.customerToken('cust-0001');
  });
  afterAll(() => stack?.stop());

  async function page(id: string, first: number, after: string | null): Promise<Page> {
    const answer = await stack.graphql(PAGE, { id, first, after }, token);
    expect(answer.body.errors).toBeUndefined();
    return (answer.body.data as { account: { transactions: Page } }).account.transactions;
  }

  it("pages through all 30 of acc-5001's transactions with endCursor, 10 at a time, newest first, none twice", async () => {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const p: Page = await page('acc-5001', 10, after);
      pages.push(p);
      after = p.pageInfo.endCursor;
      if (p.pageInfo.hasNextPage) expect(after).toBeTruthy();
    } while (pages.at(-1)!.pageInfo.hasNextPage && pages.length < 10);

    expect(pages.map((p) => [p.nodes.length, p.totalCount, p.pageInfo.hasNextPage])).toEqual([
      [10, 30, true],
      [10, 30, true],
      [10, 30, false],
    ]);
    expect(pages.at(-1)?.pageInfo.endCursor).toBeNull();
    const all = pages.flatMap((p) => p.nodes);
    expect(new Set(all.map((t) => t.id)).size).toBe(30);
    expect(all[0]?.bookedOn).toBe('2026-10-01');
    expect(all[29]?.bookedOn).toBe('2026-09-02');
    const dates = all.map((t) => t.bookedOn);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('refuses a bad cursor on its own page only: the other account in the same request still answers', async () => {
    const query = /* GraphQL */ `
      {
        good: account(id: "acc-5001") { transactions(first: 2) { nodes { id } } }
        bad: account(id: "acc-5002") { transactions(first: 2, after: "not-a-cursor") { nodes { id } } }
      }
    `;
    const answer = await stack.graphql(query, {}, token);
    const data = answer.body.data as { good: { transactions: { nodes: unknown[] } | null }; bad: { transactions: unknown } };
    expect(data.good.transactions?.nodes).toHaveLength(2);
    expect(data.bad.transactions).toBeNull();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]).toMatchObject({ path: ['bad', 'transactions'], extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
  });

  it("shows acc-5002's reversed withdrawal, flagged", async () => {
    const p = await page('acc-5002', 10, null);
    expect(p.nodes.map((t) => [t.bookedOn, t.type, t.reversed])).toEqual([
      ['2026-10-01', 'INTEREST', false],
      ['2026-09-20', 'WITHDRAWAL', true],
      ['2026-09-15', 'FEE', false],
      ['2026-09-01', 'DEPOSIT', false],
    ]);
  });
});

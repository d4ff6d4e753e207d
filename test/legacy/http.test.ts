import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Simulator, type RunningSimulator } from '../../legacy/http.js';

/** The shared simulator helper's faults, on a tiny simulator that counts what its handler did. */
describe('legacy/http.ts faults', () => {
  let booked = 0;
  const sim = new Simulator({ system: 'tiny' })
    .route('POST', '/things', () => {
      booked++;
      return { status: 201, json: { id: booked } };
    })
    .route('GET', '/things', () => ({ json: { booked } }));
  let running: RunningSimulator;

  beforeAll(async () => {
    running = await sim.listen(0);
  });
  afterAll(() => running.close());
  beforeEach(() => {
    sim.clearFaults();
    booked = 0;
  });

  it('lostResponseRate runs the handler, then resets the connection instead of answering', async () => {
    sim.addFault({ route: 'POST /things', lostResponseRate: 1 });
    await expect(fetch(`${running.url}/things`, { method: 'POST' })).rejects.toThrow();
    expect(booked).toBe(1); // the effect happened; only the answer is gone
    expect(((await (await fetch(`${running.url}/things`)).json()) as { booked: number }).booked).toBe(1); // other routes answer

    sim.clearFaults();
    expect((await fetch(`${running.url}/things`, { method: 'POST' })).status).toBe(201);
    expect(booked).toBe(2);
  });

  it('errorRate, by contrast, answers 5xx before the handler runs', async () => {
    sim.addFault({ route: 'POST /things', errorRate: 1 });
    expect((await fetch(`${running.url}/things`, { method: 'POST' })).status).toBe(500);
    expect(booked).toBe(0);
  });

  it('takes the new rates through POST /__faults, checks them, and lists them', async () => {
    const add = (fault: unknown) => fetch(`${running.url}/__faults`, { method: 'POST', body: JSON.stringify(fault) });
    expect((await add({ lostResponseRate: 2 })).status).toBe(400);
    expect((await add({ subRequestErrorRate: -1 })).status).toBe(400);
    expect((await add({ route: 'GET /things/:id', subRequestErrorRate: 1 })).status).toBe(201);
    expect(sim.subRequestFails('GET /things/:id')).toBe(true);
    expect(sim.subRequestFails('GET /other')).toBe(false);
    // A sub-request fault changes nothing for plain calls.
    expect((await fetch(`${running.url}/things`, { method: 'POST' })).status).toBe(201);
  });
});

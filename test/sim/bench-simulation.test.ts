import { describe, expect, it } from 'vitest';
import { profiled } from '../../scripts/bench-profile.ts';
import { bareInterpreter, JOURNEYS, simulateCustomers } from '../../scripts/bench-simulation.ts';

/**
 * The benchmark's two simulation phases on a handful of customers: `npm run bench` is not part of
 * the tests, so a journey or trigger change that breaks its replay would otherwise show only when
 * somebody next measures.
 */
describe('the benchmark simulation', () => {
  it('splits the CPU of the measured phase alone between the parts', async () => {
    const secrets = { apiKey: 'bench-key', shopifySecret: 's', wooSecret: 'w', stripeSecret: 's', unsubscribeSecret: 'bench-unsubscribe-secret-0123' };
    const { shares, floorWithoutEngine } = await profiled((bracket) => simulateCustomers({ customers: 60, journeys: JOURNEYS, prefix: 'p-', label: 'test: profiled', store: 'memory', secrets, bracket }));
    expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    for (const part of ['interpreter', 'product', 'store'] as const) expect(shares[part]).toBeGreaterThan(0);
    expect(floorWithoutEngine).toBeGreaterThan(1);
  });

  it('replays every execution the engine ran in the bare interpreter, step for step', async () => {
    const secrets = { apiKey: 'bench-key', shopifySecret: 's', wooSecret: 'w', stripeSecret: 's', unsubscribeSecret: 'bench-unsubscribe-secret-0123' };
    const run = await simulateCustomers({ customers: 20, journeys: JOURNEYS, prefix: 't-', label: 'test', store: 'memory', secrets, record: true });
    expect(run.sent.email).toBeGreaterThan(0);
    const journeys = new Set(run.recorded.map((r) => r.journey));
    for (const j of JOURNEYS) expect(journeys).toContain(j);
    // An order starts more than the journey it is aimed at: those executions are replayed too.
    expect([...journeys].some((j) => !(JOURNEYS as readonly string[]).includes(j))).toBe(true);
    const bare = await bareInterpreter(run.recorded, 20, 'test: bare');
    expect(bare.executions).toBe(run.recorded.length);
    expect(bare.executions).toBe(run.counters.started);
  });
});

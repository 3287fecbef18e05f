import { describe, expect, it } from 'vitest';
import { bareInterpreter, JOURNEYS, simulateCustomers } from '../../scripts/bench-simulation.ts';

/**
 * The benchmark's two simulation phases on a handful of customers: `npm run bench` is not part of
 * the tests, so a journey or trigger change that breaks its replay would otherwise show only when
 * somebody next measures.
 */
describe('the benchmark simulation', () => {
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

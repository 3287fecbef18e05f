import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { readScenario, simulate } from '../../local/simulate.ts';
import { secretsFromEnv } from '../../local/stack.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, inbox, SECRETS } from '../support/local.ts';

/**
 * The shipped win-back's VIP branch end to end, through its synthesized state machine on DynamoDB
 * Local: the shop loads unique codes over the API, the morning run gives each VIP one of them (a
 * different one each), and once the pool is empty a VIP gets the note without a code.
 */
const harness = localHarness();
const D0 = new Date('2026-01-05T12:00:00Z');
const VIP_SUBJECT = 'Dawno Cię u nas nie było — mamy coś dla stałych klientów';

describe('unique codes from a pool in win-back', () => {
  it('gives two VIPs two different codes of the pool, and a third the note without a code once it is empty', async () => {
    const s = await harness.stack(D0);
    const bearer = { authorization: `Bearer ${SECRETS.apiKey}`, 'content-type': 'application/json' };
    const load = await s.request({ method: 'POST', path: '/v1/code-pools/winback-vip', headers: bearer, rawBody: Buffer.from(JSON.stringify({ codes: ['WRACAJ-7Q2F', 'WRACAJ-K9D1'] })) });
    expect(load).toMatchObject({ status: 200, body: { added: 2, left: 2 } });
    const vips = ['vip.jeden@example.pl', 'vip.dwa@example.pl', 'vip.trzy@example.pl'];
    for (const [i, email] of vips.entries()) {
      const res = await s.request(
        apiEvent({ id: `vip-${i}`, type: 'order.placed', occurredAt: D0.toISOString(), customer: { email, firstName: 'Zofia', locale: 'pl', consent: { emailMarketing: true } }, order: { id: `vip-${i}`, total: '1250.00', currency: 'PLN' } }),
      );
      expect(res.status).toBe(202);
    }
    // Day 180 after D0 is 4 July 2026; the run is at 09:00 in Warsaw (07:00 UTC).
    await s.engine.advanceTo(new Date('2026-07-04T08:00:00Z'));
    const notes = await Promise.all(vips.map(async (email) => (await inbox(s.sesEndpoint!, email)).filter((m) => m.subject === VIP_SUBJECT)));
    for (const n of notes) expect(n).toHaveLength(1);
    const codes = notes.map((n) => /kod rabatowy to ([A-Z0-9-]+)/.exec(n[0]!.body.text ?? '')?.[1]);
    // The run starts the three in an order of its own: two got a code each, one found the pool empty.
    const given = codes.filter((c) => c !== undefined);
    expect(given.sort()).toEqual(['WRACAJ-7Q2F', 'WRACAJ-K9D1']);
    const plain = notes[codes.indexOf(undefined)]![0]!;
    expect(plain.body.text).toContain('darmowa dostawa');
    expect(plain.body.text).not.toMatch(/WRACAJ-/);
    const status = await s.request({ method: 'GET', path: '/v1/code-pools/winback-vip', headers: bearer, rawBody: Buffer.alloc(0) });
    expect(status.body).toEqual({ pool: 'winback-vip', loaded: 2, claimed: 2, left: 0 });
    // Each code is kept with its customer's data, and the empty pool is in the log without a code or an address.
    for (const [i, email] of vips.entries()) {
      const exported = await s.store.exportCustomer('default', customerIdFor('default', { email })!);
      expect(exported['codes'], email).toEqual(codes[i] ? [expect.objectContaining({ code: codes[i], pool: 'winback-vip', node: 'vip-code' })] : []);
    }
    expect(s.log.lines.filter((l) => l.includes('CODE_POOL_EMPTY'))).toHaveLength(1);
    expect(s.log.lines.some((l) => /WRACAJ-|vip\.(jeden|dwa|trzy)/.test(l))).toBe(false);
  });
});

describe('the simulator and a code pool', () => {
  it('replays the load and the VIP branch the same way every time, each line naming its step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'code-pool-sim-'));
    const headers = { authorization: `Bearer ${secretsFromEnv().apiKey}` };
    const vip = (n: number) => ({ at: D0.toISOString(), route: '/v1/events', headers, body: { id: `sim-vip-${n}`, type: 'order.placed', occurredAt: D0.toISOString(), customer: { email: `sim.vip${n}@example.pl`, firstName: 'Ola', consent: { emailMarketing: true } }, order: { id: `sim-vip-${n}`, total: '1400.00', currency: 'PLN' } } });
    const scenario = [{ at: D0.toISOString(), route: '/v1/code-pools/winback-vip', headers, body: { codes: ['SIM-AAA1', 'SIM-BBB2'] } }, vip(1), vip(2), vip(3)];
    const file = join(dir, 'vip.jsonl');
    writeFileSync(file, scenario.map((l) => JSON.stringify(l)).join('\n'));
    const run = async () => {
      const lines: Record<string, unknown>[] = [];
      await simulate(readScenario(file), { forSeconds: 181 * 86_400, backend: 'memory', trace: true, write: (l) => lines.push(l) });
      return lines.filter((l) => l['type'] !== 'summary');
    };
    try {
      const first = await run();
      expect(first.filter((l) => l['type'] === 'ingest').map((l) => l['status'])).toEqual([200, 202, 202, 202]);
      const notes = first.filter((l) => l['type'] === 'message' && l['journey'] === 'win-back');
      expect(notes.map((l) => l['step']).sort()).toEqual(['vip-note', 'vip-note-coded', 'vip-note-coded']);
      expect(first.filter((l) => l['type'] === 'trace' && l['node'] === 'vip-code').map((l) => l['outcome']).sort()).toEqual(['a code from winback-vip', 'a code from winback-vip', 'winback-vip empty']);
      expect(await run()).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

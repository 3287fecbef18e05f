import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/shared/clock.ts';
import { documentClient } from '../../functions/adapters/dynamo/client.ts';
import { VirtualClock } from '../../local/clock.ts';
import { LOCAL_CREDENTIALS } from '../../local/dynamodb-local.ts';
import { startLocalStack } from '../../local/stack.ts';
import { localHarness } from '../support/harness.ts';
import { checkoutEvent, hours, inbox, memoryLog, SECRETS } from '../support/local.ts';

const harness = localHarness();
const T = new Date('2026-05-04T08:00:00Z');
const JSON_TYPE = { 'content-type': 'application/json' };
const BEARER = { authorization: `Bearer ${SECRETS.apiKey}` };

/** Whether a TCP connection to host:port is accepted (refused, unreachable or silent: false). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1500 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** A raw HTTP request, so the test chooses every header, Host included (fetch would not let it). */
function send(url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: o.method ?? 'GET', headers: { host: u.host, ...o.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.once('error', reject);
    req.end(o.body);
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('listening addresses', () => {
  it('DynamoDB Local, the SES emulator, the SMS outbox and the API accept connections on 127.0.0.1 only', async () => {
    const s = await harness.stack(T, { tablePrefix: 'la-' });
    const servers = { dynamodb: harness.endpoint, ses: s.sesEndpoint!, sms: s.smsOutboxUrl!, api: s.apiUrl };
    // Every other address of this machine: 127.0.0.2 is loopback too on Linux, so a server bound to
    // every interface answers there, and one bound to 127.0.0.1 does not; then the network cards'.
    const elsewhere = ['127.0.0.2'];
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) if (!a.internal && !a.address.startsWith('fe80:')) elsewhere.push(a.address);
    }
    for (const [name, url] of Object.entries(servers)) {
      const port = portOf(url);
      expect(new URL(url).hostname, name).toBe('127.0.0.1');
      expect(await accepts('127.0.0.1', port), `${name} on 127.0.0.1`).toBe(true);
      for (const address of elsewhere) expect(await accepts(address, port), `${name} on ${address}`).toBe(false);
    }
  });
});

describe('/_local/clock', () => {
  it('moves a virtual clock for a same-origin JSON POST at the loopback address, and answers its time to a GET', async () => {
    const s = await harness.stack(T, { tablePrefix: 'lc1-' });
    const url = `${s.apiUrl}/_local/clock`;
    expect(await send(`${url}?advance=PT1H`, { method: 'POST', headers: JSON_TYPE })).toEqual({ status: 200, body: { now: '2026-05-04T09:00:00.000Z' } });
    const port = portOf(s.apiUrl);
    const sameOrigin = await send(`${url}?advance=PT30M`, { method: 'POST', headers: { ...JSON_TYPE, host: `localhost:${port}`, origin: `http://localhost:${port}` } });
    expect(sameOrigin).toEqual({ status: 200, body: { now: '2026-05-04T09:30:00.000Z' } });
    expect(await send(url)).toEqual({ status: 200, body: { now: '2026-05-04T09:30:00.000Z' } });
  });

  it('refuses what a page on another site could send: a form POST, another Origin, another Host name', async () => {
    const s = await harness.stack(T, { tablePrefix: 'lc2-' });
    const url = `${s.apiUrl}/_local/clock?advance=P1D`;
    const port = portOf(s.apiUrl);
    const attempts: { status: number; headers: Record<string, string> }[] = [
      // The simple cross-site form POST (no preflight): another Origin and a form body.
      { status: 403, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } },
      { status: 403, headers: { ...JSON_TYPE, origin: 'https://evil.example' } },
      { status: 403, headers: { ...JSON_TYPE, origin: 'null' } },
      { status: 403, headers: { ...JSON_TYPE, origin: `http://localhost:${port}` } },
      // DNS rebinding: another site's name pointed at 127.0.0.1, so the page is "same origin".
      { status: 403, headers: { ...JSON_TYPE, host: `evil.example:${port}`, origin: `http://evil.example:${port}` } },
      { status: 403, headers: { ...JSON_TYPE, host: `evil.example:${port}` } },
      { status: 403, headers: { ...JSON_TYPE, host: '127.0.0.1' } },
      // No CORS preflight is needed for these, and they are not JSON.
      { status: 415, headers: { 'content-type': 'text/plain' } },
      { status: 415, headers: { 'content-type': 'multipart/form-data; boundary=x' } },
      { status: 415, headers: {} },
    ];
    for (const a of attempts) {
      const res = await send(url, { method: 'POST', headers: a.headers, body: 'advance=P1D' });
      expect(res.status, JSON.stringify(a.headers)).toBe(a.status);
    }
    expect(s.clock.now()).toEqual(T);
    expect((await send(`${s.apiUrl}/_local/clock`, { method: 'PUT', headers: JSON_TYPE })).status).toBe(405);
    expect(s.log.lines.filter((l) => l.includes('local-clock'))).toHaveLength(attempts.length + 1);
  });

  it('answers a malformed, negative or too long ?advance= with 400 naming the parameter, and leaves the clock', async () => {
    const s = await harness.stack(T, { tablePrefix: 'lc3-' });
    for (const advance of ['banana', 'P', 'PT', '-PT1H', 'PT-1H', '', 'P1Y', 'PT1.5H', 'P367D', 'P99999999999999999999D']) {
      const res = await send(`${s.apiUrl}/_local/clock?advance=${encodeURIComponent(advance)}`, { method: 'POST', headers: JSON_TYPE });
      expect(res.status, advance).toBe(400);
      expect(res.body['error'], advance).toMatch(/^advance /);
      expect(res.body['details']).toEqual([expect.objectContaining({ path: 'advance' })]);
    }
    expect(s.clock.now()).toEqual(T);
    expect((await send(`${s.apiUrl}/_local/clock?advance=P1D`, { method: 'POST', headers: JSON_TYPE })).body).toEqual({ now: '2026-05-05T08:00:00.000Z' });
  });

  it('does not exist on the real clock', async () => {
    const log = memoryLog();
    const s = await startLocalStack({ clock: systemClock, log, secrets: SECRETS, dynamoEndpoint: harness.endpoint, tablePrefix: 'lc4-' });
    try {
      expect((await send(`${s.apiUrl}/_local/clock?advance=P1D`, { method: 'POST', headers: JSON_TYPE })).status).toBe(404);
      expect((await send(`${s.apiUrl}/_local/clock`)).status).toBe(404);
    } finally {
      await s.stop();
    }
  });
});

describe('/_local/feedback', () => {
  const bounce = (email: string) => JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: email }] }, mail: {} });

  it('needs the bearer key, JSON and the loopback origin, under the virtual clock and the real one', async () => {
    const virtual = await harness.stack(T, { tablePrefix: 'lf1-' });
    const real = await startLocalStack({ clock: systemClock, log: memoryLog(), secrets: SECRETS, dynamoEndpoint: harness.endpoint, tablePrefix: 'lf2-' });
    try {
      for (const s of [virtual, real]) {
        const url = `${s.apiUrl}/_local/feedback`;
        const email = 'twarda.odbita@example.pl';
        const refusals: { status: number; headers: Record<string, string> }[] = [
          { status: 401, headers: JSON_TYPE },
          { status: 401, headers: { ...JSON_TYPE, authorization: 'Bearer not-the-key' } },
          { status: 401, headers: { ...JSON_TYPE, authorization: SECRETS.apiKey } },
          { status: 403, headers: { ...JSON_TYPE, ...BEARER, origin: 'https://evil.example' } },
          { status: 403, headers: { ...JSON_TYPE, ...BEARER, host: `evil.example:${portOf(s.apiUrl)}` } },
          { status: 415, headers: { ...BEARER, 'content-type': 'text/plain' } },
          { status: 403, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } },
        ];
        for (const r of refusals) expect((await send(url, { method: 'POST', headers: r.headers, body: bounce(email) })).status, JSON.stringify(r.headers)).toBe(r.status);
        expect((await send(url, { headers: BEARER })).status).toBe(405);
        expect(await s.store.isSuppressed(s.tenant, 'email', email)).toBe(false);

        expect(await send(url, { method: 'POST', headers: { ...BEARER, 'content-type': 'application/json; charset=utf-8' }, body: bounce(email) })).toEqual({ status: 200, body: { kind: 'bounce', suppressed: 1 } });
        expect(await s.store.isSuppressed(s.tenant, 'email', email)).toBe(true);
      }
      // Refusals are logged without the body's address.
      expect(virtual.log.lines.join('\n')).not.toContain('odbita');
    } finally {
      await real.stop();
    }
  });
});

describe('virtual clock across restarts', () => {
  it('carries on from the time it reached, whatever time the new clock was made with', async () => {
    const first = await harness.stack(T, { tablePrefix: 'lr1-', persistClock: true });
    expect((await send(`${first.apiUrl}/_local/clock?advance=P2D`, { method: 'POST', headers: JSON_TYPE })).status).toBe(200);
    await harness.crash(first);

    // npm start makes the clock at the wall-clock time: later than the time reached.
    const second = await harness.stack(new Date(T.getTime() + hours(24 * 30)), { tablePrefix: 'lr1-', persistClock: true });
    expect(second.clock.now()).toEqual(new Date(T.getTime() + hours(48)));
    expect((await send(`${second.apiUrl}/_local/clock?advance=PT1H`, { method: 'POST', headers: JSON_TYPE })).body).toEqual({ now: '2026-05-06T09:00:00.000Z' });
    await second.stop();

    const third = await harness.stack(T, { tablePrefix: 'lr1-', persistClock: true });
    expect((await send(`${third.apiUrl}/_local/clock`)).body).toEqual({ now: '2026-05-06T09:00:00.000Z' });
  });

  it('starts no earlier than the executions stored, and not at their wake times', async () => {
    const email = 'wznowienie@example.pl';
    // A run that kept no time (an older data dir): a checkout at T+5h, waiting until T+6h.
    const first = await harness.stack(T, { tablePrefix: 'lr2-' });
    await first.engine.advanceTo(new Date(T.getTime() + hours(5)));
    await first.request(checkoutEvent('c-resume', email, 'tok-resume', first.clock.now()));
    await harness.crash(first);

    const second = await harness.stack(T, { tablePrefix: 'lr2-', persistClock: true });
    expect(second.clock.now()).toEqual(new Date(T.getTime() + hours(5)));
    await second.engine.advanceTo(new Date(T.getTime() + hours(6) - 1000));
    expect(await inbox(second.sesEndpoint!, email)).toHaveLength(0);
    await second.engine.advanceTo(new Date(T.getTime() + hours(6)));
    expect(await inbox(second.sesEndpoint!, email)).toHaveLength(1);
    await harness.crash(second);

    // A kept time behind an execution stored in the same table (written by another run): the later one counts.
    const db = documentClient({ endpoint: harness.endpoint, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS });
    await db.send(new PutCommand({ TableName: 'lr2-koszyk-local-executions', Item: { pk: 'CLOCK', sk: 'CLOCK', now: T.toISOString() } }));
    const third = await harness.stack(new Date(T.getTime() + hours(24 * 30)), { tablePrefix: 'lr2-', persistClock: true });
    // The first reminder ended nothing: the latest time recorded is the execution's start, T+5h.
    expect(third.clock.now()).toEqual(new Date(T.getTime() + hours(5)));
  });

  it('is not kept without persistClock: tests and the simulator start where they are told', async () => {
    const first = await harness.stack(T, { tablePrefix: 'lr3-' });
    await first.engine.advanceTo(new Date(T.getTime() + hours(10)));
    await first.stop();
    const second = await harness.stack(T, { tablePrefix: 'lr3-' });
    expect(second.clock.now()).toEqual(T);
    expect(second.clock).toBeInstanceOf(VirtualClock);
  });
});

import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { localHarness } from '../support/harness.ts';

const harness = localHarness();
const T = new Date('2026-05-04T08:00:00Z');

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

const portOf = (url: string) => Number(new URL(url).port);

describe('listening addresses', () => {
  it('DynamoDB Local, the SES emulator, the SMS outbox and the API accept connections on 127.0.0.1 only', async () => {
    const s = await harness.stack(T, { tablePrefix: 'la-' });
    const servers = { dynamodb: harness.endpoint, ses: s.sesEndpoint!, sms: s.smsOutboxUrl, api: s.apiUrl };
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

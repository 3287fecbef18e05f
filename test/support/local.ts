import { randomUUID } from 'node:crypto';
import type { Log } from '../../functions/shared/logger.ts';
import { VirtualClock } from '../../local/clock.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.ts';

export const SECRETS = {
  apiKey: 'test-api-key',
  shopifySecret: 'test_webhook_secret_DO_NOT_USE',
  wooSecret: 'test_webhook_secret_DO_NOT_USE',
  stripeSecret: 'test_webhook_secret_DO_NOT_USE',
  unsubscribeSecret: 'test-unsubscribe-secret-0123456789',
};

/** Collects log lines so tests can assert codes and scan for personal data. */
export function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (code: string, fields?: Record<string, unknown>) => lines.push(JSON.stringify({ level, code, ...fields }));
  return { lines, info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

export async function localStack(start: Date, extra: Partial<LocalStackOptions> = {}): Promise<LocalStack & { clock: VirtualClock; log: ReturnType<typeof memoryLog> }> {
  const log = memoryLog();
  const clock = new VirtualClock(start);
  const stack = await startLocalStack({ clock, log, secrets: SECRETS, tablePrefix: `t${randomUUID().slice(0, 8)}-`, ...extra });
  return Object.assign(stack, { clock, log });
}

/** The whole stack served over HTTP with state in memory and messages kept in process: no DynamoDB Local, no emulators. */
export async function memoryStack(start: Date, extra: Partial<LocalStackOptions> = {}): Promise<LocalStack<'memory'> & { clock: VirtualClock; log: ReturnType<typeof memoryLog> }> {
  const log = memoryLog();
  const clock = new VirtualClock(start);
  const stack = await startLocalStack({ clock, log, secrets: SECRETS, backend: 'memory', senders: 'in-process', ...extra });
  return Object.assign(stack, { clock, log });
}

export interface InboxEmail {
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

/** What the SES v2 emulator received for one address; `about` narrows it to a journey's subjects. */
export async function inbox(sesEndpoint: string, to: string, about?: RegExp): Promise<InboxEmail[]> {
  const res = await fetch(`${sesEndpoint}/store`);
  const { emails } = (await res.json()) as { emails: InboxEmail[] };
  return emails.filter((e) => e.destination.to.includes(to) && (!about || about.test(e.subject)));
}

export const CART = /koszyk|basket/i;

export function apiEvent(body: Record<string, unknown>) {
  return { method: 'POST', path: '/v1/events', headers: { authorization: `Bearer ${SECRETS.apiKey}`, 'content-type': 'application/json' }, rawBody: Buffer.from(JSON.stringify(body)) };
}

export function checkoutEvent(id: string, email: string, token: string, at: Date, opts: { consent?: boolean; locale?: string } = {}) {
  return apiEvent({
    id,
    type: 'checkout.abandoned',
    occurredAt: at.toISOString(),
    customer: { email, firstName: 'Zofia', locale: opts.locale ?? 'pl-PL', consent: { emailMarketing: opts.consent ?? true } },
    checkout: {
      token,
      items: [{ title: 'Kubek „Żuraw”', quantity: 2, price: '49.90' }],
      total: '99.80',
      currency: 'PLN',
      recoveryUrl: `https://sklep.example.pl/koszyk/${token}`,
    },
  });
}

export function orderEvent(id: string, email: string, token: string | undefined, at: Date) {
  return apiEvent({ id, type: 'order.placed', occurredAt: at.toISOString(), customer: { email }, order: { id: `ord-${id}`, checkoutToken: token, total: '99.80', currency: 'PLN' } });
}

export const hours = (n: number) => n * 3_600_000;

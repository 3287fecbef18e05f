import { createHash } from 'node:crypto';
import { normaliseEmail, normalisePhone } from '../core/identity.ts';

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/**
 * Customers are keyed by a pseudonymous id derived from their contact address, so a guest
 * checkout and a later order by the same address meet, and no key holds personal data.
 */
export function customerIdFor(tenant: string, contact: { email?: string | null; phone?: string | null }): string | null {
  if (contact.email) return `c_${digest(tenant, 'email', normaliseEmail(contact.email)).slice(0, 32)}`;
  if (contact.phone) return `c_${digest(tenant, 'phone', normalisePhone(contact.phone)).slice(0, 32)}`;
  return null;
}

/**
 * Step Functions execution names are unique per state machine for 90 days, which makes them
 * the journey's idempotency key: the same trigger always yields the same name. A customer who
 * comes back after an erasure is enrolled anew: `erasedAt` (their latest erasure) makes the name
 * a new one, where the old would meet the execution the erasure stopped.
 */
export function executionName(journey: string, tenant: string, key: string, erasedAt?: string): string {
  return `${journey}-${digest(tenant, journey, key, ...(erasedAt === undefined ? [] : [`erased:${erasedAt}`])).slice(0, 40)}`.slice(0, 80);
}

export function shortHash(...parts: string[]): string {
  return digest(...parts).slice(0, 32);
}

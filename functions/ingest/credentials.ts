import { createHash } from 'node:crypto';
import { shortHash } from '../shared/ids.ts';
import { parseCredential, safeEqual, shopKey } from './signatures.ts';

/**
 * The configured credentials of one kind, indexed once per list so that checking a request costs
 * the same however many shops are configured: a bearer key is found by its hash, and a signature
 * is checked only against the credentials of the shop the request names (and, when it names none
 * that is bound, against the few bound to no shop).
 */

export type Credential = { tenant: string; id: string };
type Entry = Credential & { secret: string };

/** At most this many credentials bound to no shop are tried on one signed request; bind the rest to their shop. */
export const MAX_UNBOUND_TRIED = 8;

interface CredentialIndex {
  tenant: string;
  byShop: Map<string, Entry[]>;
  unbound: Entry[];
  byKeyHash: Map<string, Entry>;
  byId: Map<string, Entry>;
}

const indexes = new WeakMap<readonly string[], CredentialIndex>();

const keyHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

function indexOf(entries: readonly string[], defaultTenant: string): CredentialIndex {
  const cached = indexes.get(entries);
  if (cached?.tenant === defaultTenant) return cached;
  const index: CredentialIndex = { tenant: defaultTenant, byShop: new Map(), unbound: [], byKeyHash: new Map(), byId: new Map() };
  for (const raw of entries) {
    const { tenant, secret, shop } = parseCredential(raw, defaultTenant);
    if (!secret) continue;
    const entry = { tenant, secret, id: shortHash(raw).slice(0, 16) };
    if (shop) index.byShop.set(shop, [...(index.byShop.get(shop) ?? []), entry]);
    else index.unbound.push(entry);
    if (!index.byKeyHash.has(keyHash(secret))) index.byKeyHash.set(keyHash(secret), entry);
    index.byId.set(entry.id, entry);
  }
  indexes.set(entries, index);
  return index;
}

/**
 * The credentials a signed request may have been signed with: those bound to the shop it names,
 * or, when none is, the first MAX_UNBOUND_TRIED bound to no shop.
 */
export function candidates(entries: readonly string[], defaultTenant: string, shop: string | undefined): readonly Entry[] {
  const index = indexOf(entries, defaultTenant);
  const bound = shop ? index.byShop.get(shopKey(shop)) : undefined;
  return bound ?? index.unbound.slice(0, MAX_UNBOUND_TRIED);
}

/** The credential whose secret verifies the request, trying only the candidates; nothing without a signature. */
export function signedBy(entries: readonly string[], defaultTenant: string, shop: string | undefined, signature: string | undefined, verifies: (secret: string) => boolean): Credential | undefined {
  if (!signature) return undefined;
  const found = candidates(entries, defaultTenant, shop).find((c) => verifies(c.secret));
  return found && { tenant: found.tenant, id: found.id };
}

/** The credential a bearer key is: one hash and one lookup, whatever the number of keys. */
export function keyed(entries: readonly string[], defaultTenant: string, token: string): Credential | undefined {
  if (!token) return undefined;
  const found = indexOf(entries, defaultTenant).byKeyHash.get(keyHash(token));
  return found && safeEqual(found.secret, token) ? { tenant: found.tenant, id: found.id } : undefined;
}

/** The credential of this id and shop, while it is configured: a session begun with a key ends when the key is removed. */
export function stillConfigured(entries: readonly string[], defaultTenant: string, credential: Credential): boolean {
  return indexOf(entries, defaultTenant).byId.get(credential.id)?.tenant === credential.tenant;
}

import type { Catalogue } from '../../workflows/src/catalogue.ts';
import type { JourneyConfig } from '../../workflows/src/journey.ts';
import { dateOf } from '../../workflows/src/waits.ts';
import type { CustomerFacts } from '../core/domain.ts';
import type { CustomerProfile } from '../core/model.ts';
import type { CustomerRepository } from './ports.ts';

/**
 * Every write of a profile's custom attributes goes through this module: the ingest's contact
 * details (an event's `customer.attributes`) and a journey's `update` node alike
 * (test/repo/profile-writes.test.ts fails on a use case calling the store's writes past it). So the
 * date index that `trigger: date` journeys read (select-dates.ts) follows each declared date
 * attribute as it is set, moved or removed, whichever path wrote it; erasure deletes the index
 * entries with the customer's partition.
 */

export interface ProfileDeps {
  config: { tenant: string };
  store: Pick<CustomerRepository, 'upsertCustomer' | 'updateProfile' | 'fileDate'>;
  /** The shop's declared attributes: the date ones are indexed. @default the dates journeys read */
  catalogue?: Pick<Catalogue, 'attributes'>;
  journeys: readonly { id: string; date?: JourneyConfig['date'] }[];
}

/** The date attributes kept in the index: every declared date attribute, and those date journeys read. */
export function indexedDates(deps: Pick<ProfileDeps, 'catalogue' | 'journeys'>): Set<string> {
  const declared = Object.entries(deps.catalogue?.attributes ?? {}).flatMap(([name, spec]) => (spec.type === 'date' ? [name] : []));
  return new Set([...declared, ...deps.journeys.flatMap((j) => (j.date ? [j.date.attribute] : []))]);
}

/** Files the named attributes that are indexed dates as the profile now holds them (a date gone takes the entry out). */
async function fileNamed(deps: ProfileDeps, customerId: string, named: readonly string[], attributes: Record<string, unknown> | undefined, at: string): Promise<void> {
  if (named.length === 0) return;
  const dates = indexedDates(deps);
  for (const attribute of named.filter((a) => dates.has(a))) {
    await deps.store.fileDate(deps.config.tenant, customerId, attribute, dateOf(attributes?.[attribute]), at);
  }
}

/**
 * Merges an event's contact details and custom attributes into the profile, then files the dates it
 * named; nothing is filed when the profile refused the event (a newer one is on file).
 */
export async function upsertProfile(deps: ProfileDeps, customerId: string, contact: CustomerFacts, at: string): Promise<CustomerProfile | undefined> {
  const profile = await deps.store.upsertCustomer(deps.config.tenant, customerId, contact, at);
  if (profile) await fileNamed(deps, customerId, Object.keys(contact.attributes ?? {}), profile.attributes, at);
  return profile;
}

/**
 * A journey's update node: sets declared attributes and adds a tag on the existing profile, then
 * files the dates it set. Nothing for a customer without a profile (an erased one): false.
 */
export async function updateProfile(deps: ProfileDeps, customerId: string, change: { attributes?: Record<string, string | number | boolean>; tag?: string }, at: string): Promise<boolean> {
  const applied = await deps.store.updateProfile(deps.config.tenant, customerId, change, at);
  if (applied) await fileNamed(deps, customerId, Object.keys(change.attributes ?? {}), change.attributes, at);
  return applied;
}

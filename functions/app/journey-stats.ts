import { type CostPrices, journeyStats, type Stats, type StatsJourney } from '../core/stats.ts';
import type { StateStore } from './ports.ts';

/**
 * The stats of a shop's journeys (GET /v1/journeys/stats), or of one (GET /v1/journeys/{id}/stats):
 * each journey's counters, one query each, through the one builder (core/stats.ts) the simulator's
 * summary uses too.
 */
export interface StatsDeps {
  tenant: string;
  store: Pick<StateStore, 'journeyCounters'>;
  journeys: readonly StatsJourney[];
  prices: CostPrices;
  now: Date;
}

/** Undefined when `journeyId` names no journey of the installation. */
export async function journeysStats(deps: StatsDeps, journeyId?: string): Promise<Stats | undefined> {
  const chosen = journeyId === undefined ? deps.journeys : deps.journeys.filter((j) => j.id === journeyId);
  if (chosen.length === 0 && journeyId !== undefined) return undefined;
  const journeys = await Promise.all(chosen.map(async (j) => journeyStats(j, await deps.store.journeyCounters(deps.tenant, j.id), deps.prices)));
  return { generatedAt: deps.now.toISOString(), journeys };
}

/** The dashboard's source of a shop's figures: the same use case as the stats endpoint. */
export function statsSource(deps: Omit<StatsDeps, 'tenant' | 'now'> & { clock: { now(): Date } }): (tenant: string) => Promise<Stats | undefined> {
  return (tenant) => journeysStats({ tenant, store: deps.store, journeys: deps.journeys, prices: deps.prices, now: deps.clock.now() });
}

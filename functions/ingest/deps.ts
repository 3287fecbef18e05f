import type { Catalogue } from '../../workflows/src/catalogue.ts';
import type { SendingHours } from '../../workflows/src/quiet-hours.ts';
import type { EnrolDeps } from '../app/enrolment.ts';
import type { Branding } from '../shared/branding.ts';
import type { AssetSource } from './dashboard/assets.ts';
import type { StatsSource } from './dashboard/stats.ts';

export interface IngestConfig {
  tenant: string;
  apiKeys: readonly string[];
  shopifySecrets: readonly string[];
  wooSecrets: readonly string[];
  stripeSecrets: readonly string[];
  unsubscribeSecret: string;
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  /** Requests per minute per credential (API key, webhook secret). @default 1200 */
  rateLimitPerMinute?: number;
  sendingHours?: SendingHours;
  /** How each shop's pages look and who the data controller is. @default a shop named "Sklep" */
  branding?: Branding;
}

/** What every route gets: the enrolment use cases' dependencies, with the ingest's own configuration. */
export interface IngestDeps extends Omit<EnrolDeps, 'config'> {
  config: IngestConfig;
  /** The events `POST /v1/events` accepts, and the custom attributes it stores (workflows/events). @default the built-in events alone */
  catalogue?: Catalogue;
  /** Journey statistics for the dashboard; absent, its journeys page shows an empty state. */
  stats?: StatsSource;
  /** The dashboard's built client; absent, /dashboard answers 503. */
  dashboardAssets?: AssetSource;
}

export type WebhookPlatform = 'shopify' | 'woocommerce' | 'stripe';

/** The same dependencies, scoped to the tenant whose credential verified the request. */
export function forTenant(deps: IngestDeps, tenant: string): IngestDeps {
  return tenant === deps.config.tenant ? deps : { ...deps, config: { ...deps.config, tenant } };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatsReport } from '../../functions/ingest/dashboard/stats.ts';

/** Journey statistics in the shape GET /v1/journeys/stats answers (test/fixtures/dashboard/journey-stats.json). */
export const STATS = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dashboard', 'journey-stats.json'), 'utf8')) as StatsReport;

import prices from '../../bench/prices.json' with { type: 'json' };
import type { CostPrices } from '../core/stats.ts';

/**
 * The list prices a journey's cost is reckoned with: bench/prices.json, the file the benchmark
 * prices its runs with, bundled into the function (one place to update them).
 */
export const COST_PRICES: CostPrices = {
  stepFunctionsStandardPerTransition: prices.stepFunctionsStandardPerTransition,
  lambdaPerRequest: prices.lambdaPerRequest,
  sesPerEmail: prices.sesPerEmail,
  smsPerPartPoland: prices.smsPerPartPoland,
};

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { JourneyConfig } from '../workflows/src/journey.ts';
import { loadJourneys } from '../workflows/src/load.ts';
import { DataStack } from './data-stack.ts';
import { EngineStack } from './engine-stack.ts';
import { applySuppressions } from './nag-suppressions.ts';
import { readSettings } from './settings.ts';

export interface BuiltApp {
  app: App;
  data: DataStack;
  engine: EngineStack;
}

/**
 * Builds the whole application; `cdk synth`, the tests and the local engine all start here.
 * The region is the project's (cdk.json, `-c region=…`), never the CLI profile's: a profile set to
 * us-east-1 must not move customer data out of the EEA by accident.
 */
export function buildApp(app = new App(), o: { /** Journeys of its own instead of workflows/journeys (tests). */ journeys?: readonly JourneyConfig[] } = {}): BuiltApp {
  const settings = readSettings((name) => app.node.tryGetContext(name));
  const env = { account: process.env['CDK_DEFAULT_ACCOUNT'], region: settings.region };
  const data = new DataStack(app, 'KoszykData', { env });
  const engine = new EngineStack(app, 'KoszykEngine', { env, table: data.table, key: data.key, journeys: o.journeys ?? loadJourneys(), settings });
  applySuppressions(data, engine);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, data, engine };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp(new App()).app.synth();
}

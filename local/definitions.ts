import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JourneyConfig } from '../workflows/src/journey.ts';
import type { AslDefinition, JourneyDefinition } from './asl.ts';
import { DEFAULT_CACHE_DIR, readCached, synthesisKey, writeCached } from './synth-cache.ts';

export type { AslDefinition, AslState, JourneyDefinition } from './asl.ts';

export interface SynthesizedApp {
  journeys: Map<string, JourneyDefinition>;
  /** The state table's key schema, as CDK declares it. */
  table: {
    KeySchema: { AttributeName: string; KeyType: string }[];
    AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    GlobalSecondaryIndexes?: { IndexName: string; KeySchema: unknown[]; Projection: unknown }[];
    ttlAttribute?: string;
  };
}

export const LOCAL_REGION = 'eu-central-1';
const FAKE_ACCOUNT = '000000000000';

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

/**
 * Turns CloudFormation intrinsics in a DefinitionString into a plain definition. A Task that calls
 * a published version of a function (`Ref` of an AWS::Lambda::Version) calls the function here:
 * locally there is one version of the code, the one running.
 */
function resolveDefinition(value: unknown, resources: Template['Resources']): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unsupported definition intrinsic ${JSON.stringify(value).slice(0, 120)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const att = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (att && att[1] === 'Arn') return `arn:aws:lambda:${LOCAL_REGION}:${FAKE_ACCOUNT}:function:${att[0]}`;
      const ref = (part as { Ref?: string }).Ref;
      const version = ref === undefined ? undefined : resources[ref];
      const fn = (version?.Properties['FunctionName'] as { Ref?: string } | undefined)?.Ref;
      if (version?.Type === 'AWS::Lambda::Version' && fn) return `arn:aws:lambda:${LOCAL_REGION}:${FAKE_ACCOUNT}:function:${fn}`;
      throw new Error(`unsupported intrinsic in definition: ${JSON.stringify(part).slice(0, 120)}`);
    })
    .join(join[0]);
}

export interface SynthesisOptions {
  /**
   * Where results are kept by the hash of what they follow from (see synth-cache.ts), so that a
   * start with unchanged sources reads them instead of running synth and cdk-nag again; false
   * synthesizes every time. @default .cache/synth in the project
   */
  cacheDir?: string | false;
  /** Journeys of their own instead of workflows/journeys (tests that bring a journey). @default workflows/journeys */
  journeys?: readonly JourneyConfig[];
}

/** The cached form: the journeys as a list. */
function revive(json: unknown): SynthesizedApp {
  const v = json as { journeys: JourneyDefinition[]; table: SynthesizedApp['table'] };
  if (!Array.isArray(v.journeys) || !Array.isArray(v.table?.KeySchema)) throw new Error('not a synthesized app');
  return { journeys: new Map(v.journeys.map((j) => [j.journey, j])), table: v.table };
}

/**
 * Each journey's state machine exactly as CloudFormation would receive it, Lambda ARNs made local
 * and checked by the interpreter's validator, and the state table's schema: synthesized in-process (no bundling, no AWS account), or read from
 * the cache when nothing they follow from has changed since.
 */
export async function synthesizeApp(o: SynthesisOptions = {}): Promise<SynthesizedApp> {
  const dir = o.cacheDir ?? DEFAULT_CACHE_DIR;
  if (dir === false) return synthesize(o.journeys);
  // Journeys given are part of what the definitions follow from.
  const key = o.journeys ? createHash('sha256').update(synthesisKey()).update(JSON.stringify(o.journeys)).digest('hex').slice(0, 32) : synthesisKey();
  const cached = readCached(dir, key, revive);
  if (cached) return cached;
  const app = await synthesize(o.journeys);
  writeCached(dir, key, { journeys: [...app.journeys.values()], table: app.table });
  return app;
}

/** Runs the CDK app's synth, cdk-nag included: a finding or a bad journey file throws. */
async function synthesize(given?: readonly JourneyConfig[]): Promise<SynthesizedApp> {
  // Loaded only here: importing aws-cdk-lib and the app takes seconds, which a start with the
  // definitions in the cache does not spend.
  const [{ App }, { buildApp }] = await Promise.all([import('aws-cdk-lib'), import('../infra/app.ts')]);
  const outdir = mkdtempSync(join(tmpdir(), 'koszyk-synth-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const built = buildApp(app, { journeys: given });
    const assembly = app.synth();
    const engine = assembly.getStackByName(built.engine.stackName).template as Template;
    const data = assembly.getStackByName(built.data.stackName).template as Template;

    const handlerByLogicalId = new Map<string, string>();
    for (const [id, r] of Object.entries(engine.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const vars = (r.Properties['Environment'] as { Variables?: Record<string, string> } | undefined)?.Variables;
      if (vars?.['HANDLER_NAME']) handlerByLogicalId.set(id, vars['HANDLER_NAME']);
    }
    const journeys = new Map<string, JourneyDefinition>();
    for (const r of Object.values(engine.Resources)) {
      if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
      const definition = JSON.parse(resolveDefinition(r.Properties['DefinitionString'], engine.Resources)) as AslDefinition;
      const journey = definition.Comment?.replace(/^journey:/, '');
      if (!journey) continue;
      // The interpreter's own check (asl-validator), once here rather than at every start: it throws
      // on a definition the interpreter cannot run, and it writes the query language into each state.
      new StateMachine(definition as never);
      const taskHandlers: Record<string, string> = {};
      for (const [name, state] of Object.entries(definition.States)) {
        if (state.Type !== 'Task' || !state.Resource) continue;
        const logicalId = state.Resource.split(':').pop()!;
        const handler = handlerByLogicalId.get(logicalId);
        if (!handler) throw new Error(`task ${name} of ${journey} calls ${state.Resource}, which has no local handler`);
        taskHandlers[name] = handler;
      }
      journeys.set(journey, { journey, definition, taskHandlers });
    }
    const tableResource = Object.values(data.Resources).find((r) => r.Type === 'AWS::DynamoDB::GlobalTable' || r.Type === 'AWS::DynamoDB::Table');
    if (!tableResource) throw new Error('no DynamoDB table in the data stack');
    const p = tableResource.Properties as SynthesizedApp['table'] & { TimeToLiveSpecification?: { AttributeName?: string } };
    return {
      journeys,
      table: {
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
        ttlAttribute: p.TimeToLiveSpecification?.AttributeName,
      },
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { toMermaid, toSvg } from '../workflows/src/graph.ts';
import { journeyFlow } from '../workflows/src/journey.ts';
import { nodeMermaid, pathCosts } from '../workflows/src/node-graph.ts';
import { JourneyConfig } from '../workflows/src/journey.ts';
import { type AttributeSpec, type Catalogue, journeyTriggers, type PropertySpec } from '../workflows/src/catalogue.ts';
import { ConfigError, loadCatalogue, loadJourneys, loadTemplates, WORKFLOWS_DIR } from '../workflows/src/load.ts';
import { synthesizeApp } from './definitions.ts';
import { diffJourneys } from './journeys-diff.ts';
import { InputError, parseSimulateArgs, readScenario, SIMULATE_USAGE, simulate } from './simulate.ts';
import { templateProblems } from './template-check.ts';

/** The JSON Schema editors use for completion in workflows/journeys/*.yaml. */
export function journeySchema(): string {
  const schema = z.toJSONSchema(JourneyConfig, { io: 'input', target: 'draft-7' });
  return `${JSON.stringify({ ...schema, title: 'Koszyk journey', $id: 'journey.schema.json' }, null, 2)}\n`;
}

const USAGE = `usage: npm run journeys -- <command>
  validate [dir]         check every journey and template file (errors name file, line and field) and
                         render each template a step can send, in every locale, with sample data
                         (dir: a workflows folder with journeys/ and templates/; default workflows/)
  graph <journey> [dir]  print Mermaid and write <dir>/<journey>.svg (default docs/journeys)
  simulate ${SIMULATE_USAGE}
                         replay events through the engine (same as npm run simulate)
  events [dir]           list the event catalogue: every event POST /v1/events takes, what journey
                         trigger it is, the shop's declared properties and custom attributes
  diff [ref]             what changing the journey files means, for customers already inside and for
                         new ones: each journey now against the same file at a git ref (default HEAD)
  schema                 rewrite workflows/journey.schema.json`;

function spec(name: string, p: PropertySpec | AttributeSpec): string {
  const facts = [p.type, ...(p.enum ? [`one of ${p.enum.join('|')}`] : []), ...('required' in p && p.required ? ['required'] : []), ...(p.personal ? ['personal'] : [])];
  return `    ${name}: ${facts.join(', ')}\n`;
}

/** The catalogue as the `events` command prints it: one line an event, its properties below it, then the attributes. */
export function describeCatalogue(catalogue: Catalogue): string {
  const width = Math.max(...catalogue.events.map((e) => e.name.length));
  let text = '';
  for (const e of catalogue.events) {
    const starts = e.starts ? `trigger ${e.starts}` : 'no trigger';
    text += `${e.name.padEnd(width)}  ${e.builtIn ? 'built-in' : 'shop    '}  ${starts.padEnd(24)}  ${e.description}\n`;
    for (const [name, p] of Object.entries(e.properties)) text += spec(name, p);
  }
  for (const trigger of journeyTriggers(catalogue).filter((t) => !catalogue.events.some((e) => e.starts === t))) {
    text += `${trigger.padEnd(width)}  built-in  ${`trigger ${trigger}`.padEnd(24)}  Not an event: the journey's own daily selection.\n`;
  }
  const attributes = Object.entries(catalogue.attributes);
  if (attributes.length > 0) text += `customer attributes\n${attributes.map(([name, p]) => spec(name, p)).join('')}`;
  return text;
}

export interface Writable {
  write(text: string): unknown;
}

export async function main(argv: string[], out: Writable = process.stdout, err: Writable = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'validate': {
      const dir = rest[0] ?? WORKFLOWS_DIR;
      try {
        const journeys = loadJourneys(join(dir, 'journeys'));
        const problems = templateProblems(journeys, loadTemplates(join(dir, 'templates')), join(dir, 'templates'));
        for (const p of problems) err.write(`${p}\n`);
        if (problems.length > 0) return 1;
        for (const j of journeys) out.write(`ok  ${j.id}: ${j.steps ? `${j.steps.length} steps` : `${j.nodes?.length ?? 0} nodes`}, trigger ${j.trigger}\n`);
        return 0;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        for (const p of e.problems) err.write(`${p}\n`);
        return 1;
      }
    }
    case 'graph': {
      const [journey, dir = join(WORKFLOWS_DIR, '..', 'docs', 'journeys')] = rest;
      const { journeys } = await synthesizeApp();
      const journeys_ = loadJourneys();
      const jd = journey ? journeys.get(journey) : undefined;
      if (!jd) {
        err.write(`unknown journey "${journey ?? ''}"; known: ${[...journeys.keys()].join(', ')}\n`);
        return 2;
      }
      const config = journeys_.find((j) => j.id === jd.journey)!;
      const flow = journeyFlow(config);
      if (flow) {
        out.write(nodeMermaid(flow));
        out.write('%% billable state transitions per path\n');
        for (const p of pathCosts(flow, undefined, config.trigger === 'date')) out.write(`%% ${p.transitions} transitions: ${p.nodes.join(' → ')}\n`);
      } else out.write(toMermaid(jd.definition));
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${jd.journey}.svg`);
      writeFileSync(file, toSvg(jd.definition, jd.journey));
      err.write(`wrote ${file}\n`);
      return 0;
    }
    case 'simulate': {
      const parsed = parseSimulateArgs(rest);
      if (!('file' in parsed)) {
        err.write(`${'error' in parsed ? parsed.error : USAGE}\n`);
        return 2;
      }
      try {
        await simulate(readScenario(parsed.file), { forSeconds: parsed.forSeconds, backend: parsed.backend, write: (l) => out.write(`${JSON.stringify(l)}\n`) });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        err.write(`${e.message}\n`);
        return 2;
      }
      return 0;
    }
    case 'events': {
      try {
        out.write(describeCatalogue(loadCatalogue(join(rest[0] ?? WORKFLOWS_DIR, 'events'))));
        return 0;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        for (const p of e.problems) err.write(`${p}\n`);
        return 1;
      }
    }
    case 'diff': {
      try {
        for (const line of diffJourneys(rest[0])) out.write(`${line}\n`);
        return 0;
      } catch (e) {
        if (e instanceof ConfigError) {
          for (const p of e.problems) err.write(`${p}\n`);
          return 1;
        }
        err.write(`journeys diff: ${(e as Error).message.split('\n')[0]}\n`);
        return 2;
      }
    }
    case 'schema': {
      writeFileSync(join(WORKFLOWS_DIR, 'journey.schema.json'), journeySchema());
      return 0;
    }
    default:
      err.write(`${USAGE}\n`);
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}

import { synthesizeApp } from '../local/definitions.ts';
import type { LocalBackend } from '../local/storage.ts';
import { INVARIANTS, type Invariant } from '../test/sim/invariants.ts';
import { checkSeed, describeFailure } from '../test/sim/property.ts';

/**
 * npm run fuzz -- [--seeds N] [--seed S] [--path P] [--pending inv1,inv2] [--backend memory|dynamodb-local]
 *
 * The deterministic simulation with more runs than `npm test` makes: N runs from seed S (a new
 * seed when none is given), a progress line on stderr, and for a failure its seed and path, the
 * shrunk workload and faults, and the invariants broken. `--seed S --path P` replays one run.
 */
function parse(argv: string[]) {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seeds = Number(value('--seeds') ?? 100);
  const seed = value('--seed') !== undefined ? Number(value('--seed')) : Math.floor(Math.random() * 2 ** 31);
  const backend = (value('--backend') ?? 'memory') as LocalBackend;
  const pending = (value('--pending') ?? '').split(',').filter(Boolean);
  const unknown = pending.filter((p) => !(INVARIANTS as readonly string[]).includes(p));
  if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(seed) || (backend !== 'memory' && backend !== 'dynamodb-local') || unknown.length) {
    throw new Error(`usage: npm run fuzz -- [--seeds N] [--seed S] [--path P] [--pending ${INVARIANTS.join(',')}] [--backend memory|dynamodb-local]`);
  }
  return { seeds, seed, path: value('--path'), backend, pending: new Set(pending as Invariant[]) };
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const synthesized = await synthesizeApp();
  let dynamoEndpoint: string | undefined;
  let stopDynamo: () => Promise<void> = async () => undefined;
  if (args.backend === 'dynamodb-local') {
    const { startDynamoDbLocal } = await import('../local/dynamodb-local.ts');
    const ddb = await startDynamoDbLocal();
    dynamoEndpoint = ddb.endpoint;
    stopDynamo = () => ddb.stop();
  }
  const started = Date.now();
  let runs = 0;
  const found = new Map<string, number>();
  const report = await checkSeed({
    backend: args.backend,
    synthesized,
    dynamoEndpoint,
    seed: args.seed,
    numRuns: args.path ? 1 : args.seeds,
    path: args.path,
    pending: args.pending,
    onRun: (violations) => {
      runs++;
      for (const v of violations) found.set(v.invariant, (found.get(v.invariant) ?? 0) + 1);
      const broken = [...found].map(([k, n]) => `${k}×${n}`).join(' ');
      process.stderr.write(`\rfuzz seed ${args.seed}: ${runs} runs, ${((Date.now() - started) / 1000).toFixed(0)} s${broken ? `, violations: ${broken}` : ''}   `);
    },
  });
  process.stderr.write('\n');
  await stopDynamo();
  const failure = describeFailure(report);
  if (failure) {
    process.stdout.write(`${failure}\n`);
    return 1;
  }
  process.stdout.write(`seed ${args.seed}: ${report.numRuns} runs, every invariant held${args.pending.size ? ` (pending: ${[...args.pending].join(', ')})` : ''}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  },
);

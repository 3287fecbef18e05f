/**
 * Synthesizes the CDK app into a cloud assembly, run in a child process the way the CDK CLI runs
 * `cdk.json`'s app: the context of cdk.json, asset metadata on (the CLI's default; an App made in
 * code has it off), every function bundled by the local esbuild. Writes the names of the data and
 * engine stacks beside the assembly for cloud-assembly.ts to read.
 *
 * argv: <outdir>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/app.ts';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: synth-app.ts <outdir>');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } });
const built = buildApp(app);
app.synth();
writeFileSync(join(outdir, 'production-path.json'), JSON.stringify({ data: built.data.stackName, engine: built.engine.stackName }));

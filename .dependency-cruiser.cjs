/**
 * The layers, as rules the test run checks (test/repo/layers.test.ts):
 *   functions/core, workflows/src  pure: themselves, zod, handlebars, yaml, libphonenumber-js; no I/O, no AWS SDK
 *   functions/app                  use cases: core and their ports, nothing that talks to AWS
 *   functions/adapters             implement ports; never a handler; memory adapters without the AWS SDK
 * Only handlers, the composition roots, local/ and infra/ put the pieces together.
 */
const pure = '^(functions/core|workflows/src)/';
module.exports = {
  forbidden: [
    {
      name: 'pure-core',
      comment: 'functions/core and workflows/src are pure: no I/O, no AWS SDK, no other layer',
      severity: 'error',
      from: { path: pure, pathNot: '^workflows/src/load\\.ts$' },
      to: {
        pathNot: [pure, '^node_modules/(zod|handlebars|yaml|libphonenumber-js)/'],
      },
    },
    {
      name: 'content-loader-reads-files-only',
      comment: 'workflows/src/load.ts reads journey and template files, and nothing else',
      severity: 'error',
      from: { path: '^workflows/src/load\\.ts$' },
      to: { pathNot: [pure, '^node_modules/(zod|handlebars|yaml)/', '^(node:)?(fs|path|url)$'] },
    },
    {
      name: 'app-through-ports',
      comment: 'use cases reach storage and providers through functions/app/ports.ts only',
      severity: 'error',
      from: { path: '^functions/app/' },
      to: { path: ['^node_modules/@aws-sdk/', '^node_modules/@aws-lambda-powertools/', '^functions/adapters/', '^functions/[^/]+/handler\\.ts$', '^functions/shared/(provider-clients|aws-deps|secrets)\\.ts$', '^(local|infra)/'] },
    },
    {
      name: 'adapters-never-handlers',
      severity: 'error',
      from: { path: '^functions/adapters/' },
      to: { path: ['^functions/[^/]+/handler\\.ts$', '^(local|infra)/'] },
    },
    {
      name: 'memory-without-aws',
      comment: 'the in-memory backend is a real second backend, not a wrapper of the SDK',
      severity: 'error',
      from: { path: '^functions/adapters/memory/' },
      to: { path: '^node_modules/@aws-sdk/' },
    },
    {
      name: 'functions-stand-alone',
      comment: 'what ships to Lambda never imports the local stack, the CDK app or tests',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ['^(local|infra|test|scripts)/', '^node_modules/(aws-cdk-lib|aws-local-stepfunctions|vitest)/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};

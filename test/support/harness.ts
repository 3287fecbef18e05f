import { afterAll, afterEach, beforeAll } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import type { LocalStackOptions } from '../../local/stack.ts';
import { localStack } from './local.ts';

type TestStack = Awaited<ReturnType<typeof localStack>>;

/**
 * One DynamoDB Local per test file and a fresh local stack per test (own table prefix),
 * stopped after each test.
 */
export function localHarness() {
  let ddb: DynamoDbLocal;
  const stacks: TestStack[] = [];
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
  });
  afterEach(async () => {
    while (stacks.length) await stacks.pop()!.stop();
  });
  afterAll(async () => {
    await ddb.stop();
  });
  return {
    get endpoint(): string {
      return ddb.endpoint;
    },
    async stack(start: Date, extra: Partial<LocalStackOptions> = {}): Promise<TestStack> {
      const s = await localStack(start, { dynamoEndpoint: ddb.endpoint, ...extra });
      stacks.push(s);
      return s;
    },
    /** Stops a stack the way a killed process does: no waiting for running segments. */
    async crash(s: TestStack): Promise<void> {
      stacks.splice(stacks.indexOf(s), 1);
      await s.stop({ crash: true });
    },
  };
}

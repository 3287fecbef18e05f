import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real platform webhook samples kept in the repository (see test/fixtures/webhooks/README.md). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'webhooks');
export const FIXTURE_SECRET = 'test_webhook_secret_DO_NOT_USE';

export function fixture(platform: string, name: string): { body: Buffer; headers: Record<string, string> } {
  return {
    body: readFileSync(join(FIXTURES, platform, `${name}.json`)),
    headers: JSON.parse(readFileSync(join(FIXTURES, platform, `${name}.headers.json`), 'utf8')) as Record<string, string>,
  };
}

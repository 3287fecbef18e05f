import { join } from 'node:path';
import { systemClock } from '../functions/shared/clock.ts';
import type { Log } from '../functions/shared/logger.ts';
import { VirtualClock } from './clock.ts';
import { brandFromEnv, shopsFromEnv } from './shops.ts';
import { secretsFromEnv, startLocalStack } from './stack.ts';

/** `npm start`: the product on this machine, data kept in .data/ across restarts. */
function consoleLog(): Log {
  const line = (level: string) => (code: string, fields?: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), code, ...fields })}\n`);
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

async function main(): Promise<void> {
  const env = process.env;
  const virtual = env['CLOCK'] === 'virtual';
  // CLOCK_START (or now) is where a virtual clock begins on new data; a restart carries on from the time it had reached.
  const clock = virtual ? new VirtualClock(new Date(env['CLOCK_START'] ?? Date.now())) : systemClock;
  const secrets = secretsFromEnv();
  const shops = shopsFromEnv(env);
  const brand = brandFromEnv(env);
  const stack = await startLocalStack({
    shops,
    clock,
    log: consoleLog(),
    secrets,
    dataDir: env['DATA_DIR'] ?? join(process.cwd(), '.data', 'dynamodb'),
    apiPort: Number(env['API_PORT'] ?? 8787),
    sesPort: Number(env['SES_PORT'] ?? 8005),
    smsPort: Number(env['SMS_PORT'] ?? 8006),
    smsTransliterate: env['SMS_TRANSLITERATE'] === 'true',
    shopName: brand.name,
    brand,
    realTimeTimer: !virtual,
    persistClock: virtual,
  });
  process.stdout.write(
    [
      '',
      'Koszyk engine is running on this machine.',
      `  API:    ${stack.apiUrl}   (POST /v1/events with "Authorization: Bearer ${secrets.apiKey}", POST /webhooks/{shopify,woocommerce,stripe}, GET /health)`,
      `  Inbox:  ${stack.inboxUrl}/   (every e-mail the journeys send)`,
      `  SMS:    ${stack.smsOutboxUrl}/   (every SMS, with its encoding and parts)`,
      `  Tasks:  ${stack.apiUrl}/v1/tasks   (staff call and follow-up tasks; same bearer key)`,
      `  Panel:  ${stack.apiUrl}/dashboard   (journeys, customers, tasks; sign in with the API key ${secrets.apiKey})`,
      `  Shops:  ${stack.shops.join(', ')}   (more with KOSZYK_SHOPS; each shop's own API key selects it)`,
      `  Data:   DynamoDB Local at ${stack.dynamoEndpoint}, kept in ${env['DATA_DIR'] ?? '.data/dynamodb'}`,
      ...(stack.dynamoLoopbackOnly === false ? ['          (it listens on every interface: no JDK `javac` was found to bind it to 127.0.0.1)'] : []),
      virtual
        ? `  Clock:  virtual, at ${clock.now().toISOString()}; fast-forward with curl -X POST -H 'Content-Type: application/json' '${stack.apiUrl}/_local/clock?advance=PT24H'`
        : '  Clock:  real time (CLOCK=virtual to fast-forward)',
      '  Stop with Ctrl+C; waiting journeys resume where they were on the next start.',
      '',
    ].join('\n'),
  );
  const shutdown = () => {
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e) => {
  process.stderr.write(`could not start: ${(e as Error).message}\n`);
  process.exit(1);
});

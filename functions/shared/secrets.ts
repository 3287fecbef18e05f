import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Clock } from './clock.ts';
import { type Log, LogCode } from './logger.ts';

/**
 * How long a secret read from Secrets Manager is used before it is read again. A rotation
 * (a new value put beside the old one) reaches every warm function within this time, no redeploy.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A secret's value is a list of credentials, one per line or comma-separated, each `secret`
 * (the installation's default shop), `tenant::secret`, or `tenant@shop::secret` for a webhook
 * secret bound to the shop the platform names in its requests. Several entries for one shop are a
 * rotation in progress: every one is accepted until the old one is removed.
 */
export function parseSecretList(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads one secret's current value; `undefined` when the secret has no value yet. */
export type SecretFetcher = (arn: string) => Promise<string | undefined>;

/** Secrets Manager through Powertools Parameters (cached for SECRET_MAX_AGE_SECONDS). */
export const powertoolsSecretFetcher: SecretFetcher = async (arn) => {
  try {
    const value = await getSecret(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
    return typeof value === 'string' ? value : value === undefined ? undefined : Buffer.from(value).toString('utf8');
  } catch (e) {
    // A secret created without a value (a platform secret nobody has set yet) has no AWSCURRENT version.
    if ((e as { cause?: { name?: string } }).cause?.name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
};

/**
 * Lists of credentials by ARN. An unset secret is remembered for the same time as a set one,
 * so a flood of requests to a route that is not configured costs no call per request.
 */
export class SecretLists {
  private readonly unset = new Map<string, number>();
  /** The list last parsed from each secret's value: the same value gives the same list, so what is indexed by list (ingest/credentials.ts) is built once per value, not per request. */
  private readonly parsed = new Map<string, { value: string | undefined; list: readonly string[] }>();

  constructor(
    private readonly fetch: SecretFetcher,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  async list(arn: string | undefined): Promise<readonly string[]> {
    if (!arn) return [];
    const now = this.clock.now().getTime();
    if ((this.unset.get(arn) ?? 0) > now) return [];
    let value: string | undefined;
    try {
      value = await this.fetch(arn);
    } catch (e) {
      // Not "unset": an infrastructure failure, so the caller answers 5xx and the platform retries.
      this.log.error(LogCode.SecretUnreadable, { error: (e as Error).name });
      throw e;
    }
    const last = this.parsed.get(arn);
    const list = last && last.value === value ? last.list : parseSecretList(value);
    this.parsed.set(arn, { value, list });
    if (list.length === 0) this.unset.set(arn, now + SECRET_MAX_AGE_SECONDS * 1000);
    else this.unset.delete(arn);
    return list;
  }

  /** One value (the unsubscribe signing secret): the first entry. */
  async one(arn: string): Promise<string | undefined> {
    return (await this.list(arn))[0];
  }
}

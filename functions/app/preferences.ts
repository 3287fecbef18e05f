import { PREFERENCE_CENTRE } from '../core/consent.ts';
import { type ConsentStatement, explicitConsent, WITHDRAWAL } from '../core/domain.ts';
import type { ConsentChannel, CustomerProfile, StaffTask } from '../core/model.ts';
import type { Clock } from '../shared/clock.ts';
import { shortHash } from '../shared/ids.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import type { StateStore } from './ports.ts';

/**
 * The customer's own preference centre: what they receive, per channel, and their changes, each an
 * explicit statement of theirs recorded through the consent ledger (core/consent.ts decides how it
 * moves the state): a box ticked is an opt-in, a box cleared or "withdraw everything" a withdrawal.
 * Service messages (about an order or a payment) need no consent and are not chosen here.
 */

export interface PreferenceDeps {
  store: StateStore;
  clock: Clock;
  log: Log;
}


export const CHANNELS: readonly ConsentChannel[] = ['email', 'sms'];

export interface ChannelPreference {
  channel: ConsentChannel;
  /** The address on file (the page masks it); none: nothing can be sent on this channel. */
  address?: string;
  /** Marketing on this channel, as the current state says. */
  granted: boolean;
  /** When the current state took effect, and what set it. */
  since?: string;
  source?: string;
  /** The address is on the suppression list (a bounce, a complaint, an SMS STOP): nothing is sent to it, whatever the consent. */
  blocked: boolean;
}

export interface Preferences {
  profile?: CustomerProfile;
  channels: ChannelPreference[];
}

function addressOf(profile: CustomerProfile | undefined, channel: ConsentChannel): string | undefined {
  return channel === 'email' ? profile?.email : profile?.phone;
}

export async function preferencesOf(deps: Pick<PreferenceDeps, 'store'>, tenant: string, customerId: string): Promise<Preferences> {
  const profile = await deps.store.getCustomer(tenant, customerId);
  const channels = await Promise.all(
    CHANNELS.map(async (channel): Promise<ChannelPreference> => {
      const address = addressOf(profile, channel);
      const [consent, blocked] = await Promise.all([
        deps.store.getConsent(tenant, customerId, channel, 'marketing'),
        address ? deps.store.isSuppressed(tenant, channel, address) : Promise.resolve(false),
      ]);
      return { channel, address, granted: consent?.granted === true, since: consent?.at, source: consent?.source, blocked };
    }),
  );
  return { profile, channels };
}

export type ChangeOutcome = 'opted-in' | 'withdrawn' | 'unchanged' | 'blocked' | 'no-address' | 'refused';

/**
 * Applies what the customer asked for on each channel named (`true`: marketing wanted). Only a
 * change is recorded, on a channel with an address on file; an opt-in needs one that is not suppressed.
 */
export async function changePreferences(deps: PreferenceDeps, tenant: string, customerId: string, wanted: Partial<Record<ConsentChannel, boolean>>): Promise<Record<ConsentChannel, ChangeOutcome>> {
  const current = await preferencesOf(deps, tenant, customerId);
  const out: Record<ConsentChannel, ChangeOutcome> = { email: 'unchanged', sms: 'unchanged' };
  for (const pref of current.channels) {
    const want = wanted[pref.channel];
    if (want === undefined || want === pref.granted) continue;
    // Without an address the page shows no box for the channel: nothing was asked about it.
    if (!pref.address) out[pref.channel] = want ? 'no-address' : 'unchanged';
    else if (want && pref.blocked) out[pref.channel] = 'blocked';
    else out[pref.channel] = await state(deps, tenant, customerId, pref.channel, explicitConsent(want));
  }
  deps.log.info(LogCode.PreferencesChanged, { customerId, email: out.email, sms: out.sms });
  return out;
}

/** "Withdraw everything": a withdrawal on every channel, recorded whatever is on file. */
export async function withdrawEverything(deps: PreferenceDeps, tenant: string, customerId: string): Promise<void> {
  for (const channel of CHANNELS) await state(deps, tenant, customerId, channel, WITHDRAWAL);
  deps.log.info(LogCode.PreferencesChanged, { customerId, email: 'withdrawn', sms: 'withdrawn' });
}

async function state(deps: PreferenceDeps, tenant: string, customerId: string, channel: ConsentChannel, statement: ConsentStatement): Promise<ChangeOutcome> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const decision = await deps.store.recordConsent(tenant, customerId, channel, 'marketing', { ...statement, at, source: PREFERENCE_CENTRE, eventKey: `preferences:${at}:${channel}` }, now);
  if (!decision.applied) return 'refused';
  return statement.granted ? 'opted-in' : 'withdrawn';
}

export type RightsRequest = 'export' | 'erasure';

/**
 * A request to exercise a data-subject right from the preference centre (RODO art. 15 and 20, 17):
 * a task for the shop's staff, who answer it (the dashboard's export and erasure) within a month.
 * One per customer, right and day, however often the button is pressed.
 */
export async function requestRights(deps: PreferenceDeps, tenant: string, customerId: string, right: RightsRequest): Promise<StaffTask> {
  const at = deps.clock.now().toISOString();
  const task: StaffTask = {
    id: shortHash(tenant, customerId, 'rights', right, at.slice(0, 10)),
    at,
    kind: 'data-request',
    journey: '-',
    step: `rights-${right}`,
    customerId,
    subject: right === 'export' ? 'Żądanie kopii danych (RODO art. 15 i 20) z centrum preferencji' : 'Żądanie usunięcia danych (RODO art. 17) z centrum preferencji',
    text:
      right === 'export'
        ? `Klient ${customerId} prosi o kopię swoich danych. Przygotuj eksport w panelu (Klient → Eksport) i wyślij go klientowi; termin: 30 dni.`
        : `Klient ${customerId} prosi o usunięcie swoich danych. Sprawdź, czy nie musisz ich zachować (np. faktury), i usuń je w panelu (Klient → Usuń); termin: 30 dni.`,
    status: 'open',
  };
  const open = (await deps.store.listTasks(tenant)).find((t) => t.id === task.id && t.status === 'open');
  if (open) return open;
  await deps.store.createTask(tenant, task);
  deps.log.info(LogCode.RightsRequested, { customerId, right });
  return task;
}

import type { ConsentKind, ConsentStatement } from './domain.ts';
import { clampToEngine } from './engine-time.ts';
import type { ConsentChannel, ConsentLedgerEntry, ConsentState, ConsentTopic } from './model.ts';

/**
 * Consent precedence: how one statement moves the current consent on a channel, the same rule on
 * every backend (each calls this inside its own guarded write). In order:
 *
 * 1. A withdrawal always applies, whatever is on file and whatever time the stored state carries;
 *    it is stamped with the later of its own time and the engine's receive time.
 * 2. With nothing on file, any statement applies (the first sighting: a checkout's checkbox).
 * 3. An explicit opt-in applies when its time is not before the state on file; over a
 *    withdrawal, only when strictly later than the withdrawal's stamp.
 * 4. An echo never lifts or replaces a withdrawal. Otherwise it applies when not older than the
 *    state on file: a later echoed `false` withdraws a granted state (the safe side), and a later
 *    echoed `true` grants again only over an echoed `false` (the box left unticked, then ticked).
 *
 * A statement that may come again (`once`: a redelivered event) whose event key already moved the
 * state is not decided again. Every time is first clamped to the engine's clock (core/engine-time.ts). A state stored before
 * kinds were recorded counts as a withdrawal when it does not grant.
 */

export type ConsentReason =
  /** Applied: a withdrawal takes effect at once. */
  | 'withdrawal'
  /** Applied: nothing was on file. */
  | 'first_statement'
  /** Applied: an explicit opt-in later than the state on file. */
  | 'later_opt_in'
  /** Applied: an echo not older than a state that is no withdrawal. */
  | 'later_echo'
  /** Refused: an echo cannot undo a withdrawal. */
  | 'echo_after_withdrawal'
  /** Refused: an opt-in not later than the withdrawal on file. */
  | 'not_after_withdrawal'
  /** Refused: older than the state on file. */
  | 'older_than_state'
  /** Not decided again: this very statement (its event key) already moved the state. */
  | 'already_applied';

/** The sources of a customer's own opt-out from a page of ours: a suppressed send says `unsubscribed`. */
export const UNSUBSCRIBE_LINK = 'unsubscribe-link';
export const PREFERENCE_CENTRE = 'preference-centre';

export type TimedConsentStatement = ConsentStatement & { at: string; source: string };

export type ConsentDecision =
  | { applied: true; reason: ConsentReason; at: string; state: Omit<ConsentState, 'version' | 'recent'> & { kind: ConsentKind } }
  | { applied: false; reason: ConsentReason; at: string };

/** The kind of the state on file; one from before kinds were recorded counts as a withdrawal when it does not grant. */
export function storedKind(stored: ConsentState): ConsentKind {
  return stored.kind ?? (stored.granted ? 'echo' : 'withdrawal');
}

/** How many statements a consent state remembers, to know one applied again after a crash. */
export const CONSENT_RECENT_KEYS = 16;

export function nextConsent(stored: ConsentState | undefined, statement: TimedConsentStatement & { eventKey?: string; once?: boolean }, engineNow: Date): ConsentDecision {
  const at = clampToEngine(statement.at, engineNow).at;
  const apply = (reason: ConsentReason, effective = at): ConsentDecision => ({
    applied: true,
    reason,
    at,
    state: { granted: statement.granted, kind: statement.kind, at: effective, source: statement.source },
  });
  const refuse = (reason: ConsentReason): ConsentDecision => ({ applied: false, reason, at });

  // 0. A statement that may come again (`once`: a redelivered event) is decided once: a redelivered
  //    withdrawal must not undo a later opt-in, nor a redelivered echo write the same state again.
  if (statement.once && statement.eventKey !== undefined && stored?.recent?.includes(statement.eventKey)) return refuse('already_applied');
  if (statement.kind === 'withdrawal') return apply('withdrawal', later(at, engineNow.toISOString()));
  if (!stored) return apply('first_statement');
  const onFile = storedKind(stored);
  // The stored time is clamped too: a state written before clamping cannot hold later ones off.
  const since = Date.parse(at) - Date.parse(clampToEngine(stored.at, engineNow).at);
  if (statement.kind === 'opt-in') {
    if (onFile === 'withdrawal') return since > 0 ? apply('later_opt_in') : refuse('not_after_withdrawal');
    return since >= 0 ? apply('later_opt_in') : refuse('older_than_state');
  }
  if (onFile === 'withdrawal') return refuse('echo_after_withdrawal');
  return since >= 0 ? apply('later_echo') : refuse('older_than_state');
}

/**
 * The keys a state keeps once a statement has moved it: the statement's when it may come again
 * (`once`), for a state that remembers none the key-less form (nothing is written).
 */
export function recentKeys(stored: ConsentState | undefined, statement: { eventKey: string; once?: boolean }): { recent?: string[] } {
  const kept = stored?.recent ?? [];
  if (!statement.once) return kept.length ? { recent: kept } : {};
  return { recent: [...kept.filter((k) => k !== statement.eventKey), statement.eventKey].slice(-CONSENT_RECENT_KEYS) };
}

/** The ledger's line for a statement and the decision taken on it, the same on every backend. */
export function consentLedgerEntry(
  channel: ConsentChannel,
  topic: ConsentTopic,
  statement: TimedConsentStatement & { eventKey: string },
  receivedAt: Date,
  decision: ConsentDecision,
): ConsentLedgerEntry {
  return {
    channel,
    topic,
    kind: statement.kind,
    granted: statement.granted,
    at: decision.at,
    receivedAt: receivedAt.toISOString(),
    source: statement.source,
    eventKey: statement.eventKey,
    applied: decision.applied,
    reason: decision.reason,
  };
}

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

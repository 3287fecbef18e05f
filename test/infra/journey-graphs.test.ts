import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeApp } from '../../local/definitions.ts';

/**
 * Each shipped journey's state machine, state by state, as the synthesized definition has it:
 * "Type -> next" (a Choice: "yes else no"). A change to a journey's shape must change this file.
 */
type State = { Type: string; Next?: string; End?: boolean; Choices?: { Next: string; Variable?: string; BooleanEquals?: boolean; StringEquals?: string; And?: unknown[] }[]; Default?: string; TimestampPath?: string; Resource?: string };
let definitions: Map<string, { StartAt: string; States: Record<string, State> }>;

beforeAll(async () => {
  definitions = new Map([...(await synthesizeApp()).journeys].map(([id, j]) => [id, j.definition as unknown as { StartAt: string; States: Record<string, State> }]));
});

function render(id: string): { StartAt: string; States: Record<string, string> } {
  const d = definitions.get(id)!;
  const states = Object.fromEntries(
    Object.entries(d.States).map(([name, s]) => [name, `${s.Type} -> ${s.Next ?? (s.Choices ? `${s.Choices.map((c) => c.Next).join('|')} else ${s.Default}` : s.End ? 'END' : '')}`]),
  );
  return { StartAt: d.StartAt, States: states };
}

const ended = { 'Journey no longer wanted': 'Succeed -> ' };

describe('journey graphs', () => {
  it('abandoned cart: wait 1 h; help offer for large carts, wait 3 h; A/B first reminder; wait 23 h, second reminder', () => {
    expect(render('abandoned-cart')).toEqual({
      StartAt: 'first-wait: wait 1 h (start)',
      States: {
        'first-wait: wait 1 h (start)': 'Wait -> holdout',
        // The holdout, the value branch, the channel branch, the help offer or the split and the first reminder: one Task.
        holdout: 'Task -> After holdout',
        'After holdout': 'Choice -> help-wait: wait 3 h|second-wait: wait 23 h else Journey ended',
        'help-wait: wait 3 h': 'Wait -> subject-test',
        'subject-test': 'Task -> After subject-test',
        'After subject-test': 'Choice -> second-wait: wait 23 h else Journey ended',
        'second-wait: wait 23 h': 'Wait -> second-reminder',
        'second-reminder': 'Task -> END',
        'Journey ended': 'Succeed -> ',
      },
    });
  });

  it('delivery-delay: wait up to 5 d for the delivery; the timeout sends the apology and the staff task, the delivery continues at its exit', () => {
    expect(render('delivery-delay')).toEqual({
      StartAt: 'Continue after an awaited event?',
      States: {
        'Continue after an awaited event?': 'Choice -> delivered else Start',
        Start: 'Task -> After Start',
        'After Start': 'Choice -> in-transit: up to 5 d for order.delivered else Journey ended',
        'in-transit: up to 5 d for order.delivered': 'Wait -> in-transit timed out',
        'in-transit timed out': 'Task -> END',
        delivered: 'Task -> END',
        'Journey ended': 'Succeed -> ',
      },
    });
  });

  it('welcome: the welcome at once (or at the opening of sending hours), 3 d later tips unless an order came', () => {
    expect(render('welcome')).toEqual({
      StartAt: 'hello',
      States: {
        hello: 'Task -> After hello',
        'After hello': 'Choice -> Sending hours before hello|settle-in: wait 3 d else Journey ended',
        'Sending hours before hello': 'Wait -> hello',
        'settle-in: wait 3 d': 'Wait -> ordered-yet',
        'ordered-yet': 'Task -> END',
        'Journey ended': 'Succeed -> ',
      },
    });
  });

  it('post-purchase: how-to after 2 d, care tips 12 d later', () => {
    expect(render('post-purchase')).toEqual({
      StartAt: 'Wait 2 d before how-to-use',
      States: {
        'Wait 2 d before how-to-use': 'Wait -> how-to-use',
        'how-to-use': 'Task -> Still wanted after how-to-use?',
        'Still wanted after how-to-use?': 'Choice -> Wait 12 d before care-tips else Journey no longer wanted',
        'Wait 12 d before care-tips': 'Wait -> care-tips',
        'care-tips': 'Task -> END',
        ...ended,
      },
    });
  });

  it('order follow-up: check-in after 3 d, CSAT 2 d later, review request 3 d after that', () => {
    expect(render('order-follow-up')).toEqual({
      StartAt: 'Wait 3 d before check-in',
      States: {
        'Wait 3 d before check-in': 'Wait -> check-in',
        'check-in': 'Task -> Still wanted after check-in?',
        'Still wanted after check-in?': 'Choice -> Wait 2 d before csat-survey else Journey no longer wanted',
        'Wait 2 d before csat-survey': 'Wait -> csat-survey',
        'csat-survey': 'Task -> Still wanted after csat-survey?',
        'Still wanted after csat-survey?': 'Choice -> Wait 3 d before review-request else Journey no longer wanted',
        'Wait 3 d before review-request': 'Wait -> review-request',
        'review-request': 'Task -> END',
        ...ended,
      },
    });
  });

  it('win-back: at once a personal note for customers who spent 1000 zł or more (with a code of the pool while it lasts), "we miss you" for the rest (either moved into sending hours), the offer 7 d later', () => {
    expect(render('win-back')).toEqual({
      StartAt: 'vip',
      States: {
        vip: 'Task -> After vip',
        'After vip': 'Choice -> Sending hours before we-miss-you|Sending hours before vip-note-coded|Sending hours before vip-note|offer-wait: wait 7 d else Journey ended',
        'Sending hours before vip-note-coded': 'Wait -> vip-note-coded',
        'vip-note-coded': 'Task -> After vip-note-coded',
        'After vip-note-coded': 'Choice -> offer-wait: wait 7 d else Journey ended',
        'Sending hours before vip-note': 'Wait -> vip-note',
        'vip-note': 'Task -> After vip-note',
        'After vip-note': 'Choice -> offer-wait: wait 7 d else Journey ended',
        'Sending hours before we-miss-you': 'Wait -> we-miss-you',
        'we-miss-you': 'Task -> After we-miss-you',
        'After we-miss-you': 'Choice -> offer-wait: wait 7 d else Journey ended',
        'offer-wait: wait 7 d': 'Wait -> offer',
        offer: 'Task -> END',
        'Journey ended': 'Succeed -> ',
      },
    });
  });

  it('dunning: e-mail at once (a service step needs no wait), SMS 3 d, a call task 4 d later, the final notice 3 d after', () => {
    expect(render('dunning')).toEqual({
      StartAt: 'email-reminder',
      States: {
        'email-reminder': 'Task -> Still wanted after email-reminder?',
        'Still wanted after email-reminder?': 'Choice -> Wait 3 d before sms-reminder else Journey no longer wanted',
        'Wait 3 d before sms-reminder': 'Wait -> sms-reminder',
        'sms-reminder': 'Task -> Still wanted after sms-reminder?',
        'Still wanted after sms-reminder?': 'Choice -> Wait 4 d before call-task else Journey no longer wanted',
        'Wait 4 d before call-task': 'Wait -> call-task',
        'call-task': 'Task -> Still wanted after call-task?',
        'Still wanted after call-task?': 'Choice -> Wait 3 d before final-notice else Journey no longer wanted',
        'Wait 3 d before final-notice': 'Wait -> final-notice',
        'final-notice': 'Task -> END',
        ...ended,
      },
    });
  });

  it('birthday: a date journey waits from its enrolment for the moment the run computed, then wishes (moved into sending hours)', () => {
    expect(render('birthday')).toEqual({
      StartAt: 'Until birthday (start)',
      States: {
        'Until birthday (start)': 'Wait -> wishes',
        wishes: 'Task -> After wishes',
        'After wishes': 'Choice -> Sending hours before wishes else Journey ended',
        'Sending hours before wishes': 'Wait -> wishes',
        'Journey ended': 'Succeed -> ',
      },
    });
  });

  it('second-order: waits up to 30 d for an order (its filter is the ingest’s), the timeout sends the reminder', () => {
    expect(render('second-order')).toEqual({
      StartAt: 'Continue after an awaited event?',
      States: {
        'Continue after an awaited event?': 'Choice -> ordered else Start',
        Start: 'Task -> After Start',
        'After Start': 'Choice -> next-order: up to 30 d for order.placed else Journey ended',
        'next-order: up to 30 d for order.placed': 'Wait -> next-order timed out',
        'next-order timed out': 'Task -> After next-order timed out',
        'After next-order timed out': 'Choice -> Sending hours before nudge else Journey ended',
        'Sending hours before nudge': 'Wait -> nudge',
        nudge: 'Task -> END',
        ordered: 'Task -> END',
        'Journey ended': 'Succeed -> ',
      },
    });
  });

  it('coffee-refill: the reminder at once (the segment is the selection’s), moved into sending hours', () => {
    expect(render('coffee-refill')).toEqual({
      StartAt: 'refill',
      States: {
        refill: 'Task -> After refill',
        'After refill': 'Choice -> Sending hours before refill else Journey ended',
        'Sending hours before refill': 'Wait -> refill',
        'Journey ended': 'Succeed -> ',
      },
    });
  });

  it('every Wait waits for a planned instant, every Choice reads the step’s answer', () => {
    expect([...definitions.keys()].sort()).toEqual(['abandoned-cart', 'birthday', 'coffee-refill', 'delivery-delay', 'dunning', 'order-follow-up', 'post-purchase', 'second-order', 'welcome', 'win-back']);
    for (const [id, d] of definitions) {
      for (const [name, s] of Object.entries(d.States)) {
        // The opening Wait waits for the time the trigger planned; later ones for the time the step before planned.
        if (s.Type === 'Wait') expect(s.TimestampPath, `${id}: ${name}`).toBe(name === d.StartAt ? '$.firstAt' : '$.result.nextAt');
        // A line journey's Choice reads whether to go on; a graph's, which wait the walk stopped at.
        if (s.Type === 'Choice' && !('StringEquals' in (s.Choices?.[0] ?? {})) && !('And' in (s.Choices?.[0] ?? {}))) expect(s.Choices, `${id}: ${name}`).toEqual([expect.objectContaining({ Variable: '$.result.continue', BooleanEquals: true })]);
        if (s.Type === 'Choice' && 'StringEquals' in (s.Choices?.[0] ?? {})) for (const c of s.Choices!) expect(c, `${id}: ${name}`).toMatchObject({ Variable: '$.result.next' });
        // A journey with a waitFor opens by asking whether this execution continues after an awaited event.
        if (s.Type === 'Choice' && 'And' in (s.Choices?.[0] ?? {})) {
          expect(name, id).toBe(d.StartAt);
          for (const c of s.Choices!) expect(JSON.stringify(c), `${id}: ${name}`).toContain('"Variable":"$.entry"');
        }
      }
    }
  });
});

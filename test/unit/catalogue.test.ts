import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_EVENTS, buildCatalogue, customEvent, EventFile, journeyTriggers } from '../../workflows/src/catalogue.ts';
import { ConfigError, loadCatalogue, loadJourneys, WORKFLOWS_DIR } from '../../workflows/src/load.ts';

/** workflows/events: the shop's own events and attributes, loaded with a line for every error. */
function workflows(events: Record<string, string[]>, journeys: Record<string, string[]> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
  mkdirSync(join(dir, 'events'));
  mkdirSync(join(dir, 'journeys'));
  cpSync(join(WORKFLOWS_DIR, 'templates'), join(dir, 'templates'), { recursive: true });
  for (const [name, lines] of Object.entries(events)) writeFileSync(join(dir, 'events', `${name}.yaml`), lines.join('\n'));
  for (const [name, lines] of Object.entries(journeys)) writeFileSync(join(dir, 'journeys', `${name}.yaml`), lines.join('\n'));
  return dir;
}

function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => p.replace(/^.*\/(events|journeys)\//, '$1/'));
    throw e;
  }
  return expect.unreachable('loaded without a problem');
}

const QUIZ = ['name: quiz.completed', 'description: The quiz.', 'properties:', '  score:', '    type: number', '  result:', '    type: string', '    enum: [espresso, filter]'];
const journey = (trigger: string) => ['id: quiz-follow-up', 'name: Quiz', `trigger: ${trigger}`, 'topic: marketing', 'steps:', '  - id: one', '    after: PT1H', '    channel: email', '    template: followup-check-in'];

describe('the event catalogue', () => {
  it('lists the built-in events and the shipped quiz; one list answers what can start a journey', () => {
    const catalogue = loadCatalogue();
    expect(catalogue.events.map((e) => e.name)).toEqual([...BUILT_IN_EVENTS.map((e) => e.name), 'quiz.completed']);
    expect(customEvent(catalogue, 'quiz.completed')).toMatchObject({ builtIn: false, starts: 'quiz.completed', properties: { email: { type: 'string', personal: true, required: false } } });
    expect(customEvent(catalogue, 'order.placed')).toBeUndefined();
    expect(catalogue.attributes).toMatchObject({ birthday: { type: 'date', personal: true }, roast: { type: 'string', enum: ['light', 'medium', 'dark'] } });
    expect(journeyTriggers(catalogue)).toEqual(['checkout', 'order.placed', 'order.fulfilled', 'order.delivered', 'payment.failed', 'customer.created', 'schedule', 'date', 'quiz.completed']);
  });

  it('is the built-in events alone without a folder', () => {
    expect(loadCatalogue(join(tmpdir(), 'no-such-folder')).events.every((e) => e.builtIn)).toBe(true);
  });

  it('names file, line and column of a YAML syntax error', () => {
    const dir = workflows({ 'quiz.completed': ['name: quiz.completed', 'description: x', 'properties:', '  score:', '    type: number', '    type: string'] });
    expect(problems(() => loadCatalogue(join(dir, 'events')))).toEqual([expect.stringMatching(/^events\/quiz\.completed\.yaml:6:5: Map keys must be unique/)]);
  });

  it('suggests the type or field a typo was meant to be, with its line, and names what is missing', () => {
    const dir = workflows({
      'quiz.completed': ['name: quiz.completed', 'properties:', '  score:', '    type: nubmer', '    personnal: true', '  result:', '    type: number', '    enum: [a, b]'],
    });
    expect(problems(() => loadCatalogue(join(dir, 'events'))).sort()).toEqual(
      [
        'events/quiz.completed.yaml:1: description: missing (string required)',
        'events/quiz.completed.yaml:4: properties.score.type: "nubmer" is not one of string, number, boolean, date (did you mean "number"?)',
        'events/quiz.completed.yaml:5: properties.score.personnal: unknown field (did you mean "personal"?); the fields here are type, description, enum, personal, required',
        'events/quiz.completed.yaml:8: properties.result.enum: `enum` lists values of a string, not of a number',
      ].sort(),
    );
  });

  it('refuses a name that is not an event name, one that is not its file’s, and one that is a built-in’s', () => {
    const dir = workflows({
      'quiz.completed': ['name: quiz.complete', 'description: x'],
      'order.placed': ['name: order.placed', 'description: x'],
      'Quiz': ['name: Quiz', 'description: x'],
    });
    const found = problems(() => loadCatalogue(join(dir, 'events')));
    expect(found).toContainEqual('events/quiz.completed.yaml: name: "quiz.complete" must match the file name "quiz.completed"');
    expect(found).toContainEqual('events/order.placed.yaml: name: "order.placed" is a built-in event; a shop\'s own event needs a name of its own');
    expect(found).toContainEqual(expect.stringMatching(/^events\/Quiz\.yaml:1: name: /));
    expect(found).toHaveLength(3);
  });

  it('checks attributes.yaml the same way', () => {
    const dir = workflows({ attributes: ['attributes:', '  birthday:', '    type: dat', '  "skin type":', '    type: string'] });
    expect(problems(() => loadCatalogue(join(dir, 'events'))).sort()).toEqual(
      [
        'events/attributes.yaml:3: attributes.birthday.type: "dat" is not one of string, number, boolean, date (did you mean "date"?)',
        'events/attributes.yaml:4: attributes.skin type: a name is a letter, then letters, digits or _ (at most 64)',
      ].sort(),
    );
  });

  it('builds from parsed files: a shop event starts journeys of its own name', () => {
    const { catalogue, violations } = buildCatalogue([{ file: 'quiz.completed', event: EventFile.parse({ name: 'quiz.completed', description: 'x' }) }]);
    expect(violations).toEqual([]);
    expect(customEvent(catalogue, 'quiz.completed')).toEqual({ name: 'quiz.completed', description: 'x', builtIn: false, starts: 'quiz.completed', properties: {} });
  });
});

describe('a journey on a catalogue event', () => {
  it('loads when the event is declared', () => {
    const dir = workflows({ 'quiz.completed': QUIZ }, { 'quiz-follow-up': journey('quiz.completed') });
    expect(loadJourneys(join(dir, 'journeys')).map((j) => [j.id, j.trigger])).toEqual([['quiz-follow-up', 'quiz.completed']]);
  });

  it('is refused with the line and the likely name when the event is not declared', () => {
    const dir = workflows({ 'quiz.completed': QUIZ }, { 'quiz-follow-up': journey('quiz.complete') });
    expect(problems(() => loadJourneys(join(dir, 'journeys')))).toEqual([
      'journeys/quiz-follow-up.yaml:3: trigger: "quiz.complete" is not one of checkout, order.placed, order.fulfilled, order.delivered, payment.failed, customer.created, schedule, date, quiz.completed (did you mean "quiz.completed"?)',
    ]);
    const without = workflows({}, { 'quiz-follow-up': journey('quiz.completed') });
    expect(problems(() => loadJourneys(join(without, 'journeys')))[0]).toMatch(/^journeys\/quiz-follow-up\.yaml:3: trigger: "quiz\.completed" is not one of checkout, .*, schedule, date$/);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ATTRIBUTES_FILE, AttributesFile, buildCatalogue, type Catalogue, catalogueViolations, declaredFields, EventFile, journeyTriggers } from './catalogue.ts';
import { JourneyConfig, journeyViolations, type TemplateFacts } from './journey.ts';
import { didYouMean } from './suggest.ts';
import { TemplateFile } from './template-file.ts';

export const WORKFLOWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parses a YAML file and validates it; every error names file, line and field. */
export function loadYaml<S extends z.ZodType>(file: string, schema: S, text = readFileSync(file, 'utf8')): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const name = relative(process.cwd(), file) || file;
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `${name}:${line}:${col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const value = doc.toJS();
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.flatMap((issue) => {
      const path = issue.path as (string | number)[];
      const at = (p: (string | number)[]) => `${name}:${lineOf(doc, p, lineCounter)}: ${p.join('.') || '(root)'}`;
      if (issue.code === 'unrecognized_keys') {
        const known = Object.keys(shapeAt(schema, path) ?? {});
        return issue.keys.map((key) => `${at([...path, key])}: unknown field${didYouMean(key, known)}; the fields here are ${known.join(', ')}`);
      }
      if (issue.code === 'invalid_value' && issue.values.every((v) => typeof v === 'string')) {
        const given = valueAt(value, path);
        const options = issue.values as string[];
        return [`${at(path)}: ${JSON.stringify(given)} is not one of ${options.join(', ')}${typeof given === 'string' ? didYouMean(given, options) : ''}`];
      }
      if (issue.code === 'invalid_type' && valueAt(value, path) === undefined) return [`${at(path)}: missing (${issue.expected} required)`];
      return [`${at(path)}: ${issue.message}`];
    }),
  );
}

type SchemaNode = { def?: { type?: string; innerType?: SchemaNode; element?: SchemaNode; valueType?: SchemaNode }; shape?: Record<string, SchemaNode> };

/** The fields an object schema declares at a path of the document (through arrays, records and optionals). */
function shapeAt(schema: unknown, path: (string | number)[]): Record<string, SchemaNode> | undefined {
  let node = schema as SchemaNode | undefined;
  const unwrap = () => {
    while (node?.def?.innerType) node = node.def.innerType;
  };
  for (const key of path) {
    unwrap();
    if (node?.def?.type === 'array') node = node.def.element;
    else if (node?.def?.type === 'record') node = node.def.valueType;
    else node = node?.shape?.[String(key)];
  }
  unwrap();
  return node?.shape;
}

function valueAt(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined), value);
}

function lineOf(doc: ReturnType<typeof parseDocument>, path: (string | number)[], lc: LineCounter): number {
  let node: unknown = doc.contents;
  let offset = 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
      if (!pair) break;
      const keyRange = (pair.key as { range?: number[] }).range;
      offset = keyRange?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      offset = (node as { range?: number[] })?.range?.[0] ?? offset;
    } else break;
  }
  return lc.linePos(offset).line;
}

/** The line a dotted path (`nodes.3.branch.otherwise`) is written on in a YAML text. */
export function lineOfPath(text: string, path: string): number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const keys = path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  return lineOf(doc, keys, lineCounter);
}

export function listYaml(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadTemplates(dir = join(WORKFLOWS_DIR, 'templates')): Map<string, TemplateFile> {
  const out = new Map<string, TemplateFile>();
  for (const file of listYaml(dir)) {
    const id = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    out.set(id, loadYaml(file, TemplateFile));
  }
  return out;
}

export function templateFacts(templates: ReadonlyMap<string, TemplateFile>): TemplateFacts {
  return {
    all: new Set(templates.keys()),
    withSubject: new Set([...templates].filter(([, t]) => t.pl.subject !== undefined && t.en.subject !== undefined).map(([id]) => id)),
  };
}

/**
 * The event catalogue: the built-in events and the shop's own, one file each in `dir`, with the
 * custom attributes of `attributes.yaml`. No folder is a catalogue of the built-in events alone.
 */
export function loadCatalogue(dir = join(WORKFLOWS_DIR, 'events')): Catalogue {
  const problems: string[] = [];
  const files: { file: string; event: EventFile }[] = [];
  let attributes: AttributesFile | undefined;
  for (const file of existsSync(dir) ? listYaml(dir) : []) {
    const name = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    try {
      if (name === ATTRIBUTES_FILE) attributes = loadYaml(file, AttributesFile);
      else files.push({ file: name, event: loadYaml(file, EventFile) });
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  const { catalogue, violations } = buildCatalogue(files, attributes);
  problems.push(...violations.map((v) => `${join(dir, `${v.file}.yaml`)}: ${v.path}: ${v.message}`));
  if (problems.length > 0) throw new ConfigError(problems);
  return catalogue;
}

/** A journey file's schema: its trigger a built-in one or an event of the catalogue, named, so a typo gets its line and the likely name. */
export function journeyFileSchema(catalogue: Catalogue) {
  return JourneyConfig.extend({ trigger: z.enum(journeyTriggers(catalogue)) });
}

export function loadJourneys(
  dir = join(WORKFLOWS_DIR, 'journeys'),
  templates: TemplateFacts = templateFacts(loadTemplates(join(dir, '..', 'templates'))),
  catalogue: Catalogue = loadCatalogue(join(dir, '..', 'events')),
): JourneyConfig[] {
  const problems: string[] = [];
  const journeys: JourneyConfig[] = [];
  const schema = journeyFileSchema(catalogue);
  for (const file of listYaml(dir)) {
    try {
      const journey = loadYaml(file, schema) as JourneyConfig;
      const expected = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
      if (journey.id !== expected) problems.push(`${file}: id "${journey.id}" must match the file name "${expected}"`);
      const text = readFileSync(file, 'utf8');
      const violations = [...journeyViolations(journey, templates, declaredFields(catalogue, journey.trigger)), ...catalogueViolations(journey, catalogue)];
      for (const v of violations) problems.push(`${relative(process.cwd(), file) || file}:${lineOfPath(text, v.path)}: ${v.path}: ${v.message}`);
      journeys.push(journey);
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return journeys;
}

/**
 * `npm run values-schema [-- --check]`: writes (or checks) `schema/values.schema.json`, the JSON Schema of a
 * values overlay (`--values FILE`, or the overrides given to `defineEnvironment`).
 *
 * Two sources, each written once:
 * - the structure, types and default values come from the zod schema (`environmentSchema`) through
 *   `z.toJSONSchema` (input side: defaults are not required). What JSON Schema cannot express (zod
 *   refinements: DNS names, cron schedules, limits above requests...) is not dropped silently: the refinement's
 *   own message is appended to the description. Any other unrepresentable zod type makes the generator fail.
 * - the descriptions are the TSDoc comments on the properties of the zod object literals, read with the
 *   TypeScript type checker from the schema's own input type (`z.input<typeof environmentSchema>`: TypeScript
 *   carries property comments through `z.input`/`z.infer`). A property's `@default` tag explains a default that is
 *   not a plain value (e.g. derived from another key). The same texts document the generated interfaces of
 *   `src/config/types.generated.ts` (`npm run config-types`, cli/config-types.ts).
 *
 * Every property must end up with a description and either a `default` value, a `@default` explanation, or
 * the statement that it is required (no default): the generator fails otherwise, naming the key.
 */
import * as path from 'path';
import * as ts from 'typescript';
import * as z from 'zod';
import { writeOrCheck, runMain } from './generated-file';
import { environmentSchema } from '../src/config/schema';
import { PlatformConfigError } from '../src/core/errors';

type Json = Record<string, any>;

const ROOT = path.join(__dirname, '..');
/** The committed schema. */
export const VALUES_SCHEMA_FILE = path.join(ROOT, 'schema', 'values.schema.json');
const SCHEMA_SOURCE = path.join(ROOT, 'src', 'config', 'schema.ts');

/** The sentence that marks a property the merged definition must give (no default exists). */
export const REQUIRED_NOTE = 'Required in the merged environment definition (no default); an overlay may leave it out when its base gives it.';

/** The message of a zod refinement (`refine`/`superRefine` with a fixed message), for the description. */
function refinementMessages(schema: z.core.$ZodType): string[] {
  const checks = (schema._zod.def as { checks?: z.core.$ZodCheck[] }).checks ?? [];
  const out: string[] = [];
  for (const c of checks) {
    const def = c._zod.def as { check: string; error?: (issue: unknown) => unknown };
    if (def.check !== 'custom') continue;
    const m = def.error?.({ code: 'custom', input: undefined, path: [] });
    const text = typeof m === 'string' ? m : (m as { message?: string } | undefined)?.message;
    // A superRefine reports its own messages per issue; zod keeps only its closure, so say that a rule across
    // keys exists (each of its messages names the key and the fix).
    out.push(text ?? 'a rule across these keys (its error names the key and the fix)');
  }
  return out;
}

/**
 * The JSON Schema of a complete environment definition's input, from the zod schema alone (no descriptions).
 * A section that defaults to `{}` (zod `prefault`) says `default: {}`; the defaults it fills in are on its keys.
 */
export function zodValuesSchema(): Json {
  return z.toJSONSchema(environmentSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      const refinements = refinementMessages(zodSchema);
      if (refinements.length > 0) jsonSchema['x-refinements'] = [...((jsonSchema['x-refinements'] as string[] | undefined) ?? []), ...refinements];
    },
  }) as Json;
}

/** The TSDoc of each property of `EnvironmentInput`, by JSON Schema path (`components.trino.replicas.worker`, `*` for map entries, `[]` for list items). */
export interface PropertyDoc { readonly text: string; readonly defaultTag?: string }

/** A TypeScript program over the values schema's source (for its TSDoc), created once per run. */
export interface SchemaProgram { readonly program: ts.Program; readonly checker: ts.TypeChecker }
let schemaProgram: SchemaProgram | undefined;
export function createSchemaProgram(): SchemaProgram {
  if (!schemaProgram) {
    const program = ts.createProgram([SCHEMA_SOURCE], { strict: true, skipLibCheck: true, noEmit: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 });
    schemaProgram = { program, checker: program.getTypeChecker() };
  }
  return schemaProgram;
}

/**
 * Reads the property comments of the schema's input type with the TypeScript checker (what hover shows): the type
 * of `environmentSchema._zod.input`, i.e. `z.input<typeof environmentSchema>` (never the exported `EnvironmentInput`,
 * which is generated from these very docs).
 */
export function readPropertyDocs(schema: Json, { checker, program }: SchemaProgram = createSchemaProgram()): Map<string, PropertyDoc> {
  const source = program.getSourceFile(SCHEMA_SOURCE);
  const decl = source && ts.forEachChild(source, (n) => (ts.isVariableStatement(n) ? n.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === 'environmentSchema') : undefined));
  const zodInternals = decl && checker.getTypeAtLocation(decl.name).getProperty('_zod');
  const inputSymbol = zodInternals && checker.getTypeOfSymbol(zodInternals).getProperty('input');
  if (!inputSymbol) throw new PlatformConfigError('src/config/schema.ts', 'has no zod schema environmentSchema', 'export const environmentSchema = z.strictObject({ ... })');
  const docs = new Map<string, PropertyDoc>();

  const members = (t: ts.Type): ts.Type[] => (t.isUnion() ? t.types : [t]).filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
  const walk = (json: Json | undefined, type: ts.Type, at: string): void => {
    if (!json || typeof json !== 'object') return;
    for (const alt of [...(json.anyOf ?? []), ...(json.oneOf ?? [])] as Json[]) walk(alt, type, at);
    if (json.properties) {
      for (const [key, sub] of Object.entries(json.properties as Record<string, Json>)) {
        const where = at ? `${at}.${key}` : key;
        const prop = members(type).map((m) => m.getProperty(key)).find((p) => p !== undefined);
        if (!prop) continue;
        const text = ts.displayPartsToString(prop.getDocumentationComment(checker)).replace(/\s+/g, ' ').trim();
        const tag = prop.getJsDocTags(checker).find((t) => t.name === 'default');
        const defaultTag = tag ? ts.displayPartsToString(tag.text).replace(/^-\s*/, '').replace(/\s+/g, ' ').trim() : undefined;
        docs.set(where, { text, defaultTag });
        walk(sub, checker.getTypeOfSymbol(prop), where);
      }
    }
    if (json.additionalProperties && typeof json.additionalProperties === 'object') {
      const value = members(type).map((m) => checker.getIndexInfosOfType(m)[0]?.type).find((v) => v !== undefined);
      if (value) walk(json.additionalProperties as Json, value, `${at}.*`);
    }
    if (json.items) {
      const item = members(type).map((m) => (checker.isArrayType(m) ? checker.getTypeArguments(m as ts.TypeReference)[0] : undefined)).find((v) => v !== undefined);
      if (item) walk(json.items as Json, item, `${at}[]`);
    }
  };
  walk(schema, checker.getTypeOfSymbol(inputSymbol), '');
  return docs;
}

/**
 * What the schema says of one property, by path: its summary (the TSDoc text and what is checked beyond the
 * schema), and its default value or, when the default is not a plain value, the `@default` explanation.
 */
export interface PropertyText { readonly summary: string; readonly default?: unknown; readonly defaultTag?: string }

/**
 * Turns the schema of a complete definition into the schema of an overlay: at every depth of maps (not inside
 * list items: a list is replaced whole) nothing is required and `null` is allowed (it removes the key), and every
 * property gets its description, default and refinements. Returns the problems (keys without a description or
 * default).
 */
function toOverlay(json: Json, docs: ReadonlyMap<string, PropertyDoc>, at: string, inList: boolean, problems: string[], texts?: Map<string, PropertyText>): void {
  const refinements = (json['x-refinements'] as string[] | undefined) ?? [];
  delete json['x-refinements'];
  if (refinements.length > 0) {
    json.description = `Checked when the environment is loaded, beyond this schema (the error otherwise): ${refinements.map((m) => `"${m}"`).join('; ')}.`;
  }
  // zod writes a whole number's bounds as the safe-integer range: say nothing instead.
  if (json.type === 'integer' && json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
  if (json.type === 'integer' && json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
  for (const alt of [...(json.anyOf ?? []), ...(json.oneOf ?? [])] as Json[]) toOverlay(alt, docs, at, inList, problems, texts);
  if (json.properties) {
    const required = new Set<string>(json.required ?? []);
    if (!inList) delete json.required;
    for (const [key, sub] of Object.entries(json.properties as Record<string, Json>)) {
      const where = at ? `${at}.${key}` : key;
      toOverlay(sub, docs, where, inList, problems, texts);
      const doc = docs.get(where);
      const parts: string[] = [];
      if (doc?.text) parts.push(doc.text);
      else problems.push(`${where}: no description. Fix: write a TSDoc comment (/** ... */) on the property in its zod object`);
      const { description: checked, default: dflt, ...rest } = sub;
      if (checked) parts.push(checked as string);
      texts?.set(where, { summary: parts.join(' '), default: dflt, defaultTag: dflt === undefined && !required.has(key) ? doc?.defaultTag : undefined });
      if (dflt === undefined) {
        if (required.has(key)) parts.push(REQUIRED_NOTE);
        else if (doc?.defaultTag) parts.push(`Default: ${doc.defaultTag}${/[.)]$/.test(doc.defaultTag) ? '' : '.'}`);
        else problems.push(`${where}: optional without a default. Fix: give it .default(...) or document the behaviour without it in an @default tag`);
      }
      const described: Json = { description: parts.join(' ') };
      if (dflt !== undefined) described.default = dflt;
      json.properties[key] = inList ? { ...described, ...rest } : { ...described, anyOf: [rest, { type: 'null' }] };
    }
  }
  if (json.propertyNames && typeof json.propertyNames === 'object') toOverlay(json.propertyNames as Json, docs, `${at}.*`, inList, problems, texts);
  if (json.additionalProperties && typeof json.additionalProperties === 'object') toOverlay(json.additionalProperties as Json, docs, `${at}.*`, inList, problems, texts);
  if (json.items) toOverlay(json.items as Json, docs, `${at}[]`, true, problems, texts);
}

/**
 * The committed document: the overlay schema with its header. Throws naming every key without a description or
 * default. `texts`, when given, receives each property's summary and default (the TSDoc of the generated types). `docs` defaults to the TSDoc read with the TypeScript checker (a few seconds); the fast jest test passes
 * an empty map and compares everything but the descriptions.
 */
export function buildValuesSchema(options: { docs?: ReadonlyMap<string, PropertyDoc>; tolerateMissingDocs?: boolean; texts?: Map<string, PropertyText> } = {}): Json {
  const full = zodValuesSchema();
  const docs = options.docs ?? readPropertyDocs(full);
  const problems: string[] = [];
  const { $schema, ...body } = full;
  toOverlay(body, docs, '', false, problems, options.texts);
  if (problems.length > 0 && !options.tolerateMissingDocs) throw new PlatformConfigError('src/config/schema.ts', `the values schema is incomplete:\n  - ${problems.join('\n  - ')}\n`, 'document each key as its message says');
  return {
    $schema,
    $id: 'https://github.com/254CARBON/HMCo/schema/values.schema.json',
    title: '254Carbon data platform: environment values overlay',
    description: 'A values overlay (`npm run synth -- --values FILE`, or the overrides of `defineEnvironment`), merged onto an ' +
      'environment definition: maps merge key by key at every depth, lists and scalars replace, and null removes a key so its default ' +
      'applies. Hence every key is optional here and may be null; keys marked "Required" must be given by the merged definition. ' +
      '`default` is the value the schema fills in when the merged definition leaves a key out (a preset may set another). ' +
      'Generated from src/config/schema.ts by `npm run values-schema`; do not edit.',
    ...body,
  };
}

/** The file text (stable key order as generated, two-space indent, trailing newline). */
export function renderValuesSchema(doc: Json = buildValuesSchema()): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  return writeOrCheck(VALUES_SCHEMA_FILE, renderValuesSchema(), argv.includes('--check'), 'npm run values-schema');
}

if (require.main === module) runMain(main);

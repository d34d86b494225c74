/**
 * `npm run config-types [-- --check]`: writes (or checks) `src/config/types.generated.ts`, the documented
 * TypeScript interfaces of the values schema: `EnvironmentConfig` (after validation, every default filled in:
 * `z.infer`) and `EnvironmentInput` (as written: `z.input`), and both sides of each named section
 * (`ZooKeeperConfig` / `ZooKeeperConfigInput`, ...). They are the public types of the package, so the `.d.ts`
 * consumers get carries a TSDoc comment and `@default` on every key (a `z.infer` alias carries none into the
 * declaration files: it is printed as `z.infer<typeof zookeeperConfig>`).
 *
 * One pipeline with the values JSON Schema (cli/values-schema.ts), so the texts cannot drift apart:
 * - the structure comes from zod's own `z.toJSONSchema` (input or output side), the named sections extracted as
 *   `$defs` through a zod registry (`id` = the interface's name);
 * - each property's summary and default are exactly those `schema/values.schema.json` states (the TSDoc of the
 *   zod object literals read with the TypeScript checker, the refinements' messages, the default value or the
 *   `@default` explanation);
 * - `json-schema-to-typescript` (16.0.0) turns each section's schema into an interface or type alias (with
 *   `ignoreMinAndMaxItems`: zod's `T[]` stays `T[]` instead of a tuple type, and `additionalProperties: false`
 *   where zod leaves an object open, as `z.infer` has no index signature there). Each section is compiled on its
 *   own and a reference to another section is written as `tsType` with the property's description: the generator
 *   drops a property's comment when the property's type is a named declaration (dist/src/generator.js,
 *   `generateInterface`: `hasComment(...) && !ast.standaloneName`).
 *
 * test/config-types.test.ts proves, at compile time (tsc in npm test), that each generated type equals its zod
 * type: a schema change without regenerating fails the build.
 */
import * as path from 'path';
import { compile } from 'json-schema-to-typescript';
import * as ts from 'typescript';
import * as z from 'zod';
import { writeOrCheck } from './generated-file';
import { buildValuesSchema, createSchemaProgram, type PropertyText, type SchemaProgram } from './values-schema';
import { PlatformConfigError } from '../src/core/errors';

type Json = Record<string, any>;

const ROOT = path.join(__dirname, '..');
/** The committed file. */
export const CONFIG_TYPES_FILE = path.join(ROOT, 'src', 'config', 'types.generated.ts');

/**
 * The named types: each zod schema (by module and export) with the name of its output type (`z.infer`); the input
 * type (`z.input`) is that name with `Input` appended (`EnvironmentConfig`: `EnvironmentInput`). Any other object
 * of the schema is written inline in the type that holds it.
 */
export const NAMED_SCHEMAS: ReadonlyArray<{ readonly name: string; readonly module: string; readonly exportName: string }> = [
  { name: 'EnvironmentConfig', module: 'src/config/schema.ts', exportName: 'environmentSchema' },
  { name: 'ExternalConfig', module: 'src/config/external.ts', exportName: 'externalSchema' },
  { name: 'ExternalService', module: 'src/config/external.ts', exportName: 'externalService' },
  { name: 'ExternalDatabase', module: 'src/config/external.ts', exportName: 'externalDatabase' },
  { name: 'AuthProxy', module: 'src/config/external.ts', exportName: 'authProxySchema' },
  { name: 'SecretStoreConfig', module: 'src/config/secret-store.ts', exportName: 'secretStoreSchema' },
  { name: 'ResourceSpec', module: 'src/core/schema.ts', exportName: 'resourceSpec' },
  { name: 'ExplicitResources', module: 'src/core/schema.ts', exportName: 'explicitResources' },
  { name: 'PresetName', module: 'src/core/schema.ts', exportName: 'presetName' },
  { name: 'GitopsConfig', module: 'src/platform/gitops/config.ts', exportName: 'gitopsConfig' },
  { name: 'ZooKeeperConfig', module: 'src/components/zookeeper/config.ts', exportName: 'zookeeperConfig' },
  { name: 'DolphinSchedulerConfig', module: 'src/components/dolphinscheduler/config.ts', exportName: 'dolphinSchedulerConfig' },
  { name: 'MinioConfig', module: 'src/components/minio/config.ts', exportName: 'minioConfig' },
  { name: 'MinioMigrationConfig', module: 'src/components/minio/config.ts', exportName: 'minioMigrationConfig' },
  { name: 'TrinoConfig', module: 'src/components/trino/config.ts', exportName: 'trinoConfig' },
  { name: 'IcebergConfig', module: 'src/components/iceberg/config.ts', exportName: 'icebergConfig' },
  { name: 'RedisConfig', module: 'src/components/redis/config.ts', exportName: 'redisConfig' },
  { name: 'SupersetConfig', module: 'src/components/superset/config.ts', exportName: 'supersetConfig' },
  { name: 'PortalServicesConfig', module: 'src/components/portal-services/config.ts', exportName: 'portalServicesConfig' },
  { name: 'PortalAutoscalingConfig', module: 'src/components/portal-services/config.ts', exportName: 'portalAutoscalingConfig' },
  { name: 'ApiGatewayConfig', module: 'src/components/api-gateway/config.ts', exportName: 'apiGatewayConfig' },
  { name: 'PoliciesConfig', module: 'src/platform/policies/config.ts', exportName: 'policiesConfig' },
  { name: 'DorisConfig', module: 'src/components/doris/config.ts', exportName: 'dorisConfig' },
  { name: 'GrafanaConfig', module: 'src/components/grafana/config.ts', exportName: 'grafanaConfig' },
  { name: 'MonitoringConfig', module: 'src/components/monitoring/config.ts', exportName: 'monitoringConfig' },
  { name: 'LoggingConfig', module: 'src/components/logging/config.ts', exportName: 'loggingConfig' },
  { name: 'BackupConfig', module: 'src/components/backup/config.ts', exportName: 'backupConfig' },
  { name: 'BackupTarget', module: 'src/components/backup/config.ts', exportName: 'backupTarget' },
  { name: 'SparkHistoryConfig', module: 'src/components/spark-history/config.ts', exportName: 'sparkHistoryConfig' },
  { name: 'IngressConfig', module: 'src/platform/network/config.ts', exportName: 'ingressConfig' },
  { name: 'NetworkPoliciesConfig', module: 'src/platform/network/config.ts', exportName: 'networkPoliciesConfig' },
  { name: 'PodPeer', module: 'src/platform/network/config.ts', exportName: 'podPeer' },
  { name: 'AvailabilityConfig', module: 'src/platform/availability/config.ts', exportName: 'availabilityConfig' },
];

/** The name of a named schema's input type. */
export const inputName = (name: string): string => (name === 'EnvironmentConfig' ? 'EnvironmentInput' : `${name}Input`);

type Io = 'input' | 'output';

function schemaOf(entry: (typeof NAMED_SCHEMAS)[number]): z.ZodType {
  const mod = require(path.join(ROOT, entry.module)) as Record<string, unknown>;
  const schema = mod[entry.exportName];
  if (!(schema instanceof z.ZodType)) throw new PlatformConfigError(entry.module, `exports no zod schema ${entry.exportName}`, `fix NAMED_SCHEMAS in cli/config-types.ts`);
  return schema;
}

/** The TSDoc of each named schema's declaration (`export const zookeeperConfig = ...`). */
function declarationDocs({ program, checker }: SchemaProgram): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of NAMED_SCHEMAS) {
    const source = program.getSourceFile(path.join(ROOT, entry.module));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === entry.exportName);
    const text = symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() : '';
    if (!text) throw new PlatformConfigError(entry.module, `${entry.exportName} has no TSDoc comment`, `document it (/** ... */): the comment documents the interface ${entry.name}`);
    out.set(entry.name, text);
  }
  return out;
}

/** A comment's text made safe inside `/** ... *\/`. */
const safe = (s: string): string => s.replace(/\*\//g, '*\\/');

/** The TSDoc of one property: the JSON Schema's summary, then `@default` (the value as JSON, or the explanation). */
function propertyComment(t: PropertyText): string {
  const lines = [safe(t.summary)];
  if (t.default !== undefined) lines.push('', `@default ${safe(JSON.stringify(t.default))}`);
  else if (t.defaultTag) lines.push('', `@default - ${safe(t.defaultTag)}`);
  return lines.join('\n');
}

/**
 * One side of the schema as JSON Schema documents ready for json-schema-to-typescript: each named section by its
 * type name, a reference to another named section replaced by its type name (`tsType`), and every property's
 * description its TSDoc. Fails naming a property the values schema does not describe.
 */
function sections(io: Io, texts: ReadonlyMap<string, PropertyText>, interfaceDocs: ReadonlyMap<string, string>): Array<[string, Json]> {
  const registry = z.registry<{ id: string }>();
  const byId = new Map<string, (typeof NAMED_SCHEMAS)[number]>();
  // The root is the document itself (an `id` would turn it into a `$ref` to itself).
  for (const entry of NAMED_SCHEMAS.slice(1)) {
    registry.add(schemaOf(entry), { id: entry.name });
    byId.set(entry.name, entry);
  }
  const root = z.toJSONSchema(schemaOf(NAMED_SCHEMAS[0]), { io, target: 'draft-2020-12', unrepresentable: 'throw', metadata: registry }) as Json;
  const { $defs = {}, $schema: _s, id: _i, ...body } = root;
  const defs: Record<string, Json> = { ...$defs, EnvironmentConfig: body };
  const typeName = (id: string): string => (io === 'input' ? inputName(id) : id);
  const done = new Map<string, Json>();
  const problems: string[] = [];

  const refName = (node: Json): string | undefined => (typeof node.$ref === 'string' ? String(node.$ref).replace(/^#\/\$defs\//, '') : undefined);
  const rewrite = (node: Json, at: string): Json => {
    const ref = refName(node);
    if (ref !== undefined) {
      if (!defs[ref]) throw new PlatformConfigError('cli/config-types.ts', `the schema refers to an unknown section ${ref}`, 'name it in NAMED_SCHEMAS');
      section(ref, at);
      return { tsType: typeName(ref) };
    }
    const out: Json = { ...node };
    delete out.description;
    delete out.id;
    for (const k of ['anyOf', 'oneOf'] as const) if (node[k]) out[k] = (node[k] as Json[]).map((alt) => rewrite(alt, at));
    if (node.properties) {
      out.properties = {};
      for (const [key, sub] of Object.entries(node.properties as Record<string, Json>)) {
        const where = at ? `${at}.${key}` : key;
        const t = texts.get(where);
        if (!t) problems.push(where);
        out.properties[key] = { ...rewrite(sub, where), ...(t ? { description: propertyComment(t) } : {}) };
      }
      // zod leaves a non-strict object open in the input JSON Schema; its TypeScript type has no index signature.
      if (out.additionalProperties === undefined) out.additionalProperties = false;
    }
    if (node.additionalProperties && typeof node.additionalProperties === 'object') out.additionalProperties = rewrite(node.additionalProperties as Json, `${at}.*`);
    if (node.items) out.items = rewrite(node.items as Json, `${at}[]`);
    return out;
  };
  const section = (id: string, at: string): void => {
    if (done.has(id)) return;
    done.set(id, {});
    const side = io === 'input'
      ? 'As written in an environment definition or a values overlay (`z.input` of the schema): a key with a default may be left out.'
      : 'After validation, every default filled in (`z.infer` of the schema): what `loadEnvironment` gives the constructs.';
    const doc = `${safe(interfaceDocs.get(id) ?? '')}\n\n${side}`;
    done.set(id, { ...rewrite(defs[id], at), title: typeName(id), description: doc });
  };
  section('EnvironmentConfig', '');
  for (const id of Object.keys(defs)) if (!done.has(id)) problems.push(`${byId.get(id)?.module ?? '?'} ${id} (named, but not used by environmentSchema)`);
  if (problems.length > 0) throw new PlatformConfigError('src/config/schema.ts', `the config types cannot be generated:\n  - ${problems.join('\n  - ')}\n`, 'document each key (npm run values-schema names what is missing) and name only schemas the environment uses');
  return NAMED_SCHEMAS.map((e) => [typeName(e.name), done.get(e.name)!]);
}

/** The file text: both sides of every named section, output types first, in the order of NAMED_SCHEMAS. */
export async function renderConfigTypes(program: SchemaProgram = createSchemaProgram()): Promise<string> {
  const texts = new Map<string, PropertyText>();
  buildValuesSchema({ texts });
  const interfaceDocs = declarationDocs(program);
  const parts: string[] = [
    '// Generated by `npm run config-types` (cli/config-types.ts) from the zod schema of src/config/schema.ts and its',
    '// TSDoc, with the descriptions and defaults of schema/values.schema.json; do not edit. test/config-types.test.ts',
    '// proves at compile time that each type equals its `z.infer` / `z.input` type.',
    '',
  ];
  for (const io of ['output', 'input'] as const) {
    for (const [name, schema] of sections(io, texts, interfaceDocs)) {
      const text = await compile(schema, name, {
        bannerComment: '',
        additionalProperties: false,
        ignoreMinAndMaxItems: true,
        declareExternallyReferenced: false,
        strictIndexSignatures: false,
        unknownAny: true,
        format: true,
        style: { singleQuote: true, printWidth: 120, trailingComma: 'all' },
      });
      parts.push(text.trim(), '');
    }
  }
  return `${parts.join('\n').trim()}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  return writeOrCheck(CONFIG_TYPES_FILE, await renderConfigTypes(), argv.includes('--check'), 'npm run config-types');
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => { process.stderr.write(`${e.message}\n`); process.exitCode = 1; });
}

import * as fs from 'fs';
import Ajv2020 from 'ajv/dist/2020';
import { buildValuesSchema, REQUIRED_NOTE, VALUES_SCHEMA_FILE } from '../cli/values-schema';
import { ENVIRONMENTS } from '../src/config/values';

// The full regeneration (with the TSDoc read by the TypeScript checker, ~5-20 s here) runs in .ci/run as
// `npm run values-schema -- --check`; these tests compare everything else in memory and check the committed text.
const committed = JSON.parse(fs.readFileSync(VALUES_SCHEMA_FILE, 'utf8')) as Record<string, any>;

type Json = Record<string, any>;
const withoutDescriptions = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(withoutDescriptions);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Json).filter(([k]) => k !== 'description').map(([k, x]) => [k, withoutDescriptions(x)]));
  }
  return v;
};

/** Every property of the overlay schema, by path, at every depth (union members, map values and list items too). */
function properties(node: Json, at = '', out: Array<[string, Json]> = []): Array<[string, Json]> {
  for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? [])] as Json[]) properties(alt, at, out);
  for (const [k, p] of Object.entries((node.properties ?? {}) as Record<string, Json>)) {
    out.push([at ? `${at}.${k}` : k, p]);
    properties(p, at ? `${at}.${k}` : k, out);
  }
  if (node.additionalProperties && typeof node.additionalProperties === 'object') properties(node.additionalProperties as Json, `${at}.*`, out);
  if (node.items) properties(node.items as Json, `${at}[]`, out);
  return out;
}

describe('the values JSON Schema (schema/values.schema.json)', () => {
  test('the committed schema is the zod schema as an overlay: types, bounds, enums, defaults and strictness (descriptions: .ci/run)', () => {
    const fresh = buildValuesSchema({ docs: new Map(), tolerateMissingDocs: true });
    expect(withoutDescriptions(committed)).toEqual(withoutDescriptions(fresh));
  });

  test('every property at every depth has a description and a default, or says it is required', () => {
    const all = properties(committed);
    expect(all.length).toBeGreaterThan(250);
    const missing = all.filter(([, p]) => typeof p.description !== 'string' || p.description.length < 10).map(([k]) => k);
    expect(missing).toEqual([]);
    const noDefault = all
      .filter(([, p]) => !('default' in p) && !p.description.includes(REQUIRED_NOTE) && !/ Default: \S/.test(p.description))
      .map(([k]) => k);
    expect(noDefault).toEqual([]);
    // The keys that really have no default are exactly those the zod schema requires.
    const required = all.filter(([, p]) => p.description.includes(REQUIRED_NOTE)).map(([k]) => k);
    expect(required).toEqual(expect.arrayContaining(['name', 'namespace', 'domain', 'storageClass', 'resourcePresets', 'external.services.*.port']));
  });

  test('an editor validating with it accepts the presets and overlays and rejects what loadEnvironment rejects', () => {
    // Formats (authUrl's `uri`) are annotations here: loadEnvironment checks the URL itself.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(committed);
    for (const [name, env] of Object.entries(ENVIRONMENTS)) expect([name, validate(env), validate.errors]).toEqual([name, true, null]);
    // An overlay: partial at every depth; null removes a key.
    expect(validate({ components: { trino: { replicas: { worker: 3 } } }, gitops: { targetRevision: null } })).toBe(true);
    expect(validate({ components: { trino: { replicaz: 2 } } })).toBe(false);
    expect(validate({ components: { trino: { replicas: { worker: -1 } } } })).toBe(false);
    expect(validate({ imagePullPolicy: 'Sometimes' })).toBe(false);
    expect(validate({ components: { zookeeper: { resources: 'huge' } } })).toBe(false);
    // A list is replaced whole, so its items are complete (required keys stay required inside lists).
    expect(validate({ components: { dolphinscheduler: { schema: { migrateHandMadeSchema: true } }, ingress: { singleSignOn: true } } })).toBe(true);
    expect(validate({ components: { ingress: { singleSignOn: { authUrl: 'https://auth.example.com' } } } })).toBe(false);
  });

  test('what JSON Schema cannot say is said in the description, never dropped (refinements)', () => {
    const byPath = new Map(properties(committed));
    expect(byPath.get('name')!.description).toMatch(/Checked when the environment is loaded.*not a DNS label/);
    expect(byPath.get('components.zookeeper.replicas')!.description).toMatch(/odd number of servers/);
    expect(byPath.get('components.iceberg.compaction.schedule')!.description).toMatch(/not a valid cron schedule/);
    expect(JSON.stringify(committed).split('x-refinements').length - 1).toBe(0);
  });

  test('the header says it is an overlay schema, generated', () => {
    expect(committed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(committed.description).toMatch(/overlay/);
    expect(committed.description).toMatch(/npm run values-schema/);
    expect(committed.required).toBeUndefined();
  });
});

import { defineEnvironment, loadEnvironment, prod, staging } from '../src';

describe('defineEnvironment: consumers define their own environments', () => {
  test('regression: overrides deep-merge, so nested values of the base survive (a spread dropped them)', () => {
    const qa = defineEnvironment(staging, {
      name: 'qa', namespace: 'data-platform-qa', domain: 'qa.example.com', sharedObjectSuffix: '-qa',
      components: { trino: { replicas: { worker: 1 } } },
    });
    const env = loadEnvironment(qa);
    expect(env.name).toBe('qa');
    expect(env.components.trino.replicas.worker).toBe(1);
    // The base's other Trino values (and every other component) are kept, not reset to defaults.
    const base = loadEnvironment('staging');
    expect(env.components.trino.replicas.coordinator).toBe(base.components.trino.replicas.coordinator);
    expect(env.components.trino.resources).toEqual(base.components.trino.resources);
    expect(env.components.dolphinscheduler).toEqual(base.components.dolphinscheduler);
    expect({ ...staging, components: { trino: { replicas: { worker: 1 } } } }.components).not.toHaveProperty('dolphinscheduler');
  });

  test('null removes a key so its default applies; neither input changes', () => {
    const before = JSON.stringify(prod);
    const def = defineEnvironment(prod, { name: 'prod2', namespace: 'data-platform-2', sharedObjectSuffix: '-2', components: { trino: null } });
    expect(JSON.stringify(prod)).toBe(before);
    expect((def.components as Record<string, unknown>).trino).toBeUndefined();
    // prod's Trino sizing is gone: the schema's defaults apply.
    expect(loadEnvironment(def).components.trino.resources).not.toEqual(loadEnvironment('prod').components.trino.resources);
    expect(loadEnvironment(def).components.trino.replicas.worker).not.toBe(3);
  });

  test('a bad override is reported by loadEnvironment with the environment, the key and the fix', () => {
    const bad = defineEnvironment(staging, { name: 'qa', namespace: 'data-platform-qa', components: { trino: { replicas: { worker: -1 } } } });
    expect(() => loadEnvironment(bad)).toThrow(/environment 'qa' is invalid[\s\S]*components\.trino\.replicas\.worker/);
  });
});

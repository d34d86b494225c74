import * as fc from 'fast-check';
import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';

// The command line's bundle swaps these in for cdk8s's resolve, cdk8s's internal sanitizeValue and the generated
// bindings' drop-undefined reduce (scripts/cli-bundle.js, fastPathsPlugin): they must return exactly what the
// originals return.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dropUndefined, fastResolve, sanitizeValue, sortDistinctStrings } = require('../scripts/cli-fast-paths.js') as {
  dropUndefined: (o: unknown) => Record<string, unknown>;
  fastResolve: (lib: Record<string, unknown>) => Resolve;
  sanitizeValue: Sanitize;
  sortDistinctStrings: (a: string[]) => string[];
};
type Sanitize = (obj: unknown, options?: { sortKeys?: boolean; filterEmptyArrays?: boolean; filterEmptyObjects?: boolean }) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const originalSanitize: Sanitize = require('cdk8s/lib/_util').sanitizeValue;
type Resolve = (key: string[], value: unknown, obj: ApiObject) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sResolve = require('cdk8s/lib/resolve');
const original: Resolve = cdk8sResolve.resolve;
const fast = fastResolve({
  original,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  app: () => require('cdk8s/lib/app').App,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  lazy: () => require('cdk8s/lib/lazy').Lazy,
  LazyResolver: cdk8sResolve.LazyResolver,
  ImplicitTokenResolver: cdk8sResolve.ImplicitTokenResolver,
  NumberStringUnionResolver: cdk8sResolve.NumberStringUnionResolver,
});

/** The generated bindings' own expression (cdk8s-plus-28/lib/imports/k8s.js, imports/*.ts). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const generated = (o: any) => Object.entries(o).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});

/**
 * Same structure, same key order, same prototypes, same holes; anything else must be the very same value.
 * `protoKeys`: a '__proto__' key is assigned by resolve (both), which sets the prototype of the result to any
 * resolved value: prototypes are then compared like values.
 */
function same(a: unknown, b: unknown, protoKeys = false): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const [pa, pb] = [Object.getPrototypeOf(a), Object.getPrototypeOf(b)];
  if (pa !== pb && !(protoKeys && same(pa, pb, protoKeys))) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    return a.every((_, i) => (i in a) === (i in y)) && [...a.keys()].every((i) => same(a[i], y[i], protoKeys));
  }
  // Resolving creates arrays and plain objects only: other objects must be the very same instance.
  if (!protoKeys && pa !== Object.prototype && pa !== null) return false;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], protoKeys));
}

const plainKeys = fc.oneof(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), fc.constantFrom('0', '7', '10', 'constructor', 'value', 'resolve', 'toString'));
const keys = fc.oneof(plainKeys, fc.constant('__proto__'));
const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(new Date(0)));
/** Values as constructs hold them: plain data, Lazy values, implicit tokens, number/string unions, class instances. */
const values = (keys: fc.Arbitrary<string>) => fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.sparseArray(tie('value'), { maxLength: 4 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 5 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 3, noNullPrototype: false }).map((o) => Object.assign(Object.create(null), o)),
    tie('value').map((v) => Lazy.any({ produce: () => v })),
    tie('value').map((v) => ({ resolve: () => v })),
    fc.integer().map((n) => k8s.IntOrString.fromNumber(n)),
    fc.string({ maxLength: 5 }).map((s) => k8s.Quantity.fromString(s)),
    fc.string({ maxLength: 5 }).map((s) => Object.assign(Object.create(null), { value: s })),
  ),
})).value;

function apiObject(props?: ConstructorParameters<typeof App>[0]): ApiObject {
  const app = new App({ outdir: '.tmp/unused', ...props });
  return new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap' });
}

describe('the fast paths of the bundled command line (scripts/cli-fast-paths.js)', () => {
  test('regression: dropUndefined returns what the generated bindings\' reduce returns (key order, __proto__ keys, integer keys)', () => {
    fc.assert(fc.property(fc.oneof(fc.dictionary(keys, fc.option(leaf, { nil: undefined }), { maxKeys: 12 }), fc.object(), fc.array(leaf), fc.string()), (o) => {
      const expected = generated(o);
      const actual = dropUndefined(o);
      expect(same(actual, expected)).toBe(true);
      expect(Object.getOwnPropertyNames(actual)).toEqual(Object.getOwnPropertyNames(expected));
    }), { numRuns: 2000 });
    expect(() => dropUndefined(undefined)).toThrow(TypeError);
    const proto = dropUndefined(JSON.parse('{"__proto__": {"x": 1}, "a": 2}'));
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(proto)).toEqual(['__proto__', 'a']);
  });

  test('regression: the fast resolve returns what cdk8s\'s resolve returns for the built-in resolvers', () => {
    const obj = apiObject();
    fc.assert(fc.property(values(plainKeys), (v) => {
      const expected = original([], v, obj);
      expect(same(fast([], v, obj), expected)).toBe(true);
    }), { numRuns: 3000 });
    // '__proto__' keys: assigned by both, so the prototypes of the results are equal resolved values
    fc.assert(fc.property(values(keys), (v) => {
      expect(same(fast([], v, obj), original([], v, obj), true)).toBe(true);
    }), { numRuns: 1000 });
  });

  test('a primitive resolves to itself only while its prototype defines neither `resolve` nor `value`', () => {
    const obj = apiObject();
    const v = { a: 'x', b: [1, true, 'y'], c: { d: 2 } };
    expect(same(fast([], v, obj), original([], v, obj))).toBe(true);
    const proto = String.prototype as unknown as { value?: unknown; resolve?: unknown };
    for (const [name, value] of [['value', 7], ['resolve', function (this: string) { return String(this) === 'x' ? 42 : undefined; }]] as const) {
      Object.defineProperty(proto, name, { value, configurable: true, writable: true });
      try {
        const expected = original([], v, obj);
        expect(same(fast([], v, obj), expected)).toBe(true);
        expect(JSON.stringify(expected)).not.toBe(JSON.stringify(v)); // the rule did apply to the strings
      } finally {
        delete proto[name];
      }
    }
  });

  test('regression: the fast sanitizeValue returns (or throws) what cdk8s\'s returns, for the options cdk8s passes and others', () => {
    /** The result, or the error it threw (class and message). */
    const outcome = (fn: Sanitize, v: unknown, o?: Parameters<Sanitize>[1]) => {
      try {
        return { value: fn(v, o) };
      } catch (e) {
        return { threw: `${(e as Error).constructor.name}: ${(e as Error).message}` };
      }
    };
    class Subclassed extends Array {}
    const many = fc.dictionary(plainKeys, leaf, { minKeys: 17, maxKeys: 40 }); // past the insertion sort
    const sanitizable = fc.oneof(values(plainKeys), many, fc.array(leaf).map((a) => Subclassed.from(a)), fc.constant({}), fc.constant([]));
    const options = fc.oneof(fc.constant(undefined), fc.record({ sortKeys: fc.boolean() }), fc.constant({ filterEmptyArrays: true, filterEmptyObjects: true }),
      fc.record({ sortKeys: fc.option(fc.boolean(), { nil: undefined }), filterEmptyArrays: fc.boolean(), filterEmptyObjects: fc.boolean() }));
    const obj = apiObject();
    let threw = 0;
    fc.assert(fc.property(sanitizable, options, (raw, o) => {
      // Resolved first, as cdk8s calls it (Lazy values produce once); then both sanitize the same value.
      const v = original([], raw, obj);
      const expected = outcome(originalSanitize, v, o);
      const actual = outcome(sanitizeValue, v, o);
      if ('threw' in expected) threw++;
      expect(actual).toEqual(expected);
      if ('value' in expected) expect(same((actual as { value: unknown }).value, expected.value)).toBe(true);
    }), { numRuns: 3000 });
    expect(threw).toBeGreaterThan(0); // class instances and null-prototype objects were among the inputs
    // '__proto__' keys are assigned by both (the prototype of the result is set)
    fc.assert(fc.property(values(keys), (raw) => {
      const v = original([], raw, obj);
      expect(outcome(sanitizeValue, v)).toEqual(outcome(originalSanitize, v));
    }), { numRuns: 1000 });
  });

  test('sortDistinctStrings sorts as Array.prototype.sort() does, below and above its insertion-sort size', () => {
    const strings = fc.uniqueArray(fc.oneof(fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 3 }), fc.constantFrom('a', 'A', 'Z', '_', '10', '9', '\u00e9', '\ud83d\ude00')), { maxLength: 40 });
    fc.assert(fc.property(strings, (a) => {
      expect(sortDistinctStrings([...a])).toEqual([...a].sort());
    }), { numRuns: 3000 });
  });

  test('an App with its own resolvers gets cdk8s\'s resolve, with the same key paths', () => {
    const seen: string[][] = [[], []];
    const run = (fn: Resolve, log: string[]) => {
      const obj = apiObject({ resolvers: [{ resolve: (c) => { log.push(c.key.join('.')); if (c.value === 'x') c.replaceValue('y'); } }] });
      return fn([], { a: [1, 'x', { b: Lazy.any({ produce: () => 'x' }) }], c: 'x' }, obj);
    };
    const expected = run(original, seen[0]);
    expect(same(run(fast, seen[1]), expected)).toBe(true);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]).toContain('a.2.b');
  });

  test('a resolver added during the resolution sees the key paths cdk8s\'s resolve gives it', () => {
    const run = (fn: Resolve) => {
      const log: string[] = [];
      const obj = apiObject();
      const app = App.of(obj);
      const addResolver = Lazy.any({ produce: () => { app.resolvers.unshift({ resolve: (c) => { log.push(c.key.join('.')); } }); return 'added'; } });
      const result = fn(['top'], { a: { b: addResolver, c: { d: [1, 2] } }, e: 'f' }, obj);
      return { result, log };
    };
    const expected = run(original);
    const actual = run(fast);
    expect(same(actual.result, expected.result)).toBe(true);
    expect(actual.log).toEqual(expected.log);
    expect(expected.log).toContain('top.a.c.d.1');
  });
});

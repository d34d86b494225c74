// Faster equivalents of three hot spots of cdk8s's serialization, swapped in by the bundler of the command line
// (scripts/cli-bundle.js, `fastPathsPlugin`) and nowhere else: the library (lib/, jest) runs cdk8s unchanged.
// Each returns exactly what the code it replaces returns (test/cli-fast-paths.test.ts compares them with the
// originals on generated inputs; the bundled synth's tree is compared with charts-out/ by test/cli-bundle.test.ts).
//
// 1. dropUndefined(o) replaces the generated bindings' (cdk8s-plus-28/lib/imports/k8s.js, imports/*.ts)
//      Object.entries(o).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})
//    which copies the growing object once per defined key (quadratic; ~900 such functions run for every
//    object of every environment).
// 2. resolve(key, value, apiObject), cdk8s's lib/resolve.js: the original walks up to the App for every value
//    (App.of) and copies the key path into a new array for every value. With the App's built-in resolvers only
//    (Lazy, implicit token, number/string union) the key path is read by no one, so the fast path applies the
//    three resolvers' own rules in the same order and keeps the path as a stack of segments; when the App has
//    other resolvers (or they change during the resolution) the original runs with the full key path.
// 3. sanitizeValue(obj, options), cdk8s's lib/_util.js: the same checks in the same order, but the keys of an
//    object are sorted by an insertion sort up to 16 keys (the same order as `Array.prototype.sort()` for the
//    distinct strings `Object.keys` gives; the built-in's set-up cost dominated for the one to five keys of most
//    objects: ~15 ms a synth) and walked by index instead of by iterator.
'use strict';

/** `Object.entries(o).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})`, linear. */
function dropUndefined(o) {
  const keys = Object.keys(o); // what Object.entries lists, in its order (throws like it for null/undefined)
  const out = {};
  for (let n = 0; n < keys.length; n++) {
    const k = keys[n];
    const v = o[k];
    if (v === undefined) continue;
    // A computed key in a literal defines an own property, also for '__proto__' (assignment would set the prototype).
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

/**
 * Wraps cdk8s's `resolve` (lib/resolve.js of cdk8s 2.x) into the fast path described above. `lib` holds that
 * module's bindings: the original function, `app()` and `lazy()` (getters: the modules require each other) and
 * the three resolver classes. The methods the fast path stands for are captured here: an App whose resolvers
 * are other objects, or whose built-in resolvers were changed, takes the original path.
 */
function fastResolve(lib) {
  const { original, LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver } = lib;
  const lazyResolve = LazyResolver.prototype.resolve;
  const tokenResolve = ImplicitTokenResolver.prototype.resolve;
  const unionResolve = NumberStringUnionResolver.prototype.resolve;
  const builtIn = (resolvers) => Array.isArray(resolvers) && resolvers.length === 3
    && resolvers[0] instanceof LazyResolver && resolvers[0].resolve === lazyResolve
    && resolvers[1] instanceof ImplicitTokenResolver && resolvers[1].resolve === tokenResolve
    && resolvers[2] instanceof NumberStringUnionResolver && resolvers[2].resolve === unionResolve;

  function resolve(key, value, apiObject) {
    const app = lib.app().of(apiObject);
    const resolvers = app.resolvers;
    if (!builtIn(resolvers)) return original(key, value, apiObject);
    const Lazy = lib.lazy();
    const [r0, r1, r2] = resolvers;
    // The original reads the App's resolvers again for every value: so does this (cheaply), and any change
    // hands the rest of the walk to the original, with the key path it would have had.
    const unchanged = () => app.resolvers === resolvers && resolvers.length === 3 && resolvers[0] === r0 && resolvers[1] === r1
      && resolvers[2] === r2 && r0.resolve === lazyResolve && r1.resolve === tokenResolve && r2.resolve === unionResolve;
    // Strings, numbers and booleans: the three rules read `resolve`, `constructor` and `value` on them, which only
    // their prototypes can define; with none of those defined there, a primitive resolves to itself.
    const plainPrimitives = [String.prototype, Number.prototype, Boolean.prototype].every((p) => !('resolve' in p) && !('value' in p));
    // The key path, as a stack of segments (copied only when the original takes over).
    const stack = [];
    const walk = (v) => {
      for (;;) {
        if (!unchanged()) return original([...key, ...stack.map(String)], v, apiObject);
        if (v == null) return v;
        const t = typeof v;
        if (plainPrimitives && (t === 'string' || t === 'number' || t === 'boolean')) return v;
        if (v instanceof Lazy) { // LazyResolver
          v = v.produce();
          continue;
        }
        if (typeof v.resolve === 'function') { // ImplicitTokenResolver
          v = v.resolve();
          continue;
        }
        // NumberStringUnionResolver
        if (v.constructor !== Object && NumberStringUnionResolver.TYPES.includes(typeof v.value)) {
          v = { value: v.value };
          continue;
        }
        break;
      }
      if (Array.isArray(v)) return v.map((x, i) => { stack.push(i); const y = walk(x); stack.pop(); return y; });
      if (v.constructor == Object) {
        // What Object.entries(v) lists, read before any is resolved, without an array per entry.
        const keys = Object.keys(v);
        const values = new Array(keys.length);
        for (let i = 0; i < keys.length; i++) values[i] = v[keys[i]];
        const result = {};
        for (let i = 0; i < keys.length; i++) {
          stack.push(keys[i]);
          result[keys[i]] = walk(values[i]);
          stack.pop();
        }
        return result;
      }
      return v;
    };
    return walk(value);
  }
  resolve.fastPath = true;
  return resolve;
}

/**
 * Sorts distinct strings in place by UTF-16 code units, the order of `Array.prototype.sort()` without a comparator
 * (which compares the strings themselves, as `<` does); an insertion sort for short arrays, the built-in otherwise.
 */
function sortDistinctStrings(a) {
  const n = a.length;
  if (n > 16) return a.sort();
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

/** cdk8s's `sanitizeValue` (lib/_util.js of cdk8s 2.x, see the header): the same result, errors included. */
function sanitizeValue(obj, options = {}) {
  if (obj == null) return undefined;
  if (typeof obj !== 'object') return obj;
  if (Array.isArray(obj)) {
    if (options.filterEmptyArrays && obj.length === 0) return undefined;
    return obj.map((x) => sanitizeValue(x, options));
  }
  if (obj.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${obj.constructor.name}'`);
  const newObj = {};
  const sortKeys = options.sortKeys ?? true;
  const keys = Object.keys(obj); // distinct strings
  if (sortKeys) sortDistinctStrings(keys);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const newValue = sanitizeValue(obj[key], options);
    // Assigned, as the original does (a '__proto__' key sets the prototype).
    if (newValue != null) newObj[key] = newValue;
  }
  if (options.filterEmptyObjects && Object.keys(newObj).length === 0) return undefined;
  return newObj;
}

module.exports = { dropUndefined, fastResolve, sanitizeValue, sortDistinctStrings };

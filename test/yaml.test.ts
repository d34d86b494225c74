import { parse } from 'yaml';
import { toYaml, toYamlWithJsYaml } from '../src/core/yaml';
import { ENVS, objectsOf } from './util';

// The fast writer must give js-yaml's bytes (the reference: toYamlWithJsYaml) for any input, and text that reads
// back as the same data in YAML 1.1 and 1.2.

/** Strings each YAML writer gets wrong in some way if it is careless. */
const AWKWARD = [
  '', ' ', '  ', 'a', 'abc', 'a b', ' a', 'a ', 'a:', 'a: b', 'a:b', 'http://x:80/y?q=1#f', 'a #b', 'a#b', '#a', '-', '-a', '- a', '--',
  '---', '...', '?', '? a', ':', ':a', ',', 'a,b', '[a]', 'a[0]', '{a}', 'a{b}', '&a', '*a', '!a', '!!str', '|', '>', "'", "a'b", '"', 'a"b',
  '%a', '@a', '`a', '=', '==', '<<', '<', '~', 'null', 'Null', 'NULL', 'nUll', 'true', 'True', 'TRUE', 'tRue', 'false', 'y', 'Y', 'n', 'N', 'yes',
  'no', 'on', 'off', 'On', 'OFF', 'oN', '0', '00', '007', '0777', '08', '0o17', '0x1F', '0xG', '0b101', '0b2', '1_000', '_1', '1.', '.5', '1.5', '-1',
  '+1', '-.5', '1e3', '1E+3', '1e', '.inf', '-.inf', '.NaN', '.nan', 'inf', 'NaN', '12:30', '1:99', '_1:20', '1:20:30', '190:20:30.15', '2001-12-14',
  '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '1.2.3', 'v1.2.3', '1-2', 'a\\b', 'a\\nb', 'tab\there', '\t', 'cr\rhere',
  'line\nbreak', 'trailing\n', 'two\n\n', 'three\n\n\n', '\n', '\n\n', '\nleading', ' leading space\nx', '\n  indented', 'a\n b\n  c',
  'blank\n\nlines', 'spaces \nat end ', 'crlf\r\nline', 'nel\u0085x', 'nbsp\u00a0x', '\u00a0', 'ls\u2028x', 'ps\u2029x', 'bom\ufeffx', '\ufeff',
  'del\u007fx', 'c1\u0080x', 'bell\u0007', 'nul\u0000', 'esc\u001b', 'ü', 'äöü: x', 'snow ☃', 'emoji 😀', '😀', 'a😀:', 'lone \ud800',
  'lone \udc00 low', 'end \ud83d', 'multi\nline ☃\n', 'multi\ntab\tx\n', 'multi\n\u0085\n', 'key: value\nnext: 1', '# comment\nx', '- item\n- b',
  '{"json": true}', '[1, 2]', 'x'.repeat(2000), 'k'.repeat(1030),
];

const NUMBERS = [0, 1, -1, 42, 2 ** 53, -(2 ** 53), 1e21, 1.5, -0.25, 1e-7, 5e-324, 1.7976931348623157e308, -0, NaN, Infinity, -Infinity];

describe('fast YAML writer', () => {
  test.each(ENVS)('writes every synthesized object of %s exactly as js-yaml does', (env) => {
    for (const o of objectsOf(env)) expect({ path: o.path, text: toYaml(o.manifest) }).toEqual({ path: o.path, text: toYamlWithJsYaml(o.manifest) });
  });

  test('awkward strings as values, keys and items, at several depths, match js-yaml and read back unchanged', () => {
    for (const s of AWKWARD) {
      const docs: Record<string, unknown>[] = [
        { value: s },
        { [s]: 'v' },
        { list: [s, { k: s }], nested: { deeper: { s } } },
        { seq: [[s], [[s]]] },
      ];
      for (const doc of docs) {
        const text = toYaml(doc);
        expect({ s, text }).toEqual({ s, text: toYamlWithJsYaml(doc) });
        if (!/[\ud800-\udfff]/.test(s) || /[\ud800-\udbff][\udc00-\udfff]/.test(s)) {
          expect(parse(text, { version: '1.2' })).toEqual(doc);
          expect(parse(text, { version: '1.1' })).toEqual(doc);
        }
      }
    }
  });

  test('seeded random strings over a hostile alphabet match js-yaml', () => {
    const alphabet = ['a', 'Z', '0', '7', ' ', ' ', ':', '#', '-', '?', ',', '[', '{', '"', "'", '\\', '\n', '\n', '\t', '\r', '.', '_', '~', '|',
      '>', '&', '*', '!', '%', '@', '`', '=', '<', 'y', 'n', 'o', 'f', 'e', '\u0085', '\u00a0', '\u2028', '\ufeff', 'é', '😀', '\u0000', '\u007f'];
    let seed = 254;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const s = Array.from({ length: 1 + next(12) }, () => alphabet[next(alphabet.length)]).join('');
      const doc = { [s]: [s, { v: s }] };
      expect({ s, text: toYaml(doc) }).toEqual({ s, text: toYamlWithJsYaml(doc) });
    }
  });

  test('numbers, booleans, null, undefined and empty containers match js-yaml', () => {
    const doc = {
      numbers: NUMBERS,
      byKey: Object.fromEntries(NUMBERS.map((n, i) => [`n${i}`, n])),
      flags: [true, false], nothing: null, skipped: undefined, holes: [undefined, null],
      emptyMap: {}, emptyList: [], onlyUndefined: { a: undefined }, listOfEmpty: [{}, []],
    };
    expect(toYaml(doc)).toBe(toYamlWithJsYaml(doc));
    expect(toYaml([{ a: 1 }, [1, [2]], 'x'])).toBe(toYamlWithJsYaml([{ a: 1 }, [1, [2]], 'x']));
  });

  test('values outside the JSON data model are left to js-yaml', () => {
    class Box { public readonly inside = 1; }
    const date = new Date(Date.UTC(2026, 10, 26));
    for (const doc of [{ when: date }, { box: new Box() }, 'top-level string', 42, null, { nested: [{ when: date }] }]) {
      expect(toYaml(doc)).toBe(toYamlWithJsYaml(doc));
    }
    expect(() => toYaml({ f: () => 1 })).toThrow(/unacceptable kind of an object to dump/);
  });
});

/**
 * Compares two strings by UTF-16 code units, the order of `Array.prototype.sort()` without a comparator.
 *
 * Use it instead of `localeCompare`, which follows the process locale (so two machines could order the output
 * differently) and is an order of magnitude slower.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

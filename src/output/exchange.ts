import * as os from 'os';

/**
 * An atomic exchange of two directories: Linux's `renameat2(..., RENAME_EXCHANGE)` (kernel 3.15+, glibc 2.28+;
 * ext4, xfs, btrfs and tmpfs support it). After the call each path names the other's tree, and no process ever
 * sees either path missing. Node exposes no `renameat2`, so the call goes through koffi (a C FFI for Node whose
 * npm package carries the prebuilt binary of each platform: no compiler, no download at install).
 *
 * koffi is an optional dependency and is loaded only when an exchange is asked for. Where the exchange is not
 * available (not Linux, koffi not installed, a kernel or file system without RENAME_EXCHANGE), `exchangeDirs`
 * returns false and the caller falls back to two renames with a journal (see write.ts).
 */

/** `AT_FDCWD` and `RENAME_EXCHANGE` from linux/fcntl.h and linux/fs.h. */
const AT_FDCWD = -100;
const RENAME_EXCHANGE = 1 << 1;

/** Errors that mean "this kernel or file system cannot exchange", not "this exchange failed". */
const UNSUPPORTED = new Set(['EINVAL', 'ENOSYS', 'EOPNOTSUPP', 'ENOTSUP']);

type Renameat2 = (olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number) => number;

let bound: { renameat2: Renameat2; errno: () => number } | null | undefined;

/** Why the exchange is unavailable (for `swapMethod`), once it was found to be. */
let unavailable: string | undefined;

function bind(): typeof bound {
  if (bound !== undefined) return bound;
  bound = null;
  if (process.env.PLATFORM_SYNTH_NO_EXCHANGE === '1') {
    unavailable = 'disabled by PLATFORM_SYNTH_NO_EXCHANGE=1';
    return bound;
  }
  if (process.platform !== 'linux') {
    unavailable = `${process.platform} has no renameat2`;
    return bound;
  }
  try {
    // Loaded at run time and kept out of the CLI bundle (a native module): see scripts/cli-bundle.js.
    const koffi = require('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    const renameat2 = libc.func('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)') as Renameat2;
    bound = { renameat2, errno: () => koffi.errno() };
  } catch (e) {
    unavailable = `renameat2 could not be bound (${(e as Error)?.message ?? String(e)})`;
  }
  return bound;
}

/** The error name (`EACCES`, ...) of an errno number. */
function errnoName(n: number): string {
  const table = os.constants.errno as Record<string, number>;
  return Object.keys(table).find((k) => table[k] === n) ?? `errno ${n}`;
}

/** The outcome of `exchangeDirs`: done, not possible on this machine (nothing changed), or failed (nothing changed). */
export type ExchangeResult = { readonly ok: true } | { readonly ok: false; readonly unsupported: true } | { readonly ok: false; readonly unsupported: false; readonly code: string };

/** Exchanges the directories `a` and `b` atomically (see the top of this file). */
export function exchangeDirs(a: string, b: string): ExchangeResult {
  const fns = bind();
  if (!fns) return { ok: false, unsupported: true };
  if (fns.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) === 0) return { ok: true };
  const code = errnoName(fns.errno());
  if (UNSUPPORTED.has(code)) {
    unavailable = `renameat2 RENAME_EXCHANGE is not supported here (${code})`;
    bound = null;
    return { ok: false, unsupported: true };
  }
  return { ok: false, unsupported: false, code };
}

/** How this process replaces the output folder: `exchange`, or `two renames` and why. */
export function swapMethod(): { method: 'exchange' | 'two-renames'; reason?: string } {
  const fns = bind();
  return fns ? { method: 'exchange' } : { method: 'two-renames', reason: unavailable };
}

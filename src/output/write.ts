import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PlatformConfigError } from '../core/errors';
import { compareStrings } from '../core/order';
import { exchangeDirs, type ExchangeResult } from './exchange';

/**
 * Writing charts-out/ so that it is never lost, mixed or half-written.
 *
 * - **Lock.** One writer at a time per output folder: `.<name>.lock` beside it is created with O_EXCL and holds the
 *   writer's pid and host; a lock whose process is gone (same host) is stale and broken. A second synth waits,
 *   saying so, and then works on the tree the first one left (so both updates are kept).
 * - **Swap.** The new tree is built complete in `.<name>.synth/new` beside the folder, then a journal file is
 *   written, then the folders are exchanged in one atomic step (`renameat2(RENAME_EXCHANGE)`, see exchange.ts;
 *   onto an existing empty folder rename(2) alone, which replaces an empty directory atomically): at every
 *   instant `<name>` is the complete old tree or the complete new one. Then the work folder (holding the
 *   old tree) is removed. Where no atomic exchange exists (not Linux, koffi not installed, a file system without
 *   it), two renames do the swap (`<name>` -> `.<name>.synth/old`, `new` -> `<name>`); between them the complete
 *   new tree is at `.<name>.synth/new` and the journal says so.
 * - **Recovery.** Every writer and reader (`--check`, `npm run diff`) first recovers an interrupted write under the
 *   lock: with a journal the swap is completed (roll forward), without one the partial staging is deleted (roll
 *   back). Nothing is left behind after a run; the two hidden names are also in .gitignore.
 * - **Symlinks.** A symlinked output folder is written through: the folder it points at is replaced, the link stays.
 *   A symlink inside the tree is refused (the synth writes regular files only).
 * - **Faults** (read-only file system, full disk, permissions, a file where a folder is expected, a busy mount point)
 *   end in an `OutputError` (a `PlatformConfigError`) naming the path, the cause and the fix.
 *
 * Test hooks (used by test/robust-write.test.ts): `PLATFORM_SYNTH_KILL_AT=<phase>` SIGKILLs the process at a phase,
 * `PLATFORM_SYNTH_DELAY_MS=<n>` sleeps at every phase.
 */

/** A filesystem fault while reading or writing the output folder. */
export class OutputError extends PlatformConfigError {}

/** The phases of a write, in order (the kill test stops the process at each). */
export const WRITE_PHASES = ['locked', 'staging', 'staged', 'journal', 'moved-old', 'swapped', 'done'] as const;
/** The phases of a write by atomic exchange (there is no `moved-old`: the swap is one step). */
export const EXCHANGE_PHASES: readonly WritePhase[] = WRITE_PHASES.filter((p) => p !== 'moved-old');
export type WritePhase = typeof WRITE_PHASES[number];

// Made on first use: the command line's startup snapshot (scripts/cli-bundle.js) is built from these modules, and
// SharedArrayBuffer does not exist while a snapshot is being built.
let sleepBuffer: Int32Array | undefined;
const sleep = (ms: number) => Atomics.wait((sleepBuffer ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);

function phase(p: WritePhase): void {
  const delay = Number(process.env.PLATFORM_SYNTH_DELAY_MS ?? 0);
  if (delay > 0) sleep(delay);
  if (process.env.PLATFORM_SYNTH_KILL_AT === p) process.kill(process.pid, 'SIGKILL');
}

const FS_CAUSES: Record<string, [string, string]> = {
  EROFS: ['the file system is read-only', 'remount it read-write or write elsewhere with --out DIR'],
  EACCES: ['permission denied', 'give the user running the synth write access, or write elsewhere with --out DIR'],
  EPERM: ['the operation is not permitted', 'give the user running the synth write access, or write elsewhere with --out DIR'],
  ENOSPC: ['the disk is full', 'free some space on that file system (nothing was changed) and run the synth again'],
  EDQUOT: ['the disk quota is exhausted', 'free some space (nothing was changed) and run the synth again'],
  ENOTDIR: ['a file is where a folder is expected', 'remove or rename that file'],
  EISDIR: ['a folder is where a file is expected', 'remove or rename that folder'],
  EEXIST: ['something already exists there', 'remove it'],
  EBUSY: ['it is busy (a mount point or in use)', 'the synth replaces the output folder as a whole: mount its parent instead, or pass --out with a folder inside the mount'],
  EXDEV: ['it is on another file system than its parent', 'the synth replaces the output folder as a whole: pass --out with a folder inside that mount'],
  ENAMETOOLONG: ['the path is too long', 'use a shorter --out path'],
  ELOOP: ['a symbolic link loops', 'fix or remove the link'],
  ENOENT: ['it does not exist', 'create it or pass another --out DIR'],
  EMFILE: ['too many open files', 'raise the open-file limit (ulimit -n)'],
  EIO: ['an input/output error occurred', 'check the disk'],
};

/** An OutputError for a filesystem error `e` while doing `action` on `file`. */
export function outputFault(e: unknown, action: string, file: string): OutputError {
  if (e instanceof OutputError) return e;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  const where = (e as NodeJS.ErrnoException)?.path ?? file;
  const [cause, fix] = FS_CAUSES[code] ?? [`${(e as Error)?.message ?? String(e)}`, 'correct the file system problem and run the synth again'];
  return new OutputError(shown(where), `cannot ${action}: ${cause}${code ? ` (${code})` : ''}`, fix);
}

const shown = (p: string) => path.relative(process.cwd(), p) || p;

function guard<T>(action: string, file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw outputFault(e, action, file);
  }
}

/**
 * Lists every file under `dir`, as paths relative to it, sorted. A symbolic link or any other non-regular
 * entry inside the tree is an OutputError.
 */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const e of guard('list the folder', abs, () => fs.readdirSync(abs, { withFileTypes: true }))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
      else if (e.isSymbolicLink()) {
        const target = fs.readlinkSync(path.join(dir, r));
        throw new OutputError(shown(path.join(dir, r)), `is a symbolic link (to '${target}'${fs.existsSync(path.join(dir, r)) ? '' : ', which does not exist'}); the output holds regular files only`,
          'remove the link (the synth writes the real files); to keep the output elsewhere, link the whole output folder or pass --out DIR');
      } else {
        throw new OutputError(shown(path.join(dir, r)), 'is neither a file nor a folder (a socket, pipe or device)', 'remove it');
      }
    }
  };
  const st = guard('read the output folder', dir, () => fs.statSync(dir));
  if (!st.isDirectory()) {
    throw new OutputError(shown(dir), 'is a file, but the output must be a folder', 'remove or rename the file, or pass another --out DIR');
  }
  walk('');
  return out.sort(compareStrings);
}

const under = (file: string, roots: readonly string[]) => roots.some((r) => file === r || file.startsWith(`${r}/`));

/**
 * The real folder a path names: a symlinked output folder is written through (its target is replaced, the link
 * stays). A dangling link or a file where the folder should be is an OutputError.
 */
export function resolveOutputDir(outDir: string): string {
  const abs = path.resolve(outDir);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return abs;
    throw outputFault(e, 'read the output folder', abs);
  }
  if (st.isSymbolicLink()) {
    const target = fs.readlinkSync(abs);
    try {
      const real = fs.realpathSync(abs);
      if (!fs.statSync(real).isDirectory()) {
        throw new OutputError(shown(abs), `is a symbolic link to '${target}', which is not a folder`, 'point the link at a folder or remove it');
      }
      return real;
    } catch (e) {
      if (e instanceof OutputError) throw e;
      throw new OutputError(shown(abs), `is a symbolic link to '${target}', which does not exist`, `create the folder '${target}' or remove the link`);
    }
  }
  if (!st.isDirectory()) {
    throw new OutputError(shown(abs), 'is a file, but the output must be a folder', 'remove or rename the file, or pass another --out DIR');
  }
  return abs;
}

/** The hidden names beside the output folder: the lock file and the work folder of a write. */
export function sideNames(real: string): { lock: string; work: string } {
  const parent = path.dirname(real);
  const base = path.basename(real);
  return { lock: path.join(parent, `.${base}.lock`), work: path.join(parent, `.${base}.synth`) };
}

interface LockHolder { pid: number; host: string; started: string }

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Options of `withOutputLock`. */
export interface LockOptions {
  /** @default 600000 (10 minutes) */
  readonly timeoutMs?: number;
  /** Called once when the lock is held by another live process. @default - a line on stderr */
  readonly onWait?: (message: string) => void;
}

/**
 * Runs `fn` holding the output folder's lock (an O_EXCL lock file with the holder's pid; a holder that no longer
 * runs on this host is stale and its lock is broken). Waits for a live holder, printing once whom it waits for.
 */
export function withOutputLock<T>(outDir: string, fn: (real: string) => T, options: LockOptions = {}): T {
  const real = resolveOutputDir(outDir);
  const { lock } = sideNames(real);
  guard('create the parent folder of the output', path.dirname(real), () => fs.mkdirSync(path.dirname(real), { recursive: true }));
  const me: LockHolder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  const mine = JSON.stringify(me);
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  let waited = false;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx');
      try {
        fs.writeSync(fd, mine);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw outputFault(e, 'create the lock file', lock);
    }
    let text = '';
    try {
      text = fs.readFileSync(lock, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    let holder: LockHolder | undefined;
    try {
      holder = JSON.parse(text);
    } catch {
      holder = undefined; // being written right now, or garbage: garbage older than 10 s is stale
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10_000) breakStaleLock(lock, text);
    }
    if (holder && holder.host === me.host && !alive(holder.pid)) {
      breakStaleLock(lock, text);
      continue;
    }
    if (Date.now() > deadline) {
      throw new OutputError(shown(real), `another synth (pid ${holder?.pid ?? '?'} on ${holder?.host ?? '?'}) has held the lock ${shown(lock)} for too long`,
        `wait for it to finish, or if no synth runs, delete ${shown(lock)}`);
    }
    if (!waited) {
      waited = true;
      const msg = `waiting for another synth (pid ${holder?.pid ?? '?'}${holder?.host && holder.host !== me.host ? ` on ${holder.host}` : ''}, since ${holder?.started ?? '?'}) to finish writing ${shown(real)} (lock ${shown(lock)})...`;
      (options.onWait ?? ((m: string) => process.stderr.write(`${m}\n`)))(msg);
    }
    sleep(50);
  }
  try {
    phase('locked');
    return fn(real);
  } finally {
    try {
      if (fs.readFileSync(lock, 'utf8') === mine) fs.unlinkSync(lock);
    } catch {
      // already gone
    }
  }
}

/** Removes a stale lock whose content is `text`, unless another process replaced it meanwhile. */
function breakStaleLock(lock: string, text: string): void {
  const aside = `${lock}.stale-${process.pid}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return;
  }
  const taken = fs.readFileSync(aside, 'utf8');
  if (taken !== text) {
    // A live writer took the lock between our read and the rename: give it back.
    try {
      fs.linkSync(aside, lock);
    } catch {
      // someone else holds it now; theirs stands
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Completes or undoes an interrupted write of `real` (call holding the lock). Returns what was done, or
 * undefined when there was nothing to recover.
 */
export function recoverOutput(real: string): string | undefined {
  const { work } = sideNames(real);
  const legacy = recoverLegacy(real);
  if (!fs.existsSync(work)) return legacy;
  const journal = path.join(work, 'journal');
  const newDir = path.join(work, 'new');
  const oldDir = path.join(work, 'old');
  let done: string;
  if (fs.existsSync(journal)) {
    if (!fs.existsSync(real) && fs.existsSync(newDir)) {
      guard('complete the interrupted write', real, () => fs.renameSync(newDir, real));
      done = 'completed an interrupted write (the new tree was complete)';
    } else if (!fs.existsSync(real) && fs.existsSync(oldDir)) {
      guard('restore the previous tree', real, () => fs.renameSync(oldDir, real));
      done = 'restored the previous tree of an interrupted write';
    } else {
      done = 'removed the leftovers of a finished or not yet started swap';
    }
  } else {
    done = 'removed the partial staging of an interrupted write (the tree was not touched)';
  }
  guard('remove the work folder', work, () => fs.rmSync(work, { recursive: true, force: true }));
  return done;
}

/**
 * The leftovers of the writer before the journal (`.<name>.new-XXXXXX` staging and its `.old`, beside the folder):
 * it renamed the folder to `.old`, then the staging to the folder, so a kill between left no folder, a complete
 * staging and the old tree. Completes such a write and removes the leftovers.
 */
function recoverLegacy(real: string): string | undefined {
  const parent = path.dirname(real);
  const prefix = `.${path.basename(real)}.new-`;
  let names: string[];
  try {
    names = fs.readdirSync(parent).filter((n) => n.startsWith(prefix) && /^[A-Za-z0-9]{6}(\.old)?$/.test(n.slice(prefix.length)));
  } catch {
    return undefined;
  }
  if (names.length === 0) return undefined;
  const staging = names.filter((n) => !n.endsWith('.old')).sort();
  const olds = names.filter((n) => n.endsWith('.old')).sort();
  let done = 'removed the leftovers of an older synth\'s interrupted write';
  if (!fs.existsSync(real)) {
    // Only a staging whose .old exists had finished writing (the renames came after the last file).
    const complete = staging.find((n) => olds.includes(`${n}.old`));
    const from = complete ?? olds[0];
    if (from) {
      guard('complete an older synth\'s interrupted write', real, () => fs.renameSync(path.join(parent, from), real));
      done = complete ? 'completed an older synth\'s interrupted write' : 'restored the tree an older synth had moved aside';
    }
  }
  for (const n of names) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
  return done;
}

/** Reads the output folder under the lock, after recovering any interrupted write. */
export function readOutput<T>(outDir: string, fn: (real: string) => T): T {
  return withOutputLock(outDir, (real) => {
    recoverOutput(real);
    return fn(real);
  });
}

/**
 * Writes `files` into `outDir` so that each folder in `roots` holds exactly these files (stale ones go),
 * leaving other folders as they are, crash-safe and under the lock (see the top of this file). Returns false
 * (and writes nothing) when `outDir` already matches.
 */
export function writeTree(outDir: string, files: ReadonlyMap<string, string>, roots: readonly string[]): boolean {
  return withOutputLock(outDir, (real) => {
    const recovered = recoverOutput(real);
    if (recovered) process.stderr.write(`${shown(real)}: ${recovered}\n`);
    // Nothing to do when the tree already holds exactly these files: it is left untouched (mtimes included).
    const current = diffTree(real, files, roots);
    if (current.changed.length + current.missing.length + current.extra.length === 0) return false;
    const { work } = sideNames(real);
    const newDir = path.join(work, 'new');
    const existed = fs.existsSync(real);
    try {
      guard('create the staging folder', work, () => fs.mkdirSync(newDir, { recursive: true }));
      if (existed) guard('copy the folder mode', newDir, () => fs.chmodSync(newDir, fs.statSync(real).mode & 0o7777));
      const keep = existed ? listFiles(real).filter((rel) => !under(rel, roots)) : [];
      for (const rel of keep) {
        const target = path.join(newDir, rel);
        guard('stage a kept file', target, () => {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.copyFileSync(path.join(real, rel), target);
        });
      }
      let n = 0;
      const half = Math.floor(files.size / 2);
      const made = new Set<string>(); // folders made already: one mkdir per folder, not per file
      for (const [rel, content] of files) {
        const target = path.join(newDir, rel);
        guard('stage a file', target, () => {
          const dir = path.dirname(target);
          if (!made.has(dir)) {
            fs.mkdirSync(dir, { recursive: true });
            made.add(dir);
          }
          fs.writeFileSync(target, content);
        });
        if (++n === half) phase('staging');
      }
      phase('staged');
      guard('write the journal', work, () => {
        const fd = fs.openSync(path.join(work, 'journal'), 'w');
        fs.writeSync(fd, JSON.stringify({ swap: real, pid: process.pid }));
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      });
      phase('journal');
    } catch (e) {
      fs.rmSync(work, { recursive: true, force: true });
      throw e;
    }
    // The swap. With an atomic exchange the folder is the old tree before the call and the new one after it; the
    // work folder then holds the old tree. Without one, two renames; from the first on a failure is undone and a
    // kill is completed by the next run's recovery. Either way a kill before the work folder is gone leaves it to
    // that recovery.
    const exchanged: ExchangeResult = existed ? (replaceEmpty(newDir, real) ?? exchangeDirs(newDir, real)) : { ok: false, unsupported: true };
    if (!exchanged.ok && !exchanged.unsupported) {
      fs.rmSync(work, { recursive: true, force: true });
      throw outputFault({ code: exchanged.code, path: real, message: `the atomic exchange failed (${exchanged.code})` }, 'replace the output folder', real);
    }
    if (!exchanged.ok) swapByTwoRenames(real, work, existed);
    phase('swapped');
    guard('remove the previous tree', work, () => fs.rmSync(work, { recursive: true, force: true }));
    phase('done');
    return true;
  });
}

/**
 * The swap onto an output folder that exists but is empty: rename(2) replaces an empty directory by another one
 * atomically (the path never goes missing, POSIX.1-2008 `rename`), which is the exchange's guarantee without its
 * native module (loading koffi takes ~10 ms). The kernel decides emptiness: onto a folder that is not empty the
 * rename fails (Linux rename(2): ENOTEMPTY or EEXIST) and changes nothing, as it does for any other reason (a mount
 * point, say). Then undefined: the exchange does the swap, or reports why it cannot.
 */
function replaceEmpty(newDir: string, real: string): ExchangeResult | undefined {
  try {
    fs.renameSync(newDir, real);
    return { ok: true };
  } catch {
    return undefined;
  }
}

/** The swap where no atomic exchange exists: `real` -> `<work>/old`, `<work>/new` -> `real`, undone on failure. */
function swapByTwoRenames(real: string, work: string, existed: boolean): void {
  const newDir = path.join(work, 'new');
  const oldDir = path.join(work, 'old');
  if (existed) {
    try {
      fs.renameSync(real, oldDir);
    } catch (e) {
      fs.rmSync(work, { recursive: true, force: true });
      throw outputFault(e, 'replace the output folder', real);
    }
  }
  phase('moved-old');
  try {
    fs.renameSync(newDir, real);
  } catch (e) {
    if (existed) fs.renameSync(oldDir, real);
    fs.rmSync(work, { recursive: true, force: true });
    throw outputFault(e, 'replace the output folder', real);
  }
}

/** The differences between the synthesized files and `outDir`, within `roots`. */
export interface TreeDiff {
  readonly changed: string[];
  readonly missing: string[];
  readonly extra: string[];
}

/** Compares `files` with what `outDir` holds under `roots`. */
export function diffTree(outDir: string, files: ReadonlyMap<string, string>, roots: readonly string[]): TreeDiff {
  const existing = listFiles(outDir).filter((f) => under(f, roots));
  const present = new Set(existing);
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [rel, content] of [...files].sort(([a], [b]) => compareStrings(a, b))) {
    if (!present.has(rel)) missing.push(rel);
    else if (guard('read a file', path.join(outDir, rel), () => fs.readFileSync(path.join(outDir, rel), 'utf8')) !== content) changed.push(rel);
  }
  const extra = existing.filter((f) => !files.has(f));
  return { changed, missing, extra };
}

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runSynthCommand } from '../cli/cli';
import { listFiles, writeTree } from '../src/output/write';
import { runCommand } from './util';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'robust-faults-'));

const FILES = new Map<string, string>(Array.from({ length: 40 }, (_, i) => [`dev/c/ConfigMap.f${i}.yaml`, `i: ${i}\n${'x'.repeat(4000)}\n`]));

/** Writes FILES into `out` the way the synth command does: a message and exit 1 on failure, never a stack trace. */
const write = (out: string, files: ReadonlyMap<string, string> = FILES) =>
  runCommand(() => runSynthCommand(() => (writeTree(out, files, ['dev']), 0), 'synth failed; nothing was written.'), []);

/** Mounts a tmpfs (we may be root in CI); undefined with the reason when this machine does not allow it. */
function mountTmpfs(dir: string, options: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs here (${String((e as Error).message).split('\n')[0]})`;
  }
}
const umount = (dir: string) => execFileSync('umount', [dir], { stdio: 'pipe' });

function expectClear(r: { code: number; stderr: string }, ...parts: RegExp[]) {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^synth failed; nothing was written\.\n/);
  expect(r.stderr).toContain('Fix: ');
  expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  for (const p of parts) expect(r.stderr).toMatch(p);
}

describe('output writer: filesystem faults end with a clear message and exit 1', () => {
  test('regression: a full disk (ENOSPC on a 64 KiB tmpfs) leaves the old tree and nothing else', () => {
    const dir = tmp();
    const skip = mountTmpfs(dir, 'size=64k');
    if (skip) { console.log(`skipped: ${skip}`); return; }
    try {
      const out = path.join(dir, 'charts-out');
      const small = new Map([['dev/a.yaml', 'a: 1\n']]);
      expect(write(out, small).code).toBe(0);
      expectClear(write(out), /cannot stage a file: the disk is full \(ENOSPC\)/, /free some space/);
      expect(listFiles(out)).toEqual(['dev/a.yaml']);
      expect(fs.readdirSync(dir)).toEqual(['charts-out']);
    } finally {
      umount(dir);
    }
  });

  test('regression: a read-only file system (EROFS)', () => {
    const dir = tmp();
    const skip = mountTmpfs(dir, 'size=1m');
    if (skip) { console.log(`skipped: ${skip}`); return; }
    try {
      const out = path.join(dir, 'charts-out');
      expect(write(out, new Map([['dev/a.yaml', 'a: 1\n']])).code).toBe(0);
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      expectClear(write(out), /the file system is read-only \(EROFS\)/, /--out DIR/);
      expect(listFiles(out)).toEqual(['dev/a.yaml']);
    } finally {
      umount(dir);
    }
  });

  test('regression: the output folder is a busy mount point (EBUSY): it is not replaced and the message says what to do', () => {
    const out = path.join(tmp(), 'charts-out');
    fs.mkdirSync(out);
    const skip = mountTmpfs(out, 'size=1m');
    if (skip) { console.log(`skipped: ${skip}`); return; }
    try {
      fs.mkdirSync(path.join(out, 'dev'));
      fs.writeFileSync(path.join(out, 'dev', 'old.yaml'), 'old: 1\n');
      expectClear(write(out), /cannot replace the output folder: it is busy \(a mount point or in use\) \(EBUSY\)/, /mount its parent/);
      expect(listFiles(out)).toEqual(['dev/old.yaml']);
      expect(fs.readdirSync(path.dirname(out))).toEqual(['charts-out']);
    } finally {
      umount(out);
    }
  });

  test('regression: a file where the output folder or its parent is expected', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'charts-out'), 'not a folder\n');
    expectClear(write(path.join(dir, 'charts-out')), /charts-out: is a file, but the output must be a folder/);
    expectClear(write(path.join(dir, 'charts-out', 'sub')), /a file is where a folder is expected \(ENOTDIR\)/);
  });

  test('regression: a symlink or a dangling symlink inside the output is refused, naming it', () => {
    const out = path.join(tmp(), 'charts-out');
    expect(write(out).code).toBe(0);
    fs.symlinkSync('/etc/hostname', path.join(out, 'dev', 'c', 'Link.yaml'));
    expectClear(write(out), /Link\.yaml: is a symbolic link \(to '\/etc\/hostname'\)/, /remove the link/);
    fs.unlinkSync(path.join(out, 'dev', 'c', 'Link.yaml'));
    fs.symlinkSync('nowhere.yaml', path.join(out, 'dev', 'Dangling.yaml'));
    expectClear(write(out), /Dangling\.yaml: is a symbolic link \(to 'nowhere\.yaml', which does not exist\)/);
  });

  test('regression: a dangling symlinked output folder names its target', () => {
    const dir = tmp();
    fs.symlinkSync('missing-target', path.join(dir, 'charts-out'));
    expectClear(write(path.join(dir, 'charts-out')), /is a symbolic link to 'missing-target', which does not exist/);
  });
});

/**
 * The Git repository Argo CD reads: a fresh synth of the requested environments written to `<dir>/repo/charts-out/`
 * and committed on the branch the Applications track, served over `file://`. The repository URL reaches every
 * Application through the environment's GitOps settings (`gitops.repoURL`, a values overlay), never by editing
 * the written files.
 *
 * With `checkout` (the take-over rehearsal) the repository is a checkout of this project, as the runbook assumes
 * ("from the repository root at the commit whose charts-out/ Argo CD will deploy, npm ci done"): every tracked file
 * of the working tree except `charts-out/`, the fresh synth as `charts-out/`, and `node_modules` linked to this
 * checkout's (git-ignored, so never committed).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RenderedObject } from '../src/output/render';
import { synthesize } from '../src/output/synth';

export interface SynthRepo {
  url: string;
  dir: string;
  revision: string;
  objects: readonly RenderedObject[];
}

export function makeRepo(baseDir: string, envs: readonly string[], git: string, checkout?: { root: string }): SynthRepo {
  const dir = path.join(baseDir, 'repo');
  const url = `file://${dir}`;
  if (checkout) {
    const tracked = execFileSync(git, ['ls-files', '-z'], { cwd: checkout.root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      .split('\0').filter((f) => f && !f.startsWith('charts-out/'));
    for (const f of tracked) {
      const from = path.join(checkout.root, f);
      if (!fs.existsSync(from)) continue; // deleted in the working tree
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(from, path.join(dir, f));
    }
    if (!fs.existsSync(path.join(checkout.root, 'node_modules'))) throw new Error(`no ${path.join(checkout.root, 'node_modules')}: run npm ci first (the runbook's npm commands need it)`);
  }
  const result = synthesize({ environments: envs, values: [{ source: 'e2e overlay (gitops.repoURL)', data: { gitops: { repoURL: url } } }] });
  for (const [file, text] of result.files) {
    const p = path.join(dir, 'charts-out', file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  const roots = result.objects.filter((o) => o.manifest.kind === 'Application' && o.path.includes('/bootstrap/'));
  const revisions = [...new Set(roots.map((r) => String(r.manifest.spec.source.targetRevision)))];
  if (revisions.length !== 1) throw new Error(`the environments track different revisions (${revisions.join(', ')}); run them one at a time`);
  const revision = revisions[0];
  const run = (...args: string[]) => execFileSync(git, args, {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@localhost', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@localhost' },
  });
  run('init', '-q', '-b', revision);
  run('add', '-A');
  run('commit', '-q', '-m', `e2e: synth of ${envs.join(', ')}`);
  // Linked after the commit: the repo-server refuses a repository holding a symlink out of it ("out-of-bounds
  // symlinks"), and `node_modules/` in .gitignore matches a directory, not a link.
  if (checkout) fs.symlinkSync(path.join(checkout.root, 'node_modules'), path.join(dir, 'node_modules'));
  return { url, dir, revision, objects: result.objects };
}

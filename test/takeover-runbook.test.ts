import * as fs from 'fs';
import * as path from 'path';
import { main as takeoverMain, mergedOptions } from '../cli/takeover';
import { runCommand } from './util';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The commands of the fenced blocks with the given info string, in document order (the rehearsal's contract). */
function blocks(info: string): string[] {
  return [...README.matchAll(/^```(.*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1].trim() === info).map((m) => m[2]);
}

describe('take-over runbook', () => {
  const commands = blocks('sh takeover').flatMap((b) => b.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')));

  test('regression: the runbook is in sh takeover blocks, in execution order, and uses only project commands and kubectl', () => {
    expect(commands.length).toBeGreaterThan(10);
    const steps = commands.filter((c) => c.startsWith('npm run --silent takeover -- ')).map((c) => c.split(' ')[5]);
    // The order the checks depend on: back up, stop the old sync, protect, retire the old guardrails (they would
    // refuse our pods), check, remedy, sync children, verify, root.
    expect(steps).toEqual(['snapshot', 'pause-old', 'protect-volumes', 'retire-guardrails', 'clear-old-hooks', 'preflight', 'recreate', 'wait', 'verify', 'wait', 'verify']);
    for (const c of commands) {
      expect(`${c}: ${/^(npm run --silent takeover -- |kubectl |mkdir -p takeover$|for ns in .*; do kubectl get .*; done$)/.test(c)}`).toBe(`${c}: true`);
    }
    // Every file a command reads exists in the repository.
    for (const f of commands.flatMap((c) => [...c.matchAll(/(?:--patch-file|-f) (\S+)/g)].map((m) => m[1]))) {
      expect(fs.existsSync(path.join(__dirname, '..', f))).toBe(true);
    }
    expect(commands.indexOf('kubectl apply -f charts-out/argocd/prod/')).toBeLessThan(commands.indexOf('kubectl apply -f charts-out/argocd/prod/bootstrap/'));
    expect(blocks('sh takeover-rollback')).toHaveLength(1);
  });

  test('every takeover step of the runbook exists, and the CLI rejects bad usage with exit 2', () => {
    const usage = runCommand(takeoverMain, ['--help']);
    for (const step of new Set(commands.filter((c) => c.startsWith('npm run --silent takeover -- ')).map((c) => c.split(' ')[5]))) {
      expect(usage.stdout).toContain(`  ${step}`);
    }
    expect(runCommand(takeoverMain, ['snapshot', '--env', 'prod']).code).toBe(2); // needs --out
    expect(runCommand(takeoverMain, ['nonsense', '--env', 'prod']).code).toBe(2);
    const noEnv = runCommand(takeoverMain, ['preflight']);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toContain('needs --env NAME');
  });

  test('protect-volumes sets Delete=false and Prune=false, keeping the other sync options', () => {
    expect(mergedOptions(undefined)).toBe('Delete=false,Prune=false');
    expect(mergedOptions('ServerSideApply=true, Prune=true')).toBe('ServerSideApply=true,Delete=false,Prune=false');
    expect(mergedOptions('Delete=false,Prune=false')).toBe('Delete=false,Prune=false');
  });
});

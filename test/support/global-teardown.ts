import * as fs from 'fs';

export default function globalTeardown(): void {
  const dir = process.env.PLATFORM_SYNTH_CACHE;
  if (dir && dir.includes('platform-synth-cache-')) fs.rmSync(dir, { recursive: true, force: true });
}

// Once per e2e run: builds the client from web/src (vite build, into a temporary directory so
// web/dist, which CMake embeds, is left alone). harness.ts serves this build to the pages unless
// the engine already embeds the very same one, so the tests always exercise the current source.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { repo } from './harness';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory holding this run's build of the client (index.html, assets/). */
    clientDist: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const web = resolve(repo, 'web');
  const outDir = mkdtempSync(join(tmpdir(), 'lj-web-e2e-dist-'));
  await build({
    root: web,
    configFile: join(web, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  project.provide('clientDist', outDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}

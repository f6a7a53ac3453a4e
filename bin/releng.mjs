#!/usr/bin/env node
// releng's command-line entry. The sources are TypeScript run directly by
// Node's type stripping (Node >= 22.18). On an older Node, re-run with the
// Node the repository pins (node_modules/node) when it is installed.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (existsSync(pinned) && process.execPath !== pinned) {
    const { spawnSync } = await import('node:child_process');
    const child = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    process.exit(child.status ?? 1);
  }
  process.stderr.write(
    `(error) releng needs Node.js >= 22.18 (this is ${process.version}); run "npm ci" in the releng folder or install a newer Node\n`,
  );
  process.exit(1);
}

// Cache compiled (and type-stripped) modules between runs: it cuts start-up
// by two thirds. Kept inside releng's own folder; if that is read-only, Node
// reports failure and everything still works uncached.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.(
  fileURLToPath(new URL('../node_modules/.cache/releng-compile', import.meta.url)),
);

// From a checkout run the TypeScript sources; installed under node_modules
// (where Node does not strip types) run the JavaScript built by `npm run build`.
const installed = fileURLToPath(import.meta.url).includes('/node_modules/');
const { main } = await import(installed ? '../dist/cli/main.js' : '../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

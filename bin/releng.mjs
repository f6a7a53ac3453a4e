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
    await reexec(pinned);
  }
  process.stderr.write(
    `(error) releng needs Node.js >= 22.18 (this is ${process.version}); run "npm ci" in the releng folder or install a newer Node\n`,
  );
  process.exit(1);
}

/**
 * Runs this script again under `node` and ends as it ends. Signals sent to
 * this process (kill, a supervisor, a closed terminal) are passed on, so the
 * inner run stops and releases its lock; the outer one then exits with the
 * inner one's code, or dies by the same signal. Never returns.
 */
async function reexec(node) {
  const { spawn } = await import('node:child_process');
  const { constants } = await import('node:os');
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  // Ctrl-C reaches the whole foreground process group, so the inner process
  // may get SIGINT twice (from the terminal and from us): releng treats a
  // signal that arrives while it is already stopping as the same request.
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of forwarded) process.on(signal, forward);
  const [code, signal] = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, s) => resolve([c, s]));
  }).catch((err) => {
    process.stderr.write(`(error) cannot run ${node}: ${err.message}\n`);
    process.exit(1);
  });
  if (signal) {
    // Die the same way, so a shell or supervisor sees the signal, not a code.
    for (const s of forwarded) process.off(s, forward);
    process.kill(process.pid, signal);
    // A signal whose default is not to end the process: end with the shell's 128+N.
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
}

// Cache compiled (and type-stripped) modules between runs: it cuts start-up
// by two thirds. Kept inside releng's own folder; if that is read-only, Node
// reports failure and everything still works uncached.
const { enableCompileCache, registerHooks } = await import('node:module');
enableCompileCache?.(
  fileURLToPath(new URL('../node_modules/.cache/releng-compile', import.meta.url)),
);

// From a checkout run the TypeScript sources; installed under node_modules
// (where Node does not strip types) run the JavaScript built by `npm run build`.
const installed = fileURLToPath(import.meta.url).includes('/node_modules/');
resolveOwnModules(new URL(installed ? '../dist/' : '../src/', import.meta.url).href);

/**
 * Resolves releng's own relative imports without Node's general resolver:
 * inside its source folder every `./x.ts` (or built `./x.js`) is a known
 * file of a known format, so the stat, realpath walk and package.json
 * lookup Node makes per module are not needed: loading the ~50 modules of
 * a full no-op run took half the time with it (docs/benchmarks.md).
 * Anything else (packages, node: modules, a project's own files) goes to
 * Node as usual; so does everything on a Node without in-thread hooks.
 */
function resolveOwnModules(root) {
  if (typeof registerHooks !== 'function') return;
  const formats = { '.ts': 'module-typescript', '.js': 'module' };
  registerHooks({
    resolve(specifier, context, next) {
      const parent = context.parentURL;
      if (parent?.startsWith(root) && specifier.startsWith('.')) {
        const format = formats[specifier.slice(specifier.lastIndexOf('.'))];
        const url = format && new URL(specifier, parent).href;
        if (url?.startsWith(root)) return { url, format, shortCircuit: true };
      }
      return next(specifier, context);
    },
  });
}
const { main } = await import(installed ? '../dist/cli/main.js' : '../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

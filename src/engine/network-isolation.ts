// releng-tool's NETWORK_ISOLATION: a package's stages after patching
// (bootstrap, configure, build, install, post) run with every proxy variable
// pointing at a local port that serves nothing, so downloads made through
// the usual proxy-aware clients (urllib, curl, wget, pip, cargo, git over
// http) fail and a build that needs the network is caught. Fetching is not
// affected. This is releng-tool's mechanism (it is not a network namespace).
import type { Server } from 'node:net';
import type { PackageModel, ProjectModel } from '../project/model.ts';

/** The stages NETWORK_ISOLATION covers (releng-tool isolates its pipeline after patching). */
export const ISOLATED_STAGES: ReadonlySet<string> = new Set([
  'bootstrap',
  'configure',
  'build',
  'install',
  'post',
]);

const PROXY_VARIABLES = ['all_proxy', 'ftp_proxy', 'http_proxy', 'https_proxy', 'rsync_proxy'];

/** Whether a package's stages run without network: its NETWORK_ISOLATION, else the project's network_isolation. */
export function networkIsolated(pkg: PackageModel, project: ProjectModel): boolean {
  if (project.format !== 'releng-tool') return false;
  const own =
    pkg.options.networkIsolation ??
    (pkg.options.relengTool as Record<string, unknown> | undefined)?.NETWORK_ISOLATION;
  if (typeof own === 'boolean') return own;
  return project.options.networkIsolation === true;
}

let server: Promise<{ server: Server; port: number }> | undefined;

/**
 * The proxy address isolated stages get: a loopback port held by this
 * process that closes every connection at once (releng-tool holds a bound,
 * never-listening port; Node cannot bind without listening). Started on the
 * first call; it does not keep the process alive.
 */
export async function isolationProxyPort(): Promise<number> {
  const { createServer } = await import('node:net');
  server ??= new Promise((done, fail) => {
    const s = createServer((socket) => socket.destroy());
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      s.unref();
      const address = s.address();
      done({ server: s, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
  return (await server).port;
}

/** `env` with every proxy variable (both cases) pointing at the isolation port. */
export function isolatedEnv(env: Record<string, string>, port: number): Record<string, string> {
  const out = { ...env };
  for (const name of PROXY_VARIABLES) {
    const value = name === 'rsync_proxy' ? `127.0.0.1:${port}` : `http://127.0.0.1:${port}`;
    out[name] = value;
    out[name.toUpperCase()] = value;
  }
  return out;
}

import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type Handler = (req: IncomingMessage, res: ServerResponse, count: number) => void;

/** A loopback HTTP server with per-path handlers and request counts. */
export interface TestServer {
  base: string;
  port: number;
  counts: Map<string, number>;
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Handler> = {}): Promise<TestServer> {
  const table = new Map(Object.entries(routes));
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const count = (counts.get(path) ?? 0) + 1;
    counts.set(path, count);
    const handler = table.get(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    handler(req, res, count);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    counts,
    route: (path, handler) => table.set(path, handler),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves a buffer as a file. */
export function serve(body: Buffer): Handler {
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(body);
  };
}

export function redirect(to: string, status = 302): Handler {
  return (_req, res) => {
    res.writeHead(status, { location: to }).end();
  };
}

/**
 * A real `.tar.gz` made with tar: `<top>/README`, `<top>/bin/run.sh`
 * (executable) and `<top>/link` (a symlink to README).
 */
export async function makeTarball(dir: string, top: string): Promise<Buffer> {
  const src = join(dir, 'src');
  await mkdir(join(src, top, 'bin'), { recursive: true });
  await writeFile(join(src, top, 'README'), `hello from ${top}\n`);
  await writeFile(join(src, top, 'bin/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  execFileSync('ln', ['-sf', 'README', join(src, top, 'link')]);
  const file = join(dir, `${top}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', src, top]);
  return readFile(file);
}

/** dnf against a scratch install root, for the YUM repository tests. */
import { execFile } from 'node:child_process';
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type RunResult, tempDir } from '../pkgsign/helpers.ts';

/** Runs a command asynchronously (so an in-process HTTP server keeps answering). */
export function runAsync(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface DnfOptions {
  /** gpgkey= file (armored public key); omitted: no key configured. */
  key?: string;
  gpgcheck?: boolean;
  repoGpgcheck?: boolean;
}

/**
 * `dnf install` of `packages` from the repository at `baseurl` into a fresh
 * empty root, with gpgcheck=1 repo_gpgcheck=1 skip_if_unavailable=False by
 * default. Returns dnf's result and the root.
 */
export async function dnfInstall(
  baseurl: string,
  packages: string[],
  opts: DnfOptions = {},
): Promise<RunResult & { root: string; output: string }> {
  const dir = tempDir('releng-dnf-');
  const root = path.join(dir, 'root');
  const reposd = path.join(dir, 'repos.d');
  mkdirSync(root);
  mkdirSync(reposd);
  const gpg = opts.gpgcheck === false ? 0 : 1;
  const repoGpg = opts.repoGpgcheck === false ? 0 : 1;
  const conf = path.join(dir, 'dnf.conf');
  writeFileSync(
    conf,
    `[main]\ngpgcheck=${gpg}\nrepo_gpgcheck=${repoGpg}\nskip_if_unavailable=False\nreposdir=${reposd}\ncachedir=${path.join(dir, 'cache')}\nlogdir=${dir}\npersistdir=${path.join(dir, 'persist')}\nkeepcache=0\ninstall_weak_deps=False\n`,
  );
  writeFileSync(
    path.join(reposd, 'releng-test.repo'),
    `[releng-test]\nname=releng test\nbaseurl=${baseurl}\nenabled=1\ngpgcheck=${gpg}\nrepo_gpgcheck=${repoGpg}\nskip_if_unavailable=False\n${opts.key ? `gpgkey=file://${opts.key}\n` : ''}metadata_expire=0\n`,
  );
  const r = await runAsync('dnf', [
    '-y',
    '-c',
    conf,
    '--installroot',
    root,
    `--setopt=reposdir=${reposd}`,
    '--releasever=1',
    '--disablerepo=*',
    '--enablerepo=releng-test',
    'install',
    ...packages,
  ]);
  return { ...r, root, output: `${r.stdout}\n${r.stderr}` };
}

/** A static file server on 127.0.0.1 for `dir` (GET/HEAD only); counts requests. */
export async function serve(
  dir: string,
): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(url);
    const file = path.join(dir, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, requests };
}

/** Shared helpers for the extract tests. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir as makeTempDir } from '../tmp.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const MAKE_ARCHIVE = path.join(HERE, 'fixtures', 'make_archive.py');

export function tempDir(prefix = 'releng-extract-'): string {
  return makeTempDir(prefix);
}

/** Runs a command; throws with its output when it fails. */
export function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.error ?? ''}`);
  }
  return r.stdout;
}

/** Whether a program is on PATH. */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export interface ArchiveEntrySpec {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chr' | 'blk' | 'fifo';
  data?: string;
  linkname?: string;
  mode?: number;
  mtime?: number;
  pax?: Record<string, string>;
}

export interface ArchiveSpec {
  out: string;
  kind?: 'tar' | 'zip';
  format?: 'gnu' | 'pax' | 'ustar';
  compression?: '' | 'gz' | 'bz2' | 'xz';
  global_pax?: Record<string, string>;
  entries: ArchiveEntrySpec[];
}

/** Writes archives with Python's tarfile/zipfile (which write whatever they are told). */
export function makeArchives(specs: ArchiveSpec[]): void {
  const r = spawnSync('python3', [MAKE_ARCHIVE], {
    input: JSON.stringify(specs),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`make_archive.py failed: ${r.stderr}`);
}

export function makeArchive(spec: ArchiveSpec): string {
  makeArchives([spec]);
  return spec.out;
}

export interface Node {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  mtime: number;
  /** sha256 of a file, the target of a symlink. */
  content?: string;
}

/** Every path under `root` (not root itself) with its type, mode, mtime and content. */
export function snapshot(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = lstatSync(abs);
      const mode = st.mode & 0o7777;
      const mtime = Math.floor(st.mtimeMs / 1000);
      if (st.isDirectory()) {
        out.set(r, { type: 'dir', mode, mtime });
        walk(r);
      } else if (st.isSymbolicLink()) {
        out.set(r, { type: 'symlink', mode: 0, mtime, content: readlinkSync(abs) });
      } else if (st.isFile()) {
        const sha = createHash('sha256').update(readFileSync(abs)).digest('hex');
        out.set(r, { type: 'file', mode, mtime, content: sha });
      } else {
        out.set(r, { type: 'other', mode, mtime });
      }
    }
  };
  walk('');
  return out;
}

/** The snapshot of `root` as an extraction with `strip` leading components removed would give. */
export function stripped(snap: Map<string, Node>, strip: number): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const [rel, node] of snap) {
    const parts = rel.split('/');
    if (parts.length > strip) out.set(parts.slice(strip).join('/'), node);
  }
  return out;
}

/** Paths under a directory (recursively), for "nothing new appeared" checks. */
export function listing(root: string): string[] {
  return [...snapshot(root).entries()].map(([p, n]) => `${p} ${n.type} ${n.content ?? ''}`);
}

export const T0 = 1_600_000_000;

/**
 * A small source-like tree under `<base>/src/pkg-1.0`: modes 0644/0755/0600,
 * an 0750 directory, relative, absolute and dangling symlinks, a hard link, a
 * long path (> 100 bytes, needs GNU/pax long names), a non-ASCII name, an
 * empty file and a file larger than a pipe buffer. Every mtime is distinct.
 */
export function makeSourceTree(base: string): string {
  const src = path.join(base, 'src');
  const pkg = path.join(src, 'pkg-1.0');
  const long = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}`;
  mkdirSync(path.join(pkg, 'bin'), { recursive: true });
  mkdirSync(path.join(pkg, 'src', 'lib', 'sub'), { recursive: true });
  mkdirSync(path.join(pkg, 'private'), { recursive: true });
  mkdirSync(path.join(pkg, long), { recursive: true });
  mkdirSync(path.join(pkg, 'empty-dir'));
  const files: Array<[string, string | Buffer, number]> = [
    ['README', 'hello\n', 0o644],
    ['bin/run.sh', '#!/bin/sh\necho run\n', 0o755],
    ['src/main.c', 'int main(void) { return 0; }\n', 0o644],
    ['src/lib/util.c', 'int util;\n', 0o644],
    ['src/lib/sub/x.h', '#define X 1\n', 0o644],
    ['private/key.pem', 'secret\n', 0o600],
    ['empty.txt', '', 0o644],
    ['ünïcødé.txt', 'unicode\n', 0o644],
    [`${long}/${'f'.repeat(40)}.txt`, 'long name\n', 0o644],
    ['data.bin', Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)), 0o644],
  ];
  for (const [rel, content, mode] of files) {
    writeFileSync(path.join(pkg, rel), content);
    chmodSync(path.join(pkg, rel), mode);
  }
  linkSync(path.join(pkg, 'README'), path.join(pkg, 'README.hardlink'));
  symlinkSync('README', path.join(pkg, 'link-rel'));
  symlinkSync('../src/lib', path.join(pkg, 'bin', 'lib-link'));
  symlinkSync('/etc/hostname', path.join(pkg, 'link-abs'));
  symlinkSync('does/not/exist', path.join(pkg, 'link-dangling'));
  chmodSync(path.join(pkg, 'private'), 0o750);
  // Distinct times, deepest first so directories keep theirs.
  const all = [...snapshot(src).keys()].sort((a, b) => b.split('/').length - a.split('/').length);
  all.forEach((rel, i) => {
    const abs = path.join(src, rel);
    const t = T0 + 1000 * (i + 1);
    if (lstatSync(abs).isSymbolicLink()) lutimesSync(abs, t, t);
    else utimesSync(abs, t, t);
  });
  return src;
}

/**
 * Integrity checks of fetched sources: the package's hash file and its
 * detached OpenPGP signature (`<pkg>.asc`).
 *
 * Contract for callers (site types): fetch into a temporary name, call
 * `verifyFile` and then `verifySignature` on it, and only then move it to its
 * final place. When the content is shown to be wrong (a digest mismatch, a
 * BAD signature) the file is moved aside to `<dl>/<name>.<why>-<timestamp>`
 * for inspection, so nothing is left where a re-run would trust it. Any other
 * failure (a malformed hash file, an unknown key, gpg missing, a warning under
 * --werror) leaves the file where it is: the caller must not promote it.
 *
 * Signatures are checked against the project's trusted keys when the folder
 * `<root>/trusted-keys/` exists (every `*.asc`, `*.gpg`, `*.pgp` public key
 * in it; each one is trusted, nothing else is), otherwise against the user's
 * gpg keyring (GNUPGHOME or ~/.gnupg, its trust settings apply). gpg runs
 * with a throwaway home under `<output>/tmp/` for the project keys; nothing
 * is written outside the output directory (and `<dl>` for moved-aside files).
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { pathExists } from '../util/fs.ts';
import { checkHashEntry, digestFile, type HashMismatch } from './hashfile.ts';
import type { SiteContext } from './types.ts';

/** The project folder of public keys trusted to sign sources. */
export const TRUSTED_KEYS_DIR = 'trusted-keys';
const KEY_FILE = /\.(asc|gpg|pgp)$/i;

/**
 * Verifies a freshly fetched file against the package's hash file. `file` is
 * where it is now (usually a temporary name), `name` the name hash entries
 * use (the cache file name).
 *
 * - Entries for `name`: every algorithm listed must match (entries of one
 *   algorithm are alternatives). A mismatch moves the file aside and throws.
 * - No entry, or no hash file: a warning for external packages (an error
 *   under --werror) giving the line to add; internal packages: silent.
 */
export async function verifyFile(ctx: SiteContext, file: string, name: string): Promise<void> {
  // releng-tool's DEVMODE_SKIP_INTEGRITY_CHECK: a package built from its
  // development revision in development mode has nothing fixed to check against
  const rt = ctx.pkg.options.relengTool as Record<string, unknown> | undefined;
  const devSources = ctx.pkg.devmodeSources ?? Boolean(ctx.pkg.devmodeRevision);
  if (ctx.options.devmode && devSources && rt?.DEVMODE_SKIP_INTEGRITY_CHECK) {
    ctx.log.write(`integrity check of ${name} skipped (development revision)\n`);
    return;
  }
  const check = await checkHashEntry(ctx.pkg, name, file, { devmode: ctx.options.devmode });
  switch (check.status) {
    case 'verified':
      ctx.log.write(
        `verified ${name} (${[...check.actual.keys()].join(', ')}) against ${check.hashFile}\n`,
      );
      return;
    case 'no-entry':
      // releng-tool: a hash file that does not list the fetched file is an
      // error (a renamed archive, a forgotten entry), unless a signature is
      // there to check it instead
      if (
        ctx.project?.format === 'releng-tool' &&
        !(await pathExists(join(ctx.pkg.defDir, `${ctx.pkg.name}.asc`)))
      ) {
        throw new RelengError(`no hash for ${name} in ${check.hashFile}`, {
          pkg: ctx.pkg.name,
          file: check.hashFile,
          hint: `add an entry for ${name} (${await missingHashLine(file, name)})`,
        });
      }
      if (ctx.pkg.internal) return;
      ctx.warn(await missingHashMessage(false, check.hashFile, file, name));
      return;
    case 'no-hash-file':
      if (ctx.pkg.internal) return;
      ctx.warn(
        await missingHashMessage(check.status === 'no-hash-file', check.hashFile, file, name),
      );
      return;
    case 'mismatch': {
      const aside = await moveAside(file, ctx.dirs.dl, name, 'mismatch');
      throw mismatchError(ctx.pkg.name, name, check.hashFile, check.mismatches, {
        hint:
          `if upstream really re-released ${name}, check the new file by other means, then update ${check.hashFile}; ` +
          `otherwise the download is corrupt or was tampered with: delete ${aside} and fetch again`,
        extra: [`the download was moved aside to ${aside}`],
      });
    }
  }
}

/**
 * Verifies a license file of the package's sources against its hash entry
 * (the guide recommends one per license file, as a check that the license did
 * not change). `relPath` is relative to `sourcesDir` (the top of the
 * extracted sources, `ctx.paths.buildBaseDir`, where LICENSE_FILES are
 * relative to) and is also the name the hash entry uses. A mismatch throws
 * (the file is left in place); a missing entry warns for external packages
 * unless `warnMissing` is false.
 */
export async function verifyLicenseFile(
  ctx: Pick<SiteContext, 'pkg' | 'options' | 'warn'>,
  relPath: string,
  sourcesDir: string,
  options: { warnMissing?: boolean } = {},
): Promise<void> {
  const path = join(sourcesDir, relPath);
  const check = await checkHashEntry(ctx.pkg, relPath, path, { devmode: ctx.options.devmode });
  if (check.status === 'verified') return;
  if (check.status === 'mismatch') {
    throw mismatchError(ctx.pkg.name, relPath, check.hashFile, check.mismatches, {
      hint: `the license file changed: review ${path} (did the license change?), then update ${check.hashFile}`,
      what: 'license file',
    });
  }
  if (ctx.pkg.internal || options.warnMissing === false) return;
  ctx.warn(
    await missingHashMessage(check.status === 'no-hash-file', check.hashFile, path, relPath),
  );
}

async function missingHashLine(path: string, name: string): Promise<string> {
  return `sha256 ${(await digestFile(path, ['sha256'])).get('sha256')} ${name}`;
}

async function missingHashMessage(
  noFile: boolean,
  hashFile: string,
  path: string,
  name: string,
): Promise<string> {
  const sha256 = (await digestFile(path, ['sha256'])).get('sha256');
  const line = `sha256 ${sha256} ${name}`;
  return noFile
    ? `no hash for ${name}: ${hashFile} does not exist; create it with \`${line}\``
    : `no hash for ${name} in ${hashFile}: add \`${line}\``;
}

function mismatchError(
  pkg: string,
  name: string,
  hashFile: string,
  mismatches: readonly HashMismatch[],
  options: { hint: string; extra?: string[]; what?: string },
): RelengError {
  const lines = [`hash mismatch for ${options.what ? `${options.what} ` : ''}${name}`];
  for (const m of mismatches) {
    lines.push(`  ${m.kind} expected: ${m.expected.join(' or ')} (${hashFile}:${m.line})`);
    lines.push(`  ${m.kind} actual:   ${m.actual}`);
  }
  for (const extra of options.extra ?? []) lines.push(`  ${extra}`);
  return new RelengError(lines.join('\n'), {
    pkg,
    file: hashFile,
    line: mismatches[0]?.line,
    hint: options.hint,
  });
}

/**
 * Moves a rejected file to `<dlDir>/<name>.<why>-<UTC timestamp>` (a suffix
 * is added if that exists). Falls back to copy + delete across file systems,
 * and to deleting it when it cannot be kept. Returns where it went.
 */
async function moveAside(file: string, dlDir: string, name: string, why: string): Promise<string> {
  await mkdir(dlDir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const base = join(dlDir, `${name.replace(/[/\\]/g, '_')}.${why}-${stamp}`);
  let target = base;
  for (let n = 1; await pathExists(target); n++) target = `${base}.${n}`;
  try {
    await rename(file, target);
  } catch (err) {
    try {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(file, target);
      await rm(file, { force: true });
    } catch {
      await rm(file, { force: true });
      return `(nowhere: it could not be kept and was deleted) ${file}`;
    }
  }
  return target;
}

// ---------------------------------------------------------------------------
// Signatures

/** What gpg's status lines say about a `--verify`. */
export interface SignatureStatus {
  /** Fingerprints of good, valid signatures (VALIDSIG). */
  valid: string[];
  /** GOODSIG (or EXPKEYSIG/EXPSIG: good, but the key or signature expired) seen. */
  good: boolean;
  /** BADSIG key ids. */
  bad: string[];
  /** Key ids gpg has no public key for (ERRSIG rc 9 / NO_PUBKEY). */
  missingKeys: string[];
  /** Other ERRSIG codes (unsupported algorithm, ...). */
  errors: string[];
  /** REVKEYSIG key ids: signed by a revoked key. */
  revoked: string[];
  /** EXPKEYSIG/EXPSIG notes. */
  expired: string[];
  /** NODATA: nothing that looks like a signature. */
  noData: boolean;
}

/** Parses gpg `--status-fd`/`--status-file` output. */
export function parseGpgStatus(text: string): SignatureStatus {
  const s: SignatureStatus = {
    valid: [],
    good: false,
    bad: [],
    missingKeys: [],
    errors: [],
    revoked: [],
    expired: [],
    noData: false,
  };
  for (const line of text.split('\n')) {
    const m = /^\[GNUPG:\] (\S+)(?: (.*))?$/.exec(line.trimEnd());
    if (!m) continue;
    const args = (m[2] ?? '').split(' ');
    switch (m[1]) {
      case 'GOODSIG':
        s.good = true;
        break;
      case 'VALIDSIG':
        s.valid.push(args[0] ?? '');
        break;
      case 'BADSIG':
        s.bad.push(args[0] ?? '');
        break;
      case 'ERRSIG':
        if (args[5] === '9') s.missingKeys.push(args[6] || args[0] || '');
        else
          s.errors.push(`signature by ${args[0]} cannot be checked (gpg ERRSIG code ${args[5]})`);
        break;
      case 'NO_PUBKEY':
        if (!s.missingKeys.some((k) => k.endsWith(args[0] ?? '')))
          s.missingKeys.push(args[0] ?? '');
        break;
      case 'REVKEYSIG':
        s.revoked.push(args[0] ?? '');
        break;
      case 'EXPKEYSIG':
        s.good = true;
        s.expired.push(`the key ${args[0]} that made the signature has expired`);
        break;
      case 'EXPSIG':
        s.good = true;
        s.expired.push(`the signature by ${args[0]} has expired`);
        break;
      case 'NODATA':
        s.noData = true;
        break;
    }
  }
  return s;
}

export type SignatureVerdict =
  | 'good'
  | 'bad'
  | 'revoked'
  | 'missing-key'
  | 'no-signature'
  | 'unverified';

/**
 * Fail-closed reading of a `gpg --verify`: good only when gpg exited 0 and
 * reported GOODSIG (or a good signature by an expired key) and VALIDSIG, with
 * no BADSIG, ERRSIG or REVKEYSIG. Anything else is not good.
 */
export function signatureVerdict(s: SignatureStatus, exitedOk: boolean): SignatureVerdict {
  if (s.bad.length > 0) return 'bad';
  if (s.revoked.length > 0) return 'revoked';
  if (s.missingKeys.length > 0) return 'missing-key';
  if (s.noData && s.valid.length === 0) return 'no-signature';
  if (!exitedOk || !s.good || s.valid.length === 0 || s.errors.length > 0) return 'unverified';
  return 'good';
}

/**
 * When `<pkg>.asc` exists beside the definition, verifies it as a detached
 * OpenPGP signature of `file` (fetched as `name`) with `gpg --verify`,
 * failing closed: the signature must be GOODSIG and VALIDSIG in gpg's status
 * output, with no BADSIG/ERRSIG/REVKEYSIG, and gpg must exit 0. A BAD
 * signature moves the file aside; an expired key or signature is a warning.
 * Without `<pkg>.asc` this does nothing.
 */
export async function verifySignature(ctx: SiteContext, file: string, name: string): Promise<void> {
  const pkg = ctx.pkg;
  const asc = join(pkg.defDir, `${pkg.name}.asc`);
  if (!(await pathExists(asc))) return;
  const keysDir = join(ctx.dirs.root, TRUSTED_KEYS_DIR);
  const keyFiles = await trustedKeyFiles(keysDir);
  const fail = (message: string, hint: string) =>
    new RelengError(message, { pkg: pkg.name, file: asc, hint });
  const keyHint = (ids: string[]) =>
    keyFiles
      ? `add the signer's public key (${ids.join(', ')}), checked by other means, to ${keysDir}/ as an .asc file`
      : `import the signer's public key (${ids.join(', ')}) into your gpg keyring (gpg --recv-keys ${ids.join(' ')}), or put the project's trusted public keys in ${keysDir}/`;

  const gpgMissing = (err: unknown) =>
    (err instanceof RelengError ? err : new RelengError(String(err))).with({
      pkg: pkg.name,
      file: asc,
      hint: `install gpg (gnupg): ${name} has a signature (${asc}), and a signature that cannot be checked stops the build`,
    });

  const tmpRoot = join(ctx.dirs.output, 'tmp');
  await mkdir(tmpRoot, { recursive: true });
  const work = await mkdtemp(join(tmpRoot, `gpg-${pkg.name}-`));
  try {
    const home: string[] = [];
    if (keyFiles) {
      if (keyFiles.length === 0) {
        throw fail(
          `cannot verify ${name}: ${keysDir} holds no public keys (*.asc, *.gpg, *.pgp)`,
          `put the signer's public key in ${keysDir}/, or remove the empty folder to use your gpg keyring`,
        );
      }
      const homeDir = join(work, 'home');
      await mkdir(homeDir, { mode: 0o700 });
      home.push('--homedir', homeDir, '--no-autostart', '--trust-model', 'always');
      const importStatus = join(work, 'import.status');
      try {
        await ctx.exec('gpg', [
          ...home,
          '--batch',
          '--status-file',
          importStatus,
          '--import-options',
          'import-minimal',
          '--import',
          ...keyFiles,
        ]);
      } catch (err) {
        if (cannotRun(err)) throw gpgMissing(err);
        throw fail(
          `cannot import the trusted keys in ${keysDir}: ${(err as Error).message}`,
          `check that every file in ${keysDir}/ is an OpenPGP public key (gpg --show-keys <file>); see the package log`,
        );
      }
      const imported = (await readFile(importStatus, 'utf8').catch(() => '')).match(
        /^\[GNUPG:\] IMPORT_OK /gm,
      );
      if (!imported) {
        throw fail(
          `cannot verify ${name}: no public key could be imported from ${keysDir}`,
          `check the files in ${keysDir}/ with gpg --show-keys <file>`,
        );
      }
    }

    const statusFile = join(work, 'verify.status');
    let gpgError: unknown;
    try {
      await ctx.exec('gpg', [
        ...home,
        '--batch',
        '--status-file',
        statusFile,
        '--verify',
        resolve(asc),
        resolve(file),
      ]);
    } catch (err) {
      gpgError = err;
    }
    const statusText = await readFile(statusFile, 'utf8').catch(() => '');
    if (gpgError && (cannotRun(gpgError) || statusText.trim() === '')) {
      // gpg did not get as far as checking (not installed, cannot start).
      throw gpgMissing(gpgError);
    }
    const s = parseGpgStatus(statusText);
    const where = keyFiles ? `the keys in ${keysDir}` : 'your gpg keyring';

    switch (signatureVerdict(s, gpgError === undefined)) {
      case 'bad': {
        const aside = await moveAside(file, ctx.dirs.dl, name, 'badsig');
        throw fail(
          `BAD signature on ${name} (key ${s.bad.join(', ')}): the file is not what ${asc} signed\n  the download was moved aside to ${aside}`,
          `the download is corrupt or was tampered with, or ${asc} is for another release: delete ${aside}, check ${asc}, and fetch again`,
        );
      }
      case 'revoked':
        throw fail(
          `signature on ${name} was made by the revoked key ${s.revoked.join(', ')}`,
          'a revoked key is not trusted: find out why it was revoked and get a signature by a current key',
        );
      case 'missing-key':
        throw fail(
          `cannot verify the signature on ${name}: no public key ${s.missingKeys.join(', ')} in ${where}`,
          keyHint(s.missingKeys),
        );
      case 'no-signature':
        throw fail(
          `cannot verify ${name}: ${asc} does not hold an OpenPGP signature`,
          `${asc} must be the detached signature of ${name} (as published beside it, e.g. ${name}.asc or .sig)`,
        );
      case 'unverified': {
        const lines = statusText
          .split('\n')
          .filter((l) => l.startsWith('[GNUPG:]'))
          .map((l) => `    ${l}`);
        throw fail(
          [
            `signature on ${name} could not be verified${s.errors.length > 0 ? `: ${s.errors.join('; ')}` : ''}`,
            '  gpg status:',
            ...lines,
          ].join('\n'),
          'see the package log for gpg output',
        );
      }
      case 'good':
        break;
    }
    for (const note of s.expired) ctx.warn(`signature on ${name}: ${note}`);
    ctx.log.write(`good signature on ${name} by ${s.valid.join(', ')} (${where})\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** True for an exec error where the tool did not run at all (missing, not executable). */
function cannotRun(err: unknown): boolean {
  return !(err instanceof RelengError) || err.details.exitCode === undefined;
}

/**
 * The public key files in the project's trusted-keys folder, sorted;
 * undefined when the folder does not exist (use the user's keyring).
 */
async function trustedKeyFiles(dir: string): Promise<string[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  const files: string[] = [];
  for (const n of names.sort()) {
    if (!KEY_FILE.test(n)) continue;
    const path = join(dir, n);
    if ((await stat(path)).isFile()) files.push(path);
  }
  return files;
}

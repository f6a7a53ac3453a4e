/**
 * Reading and writing key material on disk. Private keys are written only
 * where asked, mode 0600, atomically, never over an existing file; their
 * contents never appear in messages.
 */
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { RelengError } from '../../util/errors.ts';
import { tmpSibling } from '../../util/fs.ts';

/**
 * Writes a private key: a temporary sibling created 0600 with O_EXCL,
 * flushed, then hard-linked to the final name (link(2) fails when the name
 * exists, so an existing file is never replaced, even by a concurrent writer).
 */
export async function writeSecretFile(out: string, data: string | Uint8Array): Promise<void> {
  const abs = path.resolve(out);
  await mkdir(path.dirname(abs), { recursive: true, mode: 0o700 });
  const tmp = tmpSibling(abs);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new RelengError(`'${out}' already exists; refusing to overwrite a key file`, {
        file: abs,
        hint: 'choose another file name, or move the old key away first',
      });
    throw new RelengError(`cannot write the key file '${out}': ${(err as Error).message}`, {
      file: abs,
    });
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Writes a public file (public key) the same way: 0644, refusing to overwrite unless `overwrite`. */
export async function writePublicFile(
  out: string,
  data: string | Uint8Array,
  overwrite = false,
): Promise<void> {
  const abs = path.resolve(out);
  await mkdir(path.dirname(abs), { recursive: true });
  const tmp = tmpSibling(abs);
  const handle = await open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
  try {
    if (overwrite) {
      await rename(tmp, abs);
      return;
    }
    await link(tmp, abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new RelengError(`'${out}' already exists`, {
        file: abs,
        hint: 'pass --force to replace it',
      });
    throw new RelengError(`cannot write '${out}': ${(err as Error).message}`, { file: abs });
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Reads a key file, with a clear error when it is missing or unreadable. */
export async function readKeyFile(file: string, what = 'signing key'): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot be read (${code ?? (err as Error).message})`;
    throw new RelengError(`${what} file '${file}' ${why}`, { file: path.resolve(file) });
  }
}

/**
 * What to do about a secret file (private key, passphrase) that group or
 * others may read or write: `warn` receives the message (default: printed
 * on stderr as `(warn) …`); with `werror` it is an error instead, as
 * OpenSSH refuses such keys.
 */
export interface SecretFileChecks {
  warn?: (message: string) => void;
  werror?: boolean;
}

/** Warns (or, with `werror`, fails) when a secret file's mode lets group or others in. */
export function checkSecretMode(
  file: string,
  mode: number,
  what: string,
  checks: SecretFileChecks = {},
): void {
  if ((mode & 0o077) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  const who = mode & 0o007 ? 'others' : 'its group';
  const message = `${what} file '${file}' is accessible to ${who} (mode ${octal}); run \`chmod 600 ${file}\``;
  if (checks.werror)
    throw new RelengError(message, {
      file: path.resolve(file),
      hint: 'warnings are errors (--werror); a private key must be readable by its owner only',
    });
  (checks.warn ?? ((m: string) => process.stderr.write(`(warn) ${m}\n`)))(message);
}

/** Reads a secret file (private key, passphrase), checking its mode on the same open file. */
export async function readSecretFile(
  file: string,
  what: string,
  checks: SecretFileChecks = {},
): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    return readKeyFile(file, what).then(() => {
      throw err;
    });
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) return await readKeyFile(file, what);
    checkSecretMode(file, st.mode, what, checks);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Reads a passphrase file: its first line, without the line ending. */
export async function readPassphraseFile(
  file: string,
  checks: SecretFileChecks = {},
): Promise<string> {
  const data = Buffer.from(await readSecretFile(file, 'passphrase', checks)).toString('utf8');
  const nl = data.search(/\r?\n/);
  return nl === -1 ? data : data.slice(0, nl);
}

/** True when bytes look like ASCII armor rather than binary OpenPGP packets. */
export function isArmored(data: Uint8Array): boolean {
  const head = Buffer.from(data.subarray(0, 200)).toString('latin1');
  return head.includes('-----BEGIN PGP ');
}

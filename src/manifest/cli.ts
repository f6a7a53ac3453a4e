/**
 * `releng manifest …`: IPS (pkg(5)) manifests from the command line.
 *
 * ```
 * releng manifest fmt [-c] [-u] [-s] [-f v1|v2] [FILE...]
 * releng manifest mogrify [-D NAME=VALUE]... [-I DIR]... [-T FILE]... [-i] [-v] [-O OUT] [-P PRINTFILE]
 *                         [-d DIR] [FILE...]
 * releng manifest lint [-W] [-r RULE]... [-d PROTO]... [--list] FILE...
 * releng manifest mangle -d PROTO... [-O OUT] MANIFEST
 * releng manifest generate [-m] [-I] [-D TOKEN=VALUE]... [-k PATH]... -d PROTO... MANIFEST [PROTO]
 * releng manifest resolve [-m] [-o] [-d DIR] [-s SUFFIX] [-r REPO [-e FILE]...] MANIFEST...
 * releng manifest publish -s REPO -d PROTO... [-p PUBLISHER] [-k KEY -c CERT [-i CERT]... | -a ALG] MANIFEST...
 * releng manifest pipeline -b BUILD -d PROTO... [-D..] [-I..] [-T..] [-r REPO [-e FILE]..] [-s REPO [-p PUB] [signing]] [-W] MANIFEST...
 * releng manifest mogrify|pipeline COMMON... --component ARGS... [--component ARGS...]...   (batch)
 * ```
 *
 * `fmt` formats as pkgfmt does: from stdin to stdout, or FILEs rewritten in
 * place (atomically); `-c` only checks and fails listing the files not in
 * pkgfmt form. `mogrify` applies macros and transforms as pkgmogrify does and
 * writes the result to stdout or OUT (atomically). Errors name file:line.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { jsonErrorLine } from '../cli/errors.ts';
import { asRelengError, RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { didYouMean } from '../util/suggest.ts';
import { actionToString } from './action.ts';
import { readPackageLists, repositoryManifests } from './depend/external.ts';
import { generateDepends, generatedLines } from './depend/generate.ts';
import { resolveDepends } from './depend/resolve.ts';
import { formatManifest, isFormatted, pyLines } from './format.ts';
import { atLeast, formatLintMessage, runLint } from './lint/engine.ts';
import { LINT_RULES } from './lint/rules/index.ts';
import { mangleManifest } from './mangle.ts';
import { type Manifest, parseManifest } from './manifest.ts';
import { mogrify, type UndefinedMacro } from './mogrify.ts';
import { runPipeline } from './pipeline.ts';
import { publishArchive } from './publish/archive.ts';
import { publishManifest, refreshSearchIndexes } from './publish/repository.ts';
import { type IpsSigner, loadSigner } from './publish/sign.ts';

const HELP = `releng manifest: IPS package manifests (pkg(7)), as pkg(5)'s tools do them (docs/manifest.md)

  releng manifest fmt [-c] [-u] [-s] [-f v1|v2] [FILE...]
      format like pkgfmt: stdin to stdout, or each FILE rewritten in place
      -c  only check; fail naming the files not in pkgfmt form
      -u  one line per action      -s  drop pkg.debug.* / pkg.depend.* attributes
      -f  layout (v2, the default, or v1)

  releng manifest mogrify [-D NAME=VALUE]... [-I DIR]... [-T FILE]... [-i] [-v]
                          [-O OUT] [-P PRINTFILE] [-d DIR] [FILE...]
      apply $(NAME) macros, <include> and <transform> like pkgmogrify
      -D  define a macro            -I  folder for <include> and FILE names
      -i  keep <include> lines      -v  comment the transforms applied
      -O  write to OUT (atomically) -P  write print-op lines to PRINTFILE
      -T  a transforms file read after the manifests (repeatable, in order)
      -d  mogrify each FILE on its own (with the -T files) into DIR/<FILE>.mogrified
      a macro no -D defines is left as written, with a warning naming file:line
      (an error under -W)

  releng manifest lint [-W] [-r RULE]... [-d PROTO]... [--list] FILE...
      check the (mogrified) manifests together, reporting like pkglint;
      fails on an ERROR, and under -W on a WARNING too
      -r  run only this rule (e.g. pkglint.dupaction001)   --list  print the rules
      -d  a proto area the files are compared with (userland.action001)

  releng manifest mangle -d PROTO... [-O OUT] MANIFEST
      check the file actions against the proto area (each missing file an error
      naming manifest:line) and add pkg.size, pkg.csize, chash and, for ELF
      objects, elfarch, elfbits and elfhash; to stdout or OUT (atomically)

  releng manifest generate [-m] [-I] [-D TOKEN=VALUE]... [-k PATH]... -d PROTO... MANIFEST [PROTO]
      the dependencies of the files in the proto area, like pkgdepend generate
      (ELF NEEDED/RUNPATH, #! interpreters, Python imports, SMF manifests, hardlinks)
      -m  print the manifest first   -I  keep dependencies the package satisfies itself
      -d  a proto area (repeatable)  -D  value of a run-path token ($PLATFORM=i86pc)
      -k  a run path for ELF objects and Python modules instead of the default ones
          (repeatable; $PKGDEPEND_RUNPATH stands for them)

  releng manifest resolve [-m] [-o] [-d DIR] [-s SUFFIX] [-r REPO [-e FILE]...] MANIFEST...
      resolve the __TBD dependencies of the manifests against each other, like
      pkgdepend resolve; writes MANIFEST.res (or DIR/NAME[SUFFIX]) atomically
      -m  repeat the manifest (without its depend actions) before the dependencies
      -o  print to stdout instead
      -r  also resolve against the newest packages of this pkg(5) repository
      -e  only the repository packages this list names (resolve.deps: a pattern a line)

  releng manifest publish -s REPO -d PROTO... [-p PUBLISHER] [SIGNING] MANIFEST...
      publish into a pkg(5) file repository (created when missing; one made by
      pkgrepo create is fine): payloads, manifests, then the signed catalog;
      an ARCHIVE.p5p operand publishes the packages of that pkg(5) archive (as pkgrecv)
      -p  publisher of a new repository (default releng); the search index is rebuilt after
      SIGNING, as pkgsign: -k KEY -c CERT [-i CERT]... [-a rsa-sha256]  sign with an RSA
      key and its certificate (intermediates with -i); -a sha256  a hash-only signature;
      --passphrase-file FILE | --passphrase-env VAR  the passphrase of a protected key

  releng manifest refresh -s REPO
      rebuild the search index of each publisher (pkgrepo refresh), so pkg search answers

  releng manifest pipeline -b BUILD -d PROTO... [-D NAME=VALUE]... [-I DIR]... [-T FILE]...
                           [-r REPO [-e FILE]...] [-s REPO [-p PUBLISHER] [SIGNING]] [-W] MANIFEST...
      the whole Userland pipeline, keeping BUILD/manifest-<name>.mogrified, .mangled, .depend,
      .depend.res, .linted and .published; a step whose inputs did not change is skipped

  batch mode (mogrify, pipeline): COMMON... --component OPTIONS... [--component OPTIONS...]...
      runs the command once per component in this one process, each with the common
      arguments followed by its own (its -D override the common ones); a failing
      component is reported with its number and the others still run
`;

const COMMANDS = [
  'fmt',
  'mogrify',
  'lint',
  'mangle',
  'generate',
  'resolve',
  'publish',
  'refresh',
  'pipeline',
];

/** Where the command reads and writes (tests pass their own). */
export interface ManifestCliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  readStdin?: () => Promise<string>;
  cwd?: string;
}

/** A manifest named on the command line, or an error naming it. */
async function readManifestFile(cwd: string, name: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, name), 'utf8');
  } catch (e) {
    throw new RelengError(`cannot read ${name}: ${(e as Error).message}`, {
      file: resolve(cwd, name),
    });
  }
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

class Usage extends RelengError {}

/** Splits argv into options (with their values) and operands, getopt style. */
function getopt(
  argv: readonly string[],
  flags: string,
  valued: string,
): { opts: [string, string][]; args: string[] } {
  const opts: [string, string][] = [];
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const o = a[j] as string;
      if (valued.includes(o)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (v === undefined) throw new Usage(`option -${o} needs a value`);
        opts.push([o, v]);
        break;
      }
      if (!flags.includes(o)) throw new Usage(`unknown option -${o}`);
      opts.push([o, '']);
    }
  }
  return { opts, args };
}

async function fmtCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
): Promise<number> {
  const { opts, args } = getopt(argv, 'cus', 'f');
  const has = (o: string) => opts.some(([k]) => k === o);
  const f = opts.find(([k]) => k === 'f')?.[1];
  if (f !== undefined && f !== 'v1' && f !== 'v2')
    throw new Usage(`unsupported format '${f}' (v1 or v2)`);
  const options = { format: (f ?? 'v2') as 'v1' | 'v2', unwrap: has('u'), strip: has('s') };
  if (args.length === 0) {
    const text = await (io.readStdin ?? readAllStdin)();
    if (has('c')) {
      if (!isFormatted(text, f as 'v1' | 'v2' | undefined)) {
        throw new RelengError('the manifest on stdin is not in pkgfmt form', {
          hint: 'run releng manifest fmt on it',
        });
      }
      return 0;
    }
    io.stdout.write(formatManifest(text, options));
    return 0;
  }
  const unformatted: string[] = [];
  for (const name of args) {
    const path = resolve(cwd, name);
    const text = await readManifestFile(cwd, name);
    if (has('c')) {
      if (!isFormatted(text, f as 'v1' | 'v2' | undefined)) unformatted.push(name);
      continue;
    }
    const out = formatManifest(text, options);
    if (out !== text) await writeFileAtomic(path, out);
  }
  if (unformatted.length > 0) {
    throw new RelengError(`not in pkgfmt form: ${unformatted.join(', ')}`, {
      file: resolve(cwd, unformatted[0] as string),
      hint: `run releng manifest fmt ${unformatted.join(' ')} to reformat in place`,
    });
  }
  return 0;
}

async function mogrifyCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
  werror: boolean,
): Promise<number> {
  const { opts, args } = getopt(argv, 'iv', 'DIOPTd');
  const macros: [string, string][] = [];
  const includes: string[] = [];
  let out: string | undefined;
  let printFile: string | undefined;
  for (const [k, v] of opts) {
    if (k === 'D') {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Usage(`macros must be of form name=value: -D ${v}`);
      const name = v.slice(0, eq);
      const at = macros.findIndex(([n]) => n === name);
      if (at >= 0) macros[at] = [name, v.slice(eq + 1)];
      else macros.push([name, v.slice(eq + 1)]);
    } else if (k === 'I') includes.push(v);
    else if (k === 'O') out = resolve(cwd, v);
    else if (k === 'P') printFile = resolve(cwd, v);
  }
  const options = {
    macros,
    includes,
    cwd,
    ignoreIncludes: opts.some(([k]) => k === 'i'),
    verbose: opts.some(([k]) => k === 'v'),
  };
  const transforms = opts.filter(([k]) => k === 'T').map(([, v]) => v);
  const outDir = opts.find(([k]) => k === 'd')?.[1];
  if (outDir !== undefined) {
    // One manifest at a time, each followed by the -T transforms, as a component build runs pkgmogrify.
    if (args.length === 0) throw new Usage('-d DIR needs the manifest files');
    if (out || printFile)
      throw new Usage('-d DIR writes one file per manifest: -O/-P do not apply');
    let code = 0;
    for (const file of args) {
      const res = mogrify([file, ...transforms], options);
      reportMacros(res.undefinedMacros, io, cwd, werror);
      if (res.exit) {
        if (res.exit.message !== undefined) io.stderr.write(`${file}: ${res.exit.message}\n`);
        code = Math.max(code, res.exit.code);
        continue;
      }
      const name = `${file.replace(/\.p5m$/, '').replaceAll('/', '_')}.mogrified`;
      await writeFileAtomic(
        resolve(cwd, outDir, name),
        res.printed.map((p) => `${p}\n`).join('') + res.output,
      );
    }
    return code;
  }
  const inputs =
    args.length > 0
      ? [...args, ...transforms]
      : [{ name: '<stdin>', text: await (io.readStdin ?? readAllStdin)() }, ...transforms];
  const res = mogrify(inputs, options);
  reportMacros(res.undefinedMacros, io, cwd, werror);
  if (res.exit) {
    if (res.exit.message !== undefined) io.stderr.write(`${res.exit.message}\n`);
    return res.exit.code;
  }
  const printed = res.printed.map((p) => `${p}\n`).join('');
  if (printFile) await writeFileAtomic(printFile, printed);
  else io.stdout.write(printed);
  if (out) await writeFileAtomic(out, res.output);
  else io.stdout.write(res.output);
  return 0;
}

/** Warns about macros no -D defined (an error under -W). */
function reportMacros(
  list: readonly UndefinedMacro[],
  io: ManifestCliIo,
  cwd: string,
  werror: boolean,
): void {
  for (const u of list) {
    const msg = `${u.file}:${u.line}: macro ${u.macro} is not defined (left as written)`;
    if (werror) {
      throw new RelengError(`${msg}; -W makes this an error`, {
        file: resolve(cwd, u.file),
        line: u.line,
        hint: `define it with -D ${u.macro.slice(2, -1)}=VALUE`,
      });
    }
    io.stderr.write(`(warning) ${msg}\n`);
  }
}

async function lintCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
  werror: boolean,
): Promise<number> {
  if (argv.includes('--list')) {
    for (const r of LINT_RULES) io.stdout.write(`${r.id.padEnd(24)}${r.description}\n`);
    return 0;
  }
  const { opts, args } = getopt(argv, '', 'rd');
  const only = opts.filter(([k]) => k === 'r').map(([, v]) => v);
  const rules = only.length > 0 ? LINT_RULES.filter((r) => only.includes(r.id)) : LINT_RULES;
  for (const o of only) {
    if (!LINT_RULES.some((r) => r.id === o)) {
      throw new Usage(
        `unknown rule ${o}${didYouMean(
          o,
          LINT_RULES.map((r) => r.id),
        )}`,
      );
    }
  }
  if (args.length === 0) throw new Usage('releng manifest lint needs the manifest files to check');
  const manifests: Manifest[] = [];
  for (const name of args) {
    const text = await readManifestFile(cwd, name);
    manifests.push(parseManifest(text, name));
  }
  const protoDirs = opts.filter(([k]) => k === 'd').map(([, v]) => resolve(cwd, v));
  const messages = runLint(manifests, rules, protoDirs.length > 0 ? { protoDirs } : {});
  let failed = 0;
  for (const m of messages) {
    io.stdout.write(`${formatLintMessage(m)}\n`);
    if (atLeast(m, werror ? 'WARNING' : 'ERROR')) failed++;
  }
  if (failed > 0) {
    throw new RelengError(
      `lint found ${failed} problem${failed === 1 ? '' : 's'}${werror ? ' (warnings count under -W)' : ''}`,
      {
        file: resolve(
          cwd,
          (messages.find((m) => atLeast(m, werror ? 'WARNING' : 'ERROR')) as { file: string }).file,
        ),
        hint: 'fix the manifests, or mark a deliberate case with pkg.linted.<id>=true on the action or package',
      },
    );
  }
  return 0;
}

async function mangleCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
): Promise<number> {
  const { opts, args } = getopt(argv, '', 'dO');
  const protoDirs = opts.filter(([k]) => k === 'd').map(([, v]) => resolve(cwd, v));
  if (args.length !== 1) throw new Usage('mangle takes one manifest');
  if (protoDirs.length === 0) throw new Usage('mangle needs a proto area (-d DIR)');
  const file = args[0] as string;
  const text = await readManifestFile(cwd, file);
  const actions = await mangleManifest(parseManifest(text, file), { protoDirs });
  const out = actions.map((a) => `${actionToString(a)}\n`).join('');
  const target = opts.find(([k]) => k === 'O')?.[1];
  if (target) await writeFileAtomic(resolve(cwd, target), out);
  else io.stdout.write(out);
  return 0;
}

async function generateCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
): Promise<number> {
  const { opts, args } = getopt(argv, 'mI', 'dDk');
  const protoDirs = opts.filter(([k]) => k === 'd').map(([, v]) => resolve(cwd, v));
  if (args.length < 1 || args.length > 2)
    throw new Usage('generate takes the manifest and at most one proto area');
  if (args[1]) protoDirs.unshift(resolve(cwd, args[1]));
  if (protoDirs.length === 0) throw new Usage('generate needs a proto area (-d DIR)');
  const tokens = new Map<string, string[]>();
  for (const [k, v] of opts) {
    if (k !== 'D') continue;
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Usage(`-D arguments must be of the form name=value: ${v}`);
    const name = v.startsWith('$') ? v.slice(0, eq) : `$${v.slice(0, eq)}`;
    if (name === '$ORIGIN')
      throw new Usage('ORIGIN may not be given with -D: it comes from the install paths');
    tokens.set(name, [...(tokens.get(name) ?? []), v.slice(eq + 1)]);
  }
  const file = args[0] as string;
  const text = await readManifestFile(cwd, file);
  const res = await generateDepends(parseManifest(text, file), {
    protoDirs,
    tokens,
    keepInternal: opts.some(([k]) => k === 'I'),
    runPaths: opts.filter(([k]) => k === 'k').map(([, v]) => v),
  });
  let out = '';
  if (opts.some(([k]) => k === 'm'))
    for (const l of pyLines(text)) out += `${l.replace(/\s+$/u, '')}\n`;
  out += generatedLines(res);
  io.stdout.write(out);
  if (res.errors.length > 0) {
    for (const e of res.errors.slice(1)) io.stderr.write(`(error) ${e.message}\n`);
    throw res.errors[0];
  }
  return 0;
}

/** The manifest text without its depend actions, as pkgdepend resolve -m repeats it. */
function echoWithoutDepends(text: string): string {
  let out = '';
  let chunk = '';
  let act = '';
  const keep = (a: string): boolean => !/^depend[ \t]/.test(a.trim());
  for (const l of pyLines(text)) {
    chunk += l;
    act += l.replace(/\s+$/u, '');
    if (act.endsWith('\\')) {
      act = act.replace(/\\+$/, '');
      continue;
    }
    if (keep(act)) out += chunk.endsWith('\n') ? chunk : `${chunk}\n`;
    chunk = '';
    act = '';
  }
  if (chunk && keep(act)) out += chunk.endsWith('\n') ? chunk : `${chunk}\n`;
  return out;
}

async function resolveCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
): Promise<number> {
  const { opts, args } = getopt(argv, 'mo', 'dser');
  if (args.length === 0) throw new Usage('resolve needs the manifests to resolve together');
  const repo = opts.find(([k]) => k === 'r')?.[1];
  const lists = opts.filter(([k]) => k === 'e').map(([, v]) => resolve(cwd, v));
  if (lists.length > 0 && !repo)
    throw new Usage('-e limits the packages of a repository: give the repository with -r');
  const external = repo
    ? await repositoryManifests(
        resolve(cwd, repo),
        lists.length > 0 ? await readPackageLists(lists) : undefined,
      )
    : [];
  const dir = opts.find(([k]) => k === 'd')?.[1];
  const suffix = opts.find(([k]) => k === 's')?.[1];
  const echo = opts.some(([k]) => k === 'm');
  const texts: string[] = [];
  const manifests: Manifest[] = [];
  for (const name of args) {
    const text = await readManifestFile(cwd, name);
    texts.push(text);
    manifests.push(parseManifest(text, name));
  }
  const results = resolveDepends(manifests, external);
  const errors = results.flatMap((r) => r.errors);
  if (errors.length > 0) {
    for (const e of errors.slice(1)) io.stderr.write(`(error) ${e.message}\n`);
    throw errors[0];
  }
  const outputs = results.map(
    (r, i) =>
      (echo ? echoWithoutDepends(texts[i] as string) : '') +
      r.depends.map((d) => `${actionToString(d)}\n`).join(''),
  );
  if (opts.some(([k]) => k === 'o')) {
    io.stdout.write(args.map((a, i) => `# ${a}\n${outputs[i]}`).join('\n\n'));
    return 0;
  }
  for (let i = 0; i < args.length; i++) {
    const name = args[i] as string;
    const target =
      dir !== undefined
        ? resolve(cwd, dir, `${basename(name)}${suffix ?? ''}`)
        : resolve(cwd, `${name}${suffix ?? '.res'}`);
    await writeFileAtomic(target, outputs[i] as string);
  }
  return 0;
}

/**
 * Takes `--passphrase-file FILE` and `--passphrase-env VAR` (the key's
 * passphrase, never on the command line itself) out of the arguments.
 */
function passphraseOptions(
  argv: readonly string[],
  cwd: string,
): { rest: string[]; passphrase: { file?: string; value?: string } } {
  const rest: string[] = [];
  const passphrase: { file?: string; value?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const m = /^--passphrase-(file|env)(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new Usage(`${a} needs a value`);
    if (m[1] === 'file') passphrase.file = resolve(cwd, v);
    else {
      const value = process.env[v];
      if (value === undefined)
        throw new Usage(`--passphrase-env ${v}: the environment variable ${v} is not set`);
      passphrase.value = value;
    }
  }
  return { rest, passphrase };
}

/** The pkgsign options `-a ALG -k KEY -c CERT -i CERT...`: a signer, or none when none is given. */
async function signerFromOptions(
  opts: readonly [string, string][],
  passphrase: { file?: string; value?: string },
  cwd: string,
): Promise<IpsSigner | undefined> {
  const one = (k: string) => opts.find(([o]) => o === k)?.[1];
  const algorithm = one('a');
  const keyFile = one('k');
  const certFile = one('c');
  const chainFiles = opts.filter(([o]) => o === 'i').map(([, v]) => resolve(cwd, v));
  if (!algorithm && !keyFile && !certFile && chainFiles.length === 0) {
    if (passphrase.file || passphrase.value !== undefined)
      throw new Usage('a passphrase was given but nothing to sign with (-k KEY -c CERT)');
    return undefined;
  }
  return loadSigner({
    ...(algorithm ? { algorithm } : {}),
    ...(keyFile ? { keyFile: resolve(cwd, keyFile) } : {}),
    ...(certFile ? { certFile: resolve(cwd, certFile) } : {}),
    chainFiles,
    ...(passphrase.file ? { passphraseFile: passphrase.file } : {}),
    ...(passphrase.value !== undefined ? { passphrase: passphrase.value } : {}),
  });
}

async function publishCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
): Promise<number> {
  const { rest, passphrase } = passphraseOptions(argv, cwd);
  const { opts, args } = getopt(rest, '', 'sdpakci');
  const repo = opts.find(([k]) => k === 's')?.[1];
  if (!repo) throw new Usage('publish needs the repository (-s DIR)');
  if (args.length === 0) throw new Usage('publish needs the manifests to publish');
  const protoDirs = opts.filter(([k]) => k === 'd').map(([, v]) => resolve(cwd, v));
  const publisher = opts.find(([k]) => k === 'p')?.[1];
  const signer = await signerFromOptions(opts, passphrase, cwd);
  for (const name of args) {
    if (name.endsWith('.p5p')) {
      // A package archive: its packages, with the payloads it carries (no -d needed).
      const fmris = await publishArchive(resolve(cwd, repo), resolve(cwd, name), {
        ...(publisher ? { publisher } : {}),
        ...(signer ? { signer } : {}),
      });
      for (const f of fmris) io.stdout.write(`${f}\n`);
      continue;
    }
    const text = await readManifestFile(cwd, name);
    const fmri = await publishManifest(resolve(cwd, repo), parseManifest(text, name), {
      protoDirs,
      ...(publisher ? { publisher } : {}),
      ...(signer ? { signer } : {}),
    });
    io.stdout.write(`${fmri}\n`);
  }
  // As a repository server does after publishing: the search index covers the new packages.
  await refreshSearchIndexes(resolve(cwd, repo));
  return 0;
}

async function refreshCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
): Promise<number> {
  const { opts, args } = getopt(argv, '', 's');
  const repo = opts.find(([k]) => k === 's')?.[1];
  if (!repo) throw new Usage('refresh needs the repository (-s DIR)');
  if (args.length > 0) throw new Usage('refresh takes no operands');
  const root = resolve(cwd, repo);
  if (!existsSync(join(root, 'pkg5.repository')))
    throw new RelengError(`${repo} is not a pkg(5) repository (no pkg5.repository)`, {
      file: root,
      hint: 'publish into it first, or give the folder pkgrepo create made',
    });
  for (const pub of await refreshSearchIndexes(root))
    io.stdout.write(`indexed ${join('publisher', pub, 'index')}\n`);
  return 0;
}

async function pipelineCommand(
  argv: readonly string[],
  io: ManifestCliIo,
  cwd: string,
  werror: boolean,
  deferSearchIndex?: Set<string>,
): Promise<number> {
  const { rest, passphrase } = passphraseOptions(argv, cwd);
  const { opts, args } = getopt(rest, '', 'bdDITspreakci');
  const build = opts.find(([k]) => k === 'b')?.[1];
  if (!build) throw new Usage('pipeline needs the build folder (-b DIR)');
  if (args.length === 0) throw new Usage('pipeline needs the canonical manifests');
  const protoDirs = opts.filter(([k]) => k === 'd').map(([, v]) => resolve(cwd, v));
  if (protoDirs.length === 0) throw new Usage('pipeline needs a proto area (-d DIR)');
  const macros: [string, string][] = [];
  for (const [k, v] of opts) {
    if (k !== 'D') continue;
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Usage(`macros must be of form name=value: -D ${v}`);
    // A later -D wins, so a --component's own macros override the common ones.
    const name = v.slice(0, eq);
    const at = macros.findIndex(([n]) => n === name);
    if (at >= 0) macros[at] = [name, v.slice(eq + 1)];
    else macros.push([name, v.slice(eq + 1)]);
  }
  const repo = opts.find(([k]) => k === 's')?.[1];
  const publisher = opts.find(([k]) => k === 'p')?.[1];
  const signer = await signerFromOptions(opts, passphrase, cwd);
  if (signer && !repo) throw new Usage('signing (-a, -k, -c, -i) applies to publishing (-s REPO)');
  const rep = await runPipeline(args, {
    buildDir: resolve(cwd, build),
    protoDirs,
    macros,
    includes: opts.filter(([k]) => k === 'I').map(([, v]) => v),
    transforms: opts.filter(([k]) => k === 'T').map(([, v]) => v),
    cwd,
    werror,
    ...(repo ? { repository: resolve(cwd, repo) } : {}),
    ...(opts.some(([k]) => k === 'r')
      ? { resolveRepository: resolve(cwd, opts.find(([k]) => k === 'r')?.[1] as string) }
      : {}),
    resolveLists: opts.filter(([k]) => k === 'e').map(([, v]) => resolve(cwd, v)),
    ...(publisher ? { publisher } : {}),
    ...(signer ? { signer } : {}),
    ...(deferSearchIndex ? { deferSearchIndex } : {}),
  });
  for (const l of rep.lint) io.stdout.write(`${l}\n`);
  for (const s of rep.steps)
    io.stdout.write(`${s.ran ? 'done   ' : 'skipped'} ${s.step.padEnd(8)} ${s.target}\n`);
  return 0;
}

/** Commands that take `--component` groups (batch mode). */
const BATCH_COMMANDS = ['mogrify', 'pipeline'];

/**
 * Splits `COMMON... --component A... --component B...` into one argument
 * list per component (the common part followed by the component's own), so
 * one process handles a whole build's components; without `--component`,
 * the argument list as it is.
 */
export function componentGroups(args: readonly string[]): string[][] {
  const at = args.indexOf('--component');
  if (at < 0) return [[...args]];
  const common = args.slice(0, at);
  const groups: string[][] = [];
  let cur: string[] | undefined;
  for (const a of args.slice(at)) {
    if (a === '--component') {
      cur = [];
      groups.push(cur);
    } else cur?.push(a);
  }
  return groups.map((g, i) => {
    if (g.length === 0) throw new Usage(`--component ${i + 1} is empty`);
    return [...common, ...g];
  });
}

function reportError(err: unknown, io: ManifestCliIo, json: boolean, prefix: string): number {
  const e = asRelengError(err);
  if (json) {
    io.stdout.write(jsonErrorLine(`${prefix}${e.message}`, e.details));
  } else {
    io.stderr.write(`(error) ${prefix}${e.message}\n`);
    if (e.details.file)
      io.stderr.write(`  file: ${e.details.file}${e.details.line ? `:${e.details.line}` : ''}\n`);
    if (e.details.hint) io.stderr.write(`  hint: ${e.details.hint}\n`);
    if (err instanceof Usage)
      io.stderr.write('run `releng manifest --help` for the commands and options\n');
  }
  return err instanceof Usage ? 2 : 1;
}

/** Runs `releng manifest …`; `argv[0]` is the word `manifest`. Resolves to the exit code. */
export async function runManifestCommand(
  argv: readonly string[],
  io: ManifestCliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [, cmd, ...rest] = argv;
  const json = rest.includes('--json');
  const werror = rest.includes('-W') || rest.includes('--werror');
  const args = rest.filter((a) => a !== '--json' && a !== '-W' && a !== '--werror');
  const cwd = io.cwd ?? process.cwd();
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.stdout.write(HELP);
      return 0;
    }
    if (!COMMANDS.includes(cmd))
      throw new Usage(`unknown command 'manifest ${cmd}'${didYouMean(cmd, COMMANDS)}`);
    if (args.includes('--help')) {
      io.stdout.write(HELP);
      return 0;
    }
    if (args.includes('--component')) {
      if (!BATCH_COMMANDS.includes(cmd))
        throw new Usage(`--component applies to ${BATCH_COMMANDS.join(' and ')}, not ${cmd}`);
      // Batch mode: each component runs on its own (a failing one does not stop the others).
      const groups = componentGroups(args);
      let code = 0;
      // The repositories the components published into: indexed once, after all of them.
      const published = new Set<string>();
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i] as string[];
        try {
          const c =
            cmd === 'pipeline'
              ? await pipelineCommand(g, io, cwd, werror, published)
              : await mogrifyCommand(g, io, cwd, werror);
          code = Math.max(code, c);
        } catch (err) {
          code = Math.max(code, reportError(err, io, json, `component ${i + 1}: `));
        }
      }
      for (const repo of published) {
        try {
          await refreshSearchIndexes(repo);
        } catch (err) {
          code = Math.max(code, reportError(err, io, json, ''));
        }
      }
      return code;
    }
    if (cmd === 'fmt') return await fmtCommand(args, io, cwd);
    if (cmd === 'lint') return await lintCommand(args, io, cwd, werror);
    if (cmd === 'mangle') return await mangleCommand(args, io, cwd);
    if (cmd === 'generate') return await generateCommand(args, io, cwd);
    if (cmd === 'resolve') return await resolveCommand(args, io, cwd);
    if (cmd === 'publish') return await publishCommand(args, io, cwd);
    if (cmd === 'refresh') return await refreshCommand(args, io, cwd);
    if (cmd === 'pipeline') return await pipelineCommand(args, io, cwd, werror);
    return await mogrifyCommand(args, io, cwd, werror);
  } catch (err) {
    return reportError(err, io, json, '');
  }
}

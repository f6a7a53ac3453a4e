/**
 * `releng root …`: clean build roots from the command line (docs/roots.md).
 * The main CLI hands the words after `releng` here when the first is `root`.
 */
import { UsageError } from '../cli/args.ts';
import { reportError } from '../cli/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { rootsCacheDir } from './cache.ts';
import { DEFAULT_BACKEND, openBackend } from './index.ts';
import { defaultRootEnv } from './sandbox.ts';
import { makeSpec } from './spec.ts';
import type { RootBackend, RootInfo, RootSpec } from './types.ts';

export const ROOT_HELP = `releng root — clean build roots (docs/roots.md)

  releng root create NAME [--suite bookworm] [--mirror URL] [--component C]...
                          [--source "deb URI SUITE COMP"]... [--include PKG[,PKG]]... [--arch A]
                                    make (or reuse from the cache) a base root and name it
  releng root update NAME           rebuild NAME's base from today's archive; running builds keep theirs
  releng root list                  the roots, their bases and running builds
  releng root exec NAME [--network] [--cwd DIR] [--] CMD [ARG...]
                                    run a command in a fresh copy of NAME (thrown away afterwards)
  releng root shell NAME [--network]
                                    an interactive shell in a fresh copy of NAME
  releng root remove NAME           forget NAME; its base goes once no build uses it
  releng root build NAME SOURCE... [--layout L] [--target T] [--out DIR] [--network-build]
                                    [--key FILE [--passphrase-file F | --passphrase-env V]]
                                    [--publish REPO_DIR [--component C]]
                                    build .deb or .rpm from a source layout (see --layout)

  Layouts (detected when not named): dsc (a .dsc with its files), debian-tree (a folder with
  debian/), srpm (.src.rpm), rpm-standard (tarball + .spec + patches), rpm-two-repo
  (SOURCE_DIR SPEC_REPO_DIR with TARGET/rpm/{SOURCES,SPECS}; --target names TARGET)

  Options: --cache DIR (default $RELENG_ROOTS_DIR, else /var/cache/releng/roots as root),
           --backend bwrap-overlay, --json, --help
`;

/** Where the command writes (tests pass their own). */
export interface RootCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Parsed words: positionals, flags, and options with values (repeatable ones as lists). */
export interface RootArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
  /** Words after `--` (the command of `exec`). */
  rest: string[];
}

const FLAGS = new Set(['--network', '--network-build', '--json', '--help', '-h']);
const VALUES = new Set([
  '--cache',
  '--backend',
  '--suite',
  '--mirror',
  '--component',
  '--source',
  '--include',
  '--arch',
  '--cwd',
  '--layout',
  '--target',
  '--out',
  '--key',
  '--passphrase-file',
  '--passphrase-env',
  '--publish',
  '--spec',
]);
const COMMANDS = ['create', 'update', 'list', 'exec', 'shell', 'remove', 'build'];

/** Parses the words after the command; `exec` stops at its command's first word. */
export function parseRootArgs(argv: readonly string[], command: string): RootArgs {
  const out: RootArgs = { positionals: [], flags: new Set(), values: new Map(), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    let word = argv[i]!;
    if (word === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    // `releng root exec NAME make -j2`: after NAME, the first non-option starts the command.
    if (command === 'exec' && out.positionals.length === 1 && !word.startsWith('-')) {
      out.rest = argv.slice(i);
      break;
    }
    let value: string | undefined;
    const eq = word.indexOf('=');
    if (word.startsWith('--') && eq > 0) {
      value = word.slice(eq + 1);
      word = word.slice(0, eq);
    }
    if (FLAGS.has(word)) {
      if (value !== undefined) throw new UsageError(`${word} takes no value`);
      out.flags.add(word);
    } else if (VALUES.has(word)) {
      value ??= argv[++i];
      if (value === undefined) throw new UsageError(`${word} needs a value`);
      out.values.set(word, [...(out.values.get(word) ?? []), value]);
    } else if (word.startsWith('-')) {
      throw new UsageError(
        `unknown option ${word} for 'root ${command}'${didYouMean(word, [...FLAGS, ...VALUES])}`,
        { hint: 'see releng root --help' },
      );
    } else out.positionals.push(word);
  }
  return out;
}

/** The single value of an option (the last one given). */
export function one(a: RootArgs, name: string): string | undefined {
  return a.values.get(name)?.at(-1);
}

function needName(a: RootArgs, cmd: string): string {
  const name = a.positionals[0];
  if (!name)
    throw new UsageError(`root ${cmd} needs a root NAME`, { hint: 'see releng root --help' });
  return name;
}

/** The spec `create` makes from its options. */
export function specFromArgs(a: RootArgs): RootSpec {
  const arch = one(a, '--arch');
  return makeSpec(
    {
      ...(one(a, '--suite') ? { suite: one(a, '--suite') } : {}),
      ...(one(a, '--mirror') ? { mirror: one(a, '--mirror') } : {}),
      ...(a.values.get('--component') ? { components: a.values.get('--component') } : {}),
      sources: a.values.get('--source') ?? [],
      include: a.values.get('--include') ?? [],
      ...(arch ? { arch } : {}),
    },
    'root create',
  );
}

function describe(info: RootInfo): string {
  const pk = info.spec.packages.length ? ` + ${info.spec.packages.join(',')}` : '';
  return `${info.name}\t${info.spec.suite}/${info.spec.arch ?? '?'} buildd${pk}\tbase ${info.key}\t${info.created}\t${info.running} running`;
}

/** Runs `releng root …`; resolves to the exit code (0 ok, 1 failed, 2 usage). */
export async function runRootCommand(
  argv: readonly string[],
  io: RootCliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const [, cmd, ...words] = argv;
  let json = words.includes('--json');
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.stdout.write(ROOT_HELP);
      return 0;
    }
    if (!COMMANDS.includes(cmd))
      throw new UsageError(`unknown command 'root ${cmd}'${didYouMean(cmd, COMMANDS)}`, {
        hint: `commands: ${COMMANDS.join(', ')} (releng root --help)`,
      });
    const a = parseRootArgs(words, cmd);
    json = a.flags.has('--json');
    if (a.flags.has('--help') || a.flags.has('-h')) {
      io.stdout.write(ROOT_HELP);
      return 0;
    }
    const log = (line: string) => {
      io.stderr.write(`${line}\n`);
    };
    const backend: RootBackend = await openBackend(one(a, '--backend') ?? DEFAULT_BACKEND, {
      cacheDir: rootsCacheDir(one(a, '--cache'), env),
      env,
    });
    const print = (text: string, value: unknown) =>
      io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
    switch (cmd) {
      case 'create': {
        const info = await backend.create(needName(a, cmd), specFromArgs(a), log);
        print(describe(info), info);
        return 0;
      }
      case 'update': {
        const info = await backend.update(needName(a, cmd), log);
        print(describe(info), info);
        return 0;
      }
      case 'list': {
        const all = await backend.list();
        print(all.length ? all.map(describe).join('\n') : '(no roots)', all);
        return 0;
      }
      case 'remove': {
        const name = needName(a, cmd);
        await backend.destroy(name);
        print(`removed ${name}`, { removed: name });
        return 0;
      }
      case 'exec':
      case 'shell': {
        const name = needName(a, cmd);
        const command = cmd === 'shell' ? ['/bin/bash', '-l'] : a.rest;
        if (command.length === 0)
          throw new UsageError('root exec needs a command', {
            hint: 'releng root exec NAME [--network] [--] CMD [ARG...]',
          });
        const extra: Record<string, string> = {};
        if (env.SOURCE_DATE_EPOCH) extra.SOURCE_DATE_EPOCH = env.SOURCE_DATE_EPOCH;
        if (cmd === 'shell' && env.TERM) extra.TERM = env.TERM;
        return await backend.exec(name, {
          command,
          network: a.flags.has('--network'),
          cwd: one(a, '--cwd') ?? '/',
          env: defaultRootEnv(extra),
          interactive: cmd === 'shell',
          onOutput: (c, s) => (s === 'stdout' ? io.stdout : io.stderr).write(c),
        });
      }
      case 'build': {
        const { rootBuildCommand } = await import('../recipes/cli.ts');
        return await rootBuildCommand(backend, a, { ...io, env, cwd }, print, log);
      }
    }
    return 2;
  } catch (err) {
    return reportError(err, {
      json,
      color: false,
      cwd,
      stdout: io.stdout,
      stderr: io.stderr,
    });
  }
}

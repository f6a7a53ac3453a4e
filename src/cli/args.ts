import { sbomFormats } from '../licenses/sbom-formats.ts';
import { RelengError, type RelengErrorDetails } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';

/** Parsed command line. */
export interface CliArgs {
  action?: string;
  /** Positional words after the action (the command of `<pkg>-exec`). */
  extra: string[];
  /** `KEY=VALUE` words, exported to the environment and script globals. */
  variables: Record<string, string>;
  /** Words after `--` (`releng_args`). */
  rest: string[];
  rootDir?: string;
  outDir?: string;
  dlDir?: string;
  cacheDir?: string;
  imagesDir?: string;
  jobs: number;
  debug: boolean;
  verbose: boolean;
  quiet: boolean;
  noColor: boolean;
  werror: boolean;
  force: boolean;
  json: boolean;
  version: boolean;
  help: boolean;
  noCache: boolean;
  onlyMirror: boolean;
  release: boolean;
  /** `-D [mode]`: true for the default mode, a string for a named one, 'unset' to leave. */
  development?: string | true;
  /** `-L [[pkg:]dir]`, repeatable: true alone, or pkg → dir entries ('' = every package). */
  localSources?: Array<{ pkg: string; dir: string } | true>;
  sbomFormat?: string;
  python?: string;
  /** `releng package`: the directory the description's paths are relative to. */
  source?: string;
  /** `releng package`: where packages are written. */
  out?: string;
  /** `-P/--profile NAME`, repeatable (RELENG_PROFILES). */
  profiles: string[];
  /** `--quirk NAME`, repeatable (releng-tool's quirks). */
  quirks: string[];
  /** `--config FILE`: the project configuration file. */
  config?: string;
  /** `--assets-dir DIR`: cache and downloads in DIR/cache and DIR/dl. */
  assetsDir?: string;
  /** `--success-exit-code N`: the exit code of a successful run. */
  successExitCode?: number;
  /** `--relaxed-args`: unknown options are warned about, not refused. */
  relaxedArgs: boolean;
  /** `--help-quirks`: list the quirks. */
  helpQuirks: boolean;
  /** `--api`: releng-tool's API mode (accepted; output is unchanged). */
  api: boolean;
  /** Unknown options left by --relaxed-args / RELENG_IGNORE_UNKNOWN_ARGS (warned about when relaxed). */
  ignoredOptions: string[];
}

/**
 * A command-line mistake (unknown option, bad value, missing word): exit
 * code 2. A RelengError, so it prints the same way, hint included. Also
 * used by `releng repo` / `releng key` (src/repository/cli.ts).
 */
export class UsageError extends RelengError {
  /** The process's exit code: 2, or 1 for an unknown option (as releng-tool). */
  readonly status: number;
  constructor(message: string, details: RelengErrorDetails = {}, status = 2) {
    super(message, { hint: 'see releng --help', ...details });
    this.name = 'UsageError';
    this.status = status;
  }
}

const FLAGS: Record<string, keyof CliArgs> = {
  '--debug': 'debug',
  '--debug-extended': 'debug',
  '--relaxed-args': 'relaxedArgs',
  '--help-quirks': 'helpQuirks',
  '--api': 'api',
  '--verbose': 'verbose',
  '-V': 'verbose',
  '--quiet': 'quiet',
  '-q': 'quiet',
  '--nocolorout': 'noColor',
  '--no-color': 'noColor',
  '--werror': 'werror',
  '-W': 'werror',
  '-Werror': 'werror',
  '--force': 'force',
  '-F': 'force',
  '--json': 'json',
  '--version': 'version',
  '--help': 'help',
  '-h': 'help',
  '--no-cache': 'noCache',
  '--only-mirror': 'onlyMirror',
  '--release': 'release',
};

const VALUES: Record<string, keyof CliArgs> = {
  '--root-dir': 'rootDir',
  '-R': 'rootDir',
  '--out-dir': 'outDir',
  '--config': 'config',
  '--assets-dir': 'assetsDir',
  '--dl-dir': 'dlDir',
  '--cache-dir': 'cacheDir',
  '--images-dir': 'imagesDir',
  '--sbom-format': 'sbomFormat',
  '--python': 'python',
  '--source': 'source',
  '--out': 'out',
};

const KEY_VALUE = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The most job slots `-j` takes (it becomes NJOBS and `make -j`). */
const MAX_JOBS = 4096;

/** Parses argv (without node and the script); `env` decides RELENG_IGNORE_UNKNOWN_ARGS. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const args: CliArgs = {
    extra: [],
    variables: {},
    rest: [],
    jobs: 0,
    debug: false,
    verbose: false,
    quiet: false,
    noColor: false,
    werror: false,
    force: false,
    json: false,
    version: false,
    help: false,
    noCache: false,
    onlyMirror: false,
    release: false,
    profiles: [],
    quirks: [],
    relaxedArgs: false,
    helpQuirks: false,
    api: false,
    ignoredOptions: [],
  };
  const positional: string[] = [];
  const unknown: string[] = [];
  let outputDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    let word = argv[i]!;
    if (word === '--') {
      args.rest = argv.slice(i + 1);
      break;
    }
    let inline: string | undefined;
    if (word.startsWith('--') && word.includes('=')) {
      inline = word.slice(word.indexOf('=') + 1);
      word = word.slice(0, word.indexOf('='));
    }
    const takeValue = (): string => {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${word} needs a value`);
      if (value === '') throw new UsageError(`${word} needs a value, not an empty word`);
      return value;
    };
    const optionalValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-') || KEY_VALUE.test(next)) return undefined;
      i++;
      return next;
    };
    const flag = FLAGS[word];
    if (flag) {
      if (inline !== undefined) throw new UsageError(`${word} takes no value (got "${inline}")`);
      (args as unknown as Record<string, unknown>)[flag] = true;
      continue;
    }
    const value = VALUES[word];
    if (value) {
      (args as unknown as Record<string, unknown>)[value] = takeValue();
      continue;
    }
    if (word === '-P' || word === '--profile') {
      // releng-tool: one -P may name several profiles, separated by , or ;
      // each normalised (trimmed, lower case, runs of separators as one "-")
      for (const p of takeValue().split(/[,;]/)) {
        const name = p
          .replace(/^[ -]+|[ -]+$/g, '')
          .replace(/[ *\-_,.:;?!|\\]+/g, '-')
          .toLowerCase();
        if (name && !args.profiles.includes(name)) args.profiles.push(name);
      }
      continue;
    }
    if (word === '--quirk') {
      args.quirks.push(takeValue());
      continue;
    }
    if (word === '--output-dir') {
      // releng-tool's older spelling; --out-dir wins when both are given
      outputDir = takeValue();
      continue;
    }
    if (word === '--success-exit-code') {
      const raw = takeValue();
      if (!/^\d+$/.test(raw) || Number(raw) > 255) {
        throw new UsageError(
          `--success-exit-code takes a whole number from 0 to 255, not "${raw}"`,
        );
      }
      args.successExitCode = Number(raw);
      continue;
    }
    if (word === '-j' || word === '--jobs' || /^-j-?\d+$/.test(word)) {
      const raw = word.startsWith('-j') && word.length > 2 ? word.slice(2) : takeValue();
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw) || !Number.isInteger(n)) {
        throw new UsageError(`--jobs takes a whole number, not "${raw}"`);
      }
      if (Math.abs(n) > MAX_JOBS) {
        throw new UsageError(`--jobs ${raw} is out of range (-${MAX_JOBS} to ${MAX_JOBS})`);
      }
      args.jobs = n;
      continue;
    }
    if (word === '-D' || word === '--development') {
      const mode = optionalValue();
      if (mode === '') throw new UsageError(`${word}= needs a mode name (or no "=")`);
      args.development = mode ?? true;
      continue;
    }
    if (word === '-L' || word === '--local-sources') {
      const v = optionalValue();
      args.localSources ??= [];
      if (v === undefined) args.localSources.push(true);
      else {
        // PKG:DIR or releng-tool's PKG@DIR (the first separator wins)
        const sep = /[:@]/.exec(v)?.index ?? -1;
        const entry =
          sep > 0 ? { pkg: v.slice(0, sep), dir: v.slice(sep + 1) } : { pkg: '', dir: v };
        // releng-tool: `-L PKG@` (nothing after @) clears that package's entry
        if (entry.dir === '' && entry.pkg !== '' && v[sep] === '@') entry.dir = 'unset';
        if (entry.dir === '') {
          throw new UsageError(`${word} "${v}" names no folder`, {
            hint: 'write -L DIR, -L PKG:DIR, -L PKG:unset or -L unset',
          });
        }
        args.localSources.push(entry);
      }
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      unknown.push(inline !== undefined ? `${word}=${inline}` : word);
      continue;
    }
    if (KEY_VALUE.test(word)) {
      const eq = word.indexOf('=');
      args.variables[word.slice(0, eq)] = word.slice(eq + 1);
      continue;
    }
    positional.push(word);
  }
  args.action = positional[0];
  args.extra = positional.slice(1);
  if (args.outDir === undefined && outputDir !== undefined) args.outDir = outputDir;
  checkUnknown(args, unknown, env);
  checkValues(args);
  return args;
}

/**
 * Unknown options: refused (exit 1, as releng-tool), unless RELENG_IGNORE_UNKNOWN_ARGS
 * is set (ignored silently) or --relaxed-args is given (warned about; still
 * refused under --werror).
 */
function checkUnknown(args: CliArgs, unknown: string[], env: NodeJS.ProcessEnv): void {
  if (unknown.length === 0) return;
  if (env.RELENG_IGNORE_UNKNOWN_ARGS !== undefined) return;
  if (args.relaxedArgs && !args.werror) {
    args.ignoredOptions = unknown;
    return;
  }
  const first = unknown[0]!;
  throw new UsageError(
    `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(' ')}${unknown.length === 1 ? suggestOption(first.split('=')[0]!) : ''}`,
    { hint: 'see releng --help (or pass --relaxed-args to only warn)' },
    1,
  );
}

/**
 * ` (did you mean "--json"?)` for a mistyped option: long options are
 * compared with long ones, and `-json` (one dash) with `--json`. Short
 * options are too close to each other for a guess to help.
 */
function suggestOption(word: string): string {
  const long = [
    ...Object.keys(FLAGS),
    ...Object.keys(VALUES),
    '--jobs',
    '--development',
    '--local-sources',
    '--profile',
    '--quirk',
    '--success-exit-code',
    '--output-dir',
  ].filter((o) => o.startsWith('--'));
  if (word.startsWith('--')) return didYouMean(word, long);
  return word.length > 2 ? didYouMean(`-${word}`, long) : '';
}

/** Options that belong to one action only. */
const ACTION_ONLY: ReadonlyArray<[keyof CliArgs, string, string]> = [
  ['source', '--source', 'package'],
  ['out', '--out', 'package'],
];

/** Values whose mistakes are known before the project loads: usage errors (exit 2), not run failures. */
function checkValues(args: CliArgs): void {
  if (args.sbomFormat !== undefined) {
    try {
      sbomFormats(args.sbomFormat);
    } catch (err) {
      const e = err as RelengError;
      throw new UsageError(`--sbom-format: ${e.message}`, { hint: e.details.hint });
    }
  }
  for (const [key, option, action] of ACTION_ONLY) {
    if (args[key] !== undefined && args.action !== action) {
      throw new UsageError(`${option} is an option of "releng ${action}" only`, {
        hint: key === 'out' ? 'the build output folder is --out-dir' : undefined,
      });
    }
  }
}

export const HELP = `releng — build a project from sources to installable releases

usage: releng [options] [action] [KEY=VALUE ...] [-- args for scripts]

actions (none = build everything):
  clean               remove build output (keeps downloads, cache and images)
  distclean           remove all output, downloads and cache
  mrproper            remove all output (keeps downloads and cache)
  punch               build everything, re-running every stage
  printpkgs           list the project's packages in build order
  fetch | fetch-full | extract | patch
                      take every package up to that stage
  licenses            collect license files and write output/licenses/licenses
  sbom                write the SBOM files (output/sbom.*)
  init                create a new native project in the root directory
  help [GROUP]        print this help (or that of a command group below)
  package FILE [--source DIR] [--out DIR]
                      write the .deb/.rpm/archives a packaging description
                      (JSON or YAML, see docs/outputs.md) asks for, from DIR
                      (default: current directory) into --out (default: .)
  <pkg>               build one package (and its dependencies)
  <pkg>-clean | -distclean | -fresh
  <pkg>-fetch | -extract | -patch | -configure | -build | -install
  <pkg>-rebuild | -rebuild-only | -reconfigure | -reconfigure-only | -reinstall
  <pkg>-exec "<cmd>"  run a command in the package's build directory
  <pkg>-printvars     print the package's settings
  <pkg>-license       collect one package's license files

options:
  -R, --root-dir DIR  project root (default: current directory)
  --out-dir DIR       output directory (default: <root>/output)
  --dl-dir DIR        download directory (default: <root>/dl)
  --cache-dir DIR     cache directory (default: <root>/cache)
  --images-dir DIR    images directory (default: <out>/images)
  -j, --jobs N        parallel jobs (0 = one per core, -N = cores minus N)
  -D, --development [MODE]
                      development mode (remembered; "unset" leaves it)
  -L, --local-sources [[PKG:]DIR]
                      build internal packages from local checkouts (remembered; "unset" leaves it)
  --only-mirror       download only from the project's url_mirror
  --sbom-format LIST  SBOM formats (comma-separated): text, html, json-spdx, json-cyclonedx,
                      csv, json, xml, rdf-spdx, xml-cyclonedx, or all
  -P, --profile NAME  a profile for the project's scripts (repeatable; RELENG_PROFILES)
  --config FILE       the project configuration file (default: releng-tool.rt, ...)
  --assets-dir DIR    cache and downloads in DIR/cache and DIR/dl
  --quirk NAME        enable a releng-tool quirk (repeatable; --help-quirks lists them)
  --success-exit-code N
                      exit with N when the run succeeds
  --relaxed-args      warn about unknown options instead of failing
                      (RELENG_IGNORE_UNKNOWN_ARGS=1 ignores them silently)
  -F, --force         re-run stages even when done
  -W, --werror        treat warnings as errors
  --json              print one JSON event per line instead of text
  --debug, --debug-extended, -V/--verbose, -q/--quiet, --api
  --nocolorout        no colours (also NO_COLOR=1; FORCE_COLOR=1 forces them)
  --no-cache          re-evaluate every definition (ignore the project cache)
  --python PATH       Python interpreter for releng-tool projects (default python3)
  --version, -h/--help
`;

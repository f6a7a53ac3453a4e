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
}

/**
 * A command-line mistake (unknown option, bad value, missing word): exit
 * code 2. A RelengError, so it prints the same way, hint included. Also
 * used by `releng repo` / `releng key` (src/repository/cli.ts).
 */
export class UsageError extends RelengError {
  constructor(message: string, details: RelengErrorDetails = {}) {
    super(message, { hint: 'see releng --help', ...details });
    this.name = 'UsageError';
  }
}

const FLAGS: Record<string, keyof CliArgs> = {
  '--debug': 'debug',
  '--verbose': 'verbose',
  '-V': 'verbose',
  '--quiet': 'quiet',
  '-q': 'quiet',
  '--nocolorout': 'noColor',
  '--no-color': 'noColor',
  '--werror': 'werror',
  '-W': 'werror',
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

/** Parses argv (without node and the script). */
export function parseArgs(argv: readonly string[]): CliArgs {
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
  };
  const positional: string[] = [];
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
        const colon = v.indexOf(':');
        const entry =
          colon > 0 ? { pkg: v.slice(0, colon), dir: v.slice(colon + 1) } : { pkg: '', dir: v };
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
      throw new UsageError(`unknown option ${word}${suggestOption(word)}`);
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
  checkValues(args);
  return args;
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
  help [repo | key]   print this help (or that of the repository commands)
  package FILE [--source DIR] [--out DIR]
                      write the .deb/.rpm/archives a packaging description
                      (JSON or YAML, see docs/outputs.md) asks for, from DIR
                      (default: current directory) into --out (default: .)
  repo ... | key ...  APT/YUM repositories and signing keys (releng repo --help)
  root ...            clean build roots: .deb/.rpm from sources (releng root --help)
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
  --sbom-format LIST  SBOM formats: text, html, json-spdx, json-cyclonedx (comma-separated)
  -F, --force         re-run stages even when done
  -W, --werror        treat warnings as errors
  --json              print one JSON event per line instead of text
  --debug, -V/--verbose, -q/--quiet
  --nocolorout        no colours (also NO_COLOR=1; FORCE_COLOR=1 forces them)
  --no-cache          re-evaluate every definition (ignore the project cache)
  --python PATH       Python interpreter for releng-tool projects (default python3)
  --version, -h/--help
`;

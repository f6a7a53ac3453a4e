import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HELP, parseArgs, UsageError } from './args.ts';
import { COMMAND_GROUPS, commandGroup, commandGroupWords } from './command-groups.ts';

/** releng's version, from package.json. */
export function relengVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // Command groups (repo, key, …) have their own grammar (src/cli/command-groups.ts).
  const groupArgv = groupCommandWords(argv);
  if (groupArgv) {
    try {
      const run = await (
        commandGroup(groupArgv[0]) as NonNullable<ReturnType<typeof commandGroup>>
      ).load();
      return await run(groupArgv);
    } catch (err) {
      // What a group does not report itself (an unexpected failure) is
      // printed like any other releng error, not as a stack dump.
      return reportUncaught(err, argv);
    }
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return reportUncaught(err, argv);
  }
  if (args.version) {
    process.stdout.write(`releng ${relengVersion()}\n`);
    return 0;
  }
  if (args.help || args.action === 'help') return help(args);
  // Everything below loads lazily so --version and --help stay fast.
  const root = resolve(args.rootDir ?? process.cwd());
  // A closed pipe (e.g. `releng printpkgs | head -1`) is not an error: stop writing.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  // The project's configuration, looked for once per run (undefined: none
  // there, which loading the project reports in its own words).
  const { findConfig } = await import('../project/find-config.ts');
  const config = await findConfig(root, args.config).catch(() => undefined);
  // Nothing changed since this command last had nothing to do: say so again
  // without loading the engine (engine/noop-record.ts).
  let noopKey: string | undefined;
  const { recordableCommand } = await import('./noop-command.ts');
  if (config && recordableCommand(args)) {
    const { noopRecordKey, replayNoop } = await import('../engine/noop-record.ts');
    const { projectDirs } = await import('../project/dirs.ts');
    const { dirOptions } = await import('./dir-options.ts');
    noopKey = noopRecordKey(argv, root);
    const code = replayNoop(projectDirs(root, dirOptions(args, root)).output, noopKey);
    if (code !== undefined) return code;
  }
  const { prestartPython } = await import('./prestart.ts');
  await prestartPython(args, root, config);
  const { runCli } = await import('./run-cli.ts');
  return runCli(args, root, config, noopKey);
}

/** Options of the main CLI that the command groups also take, so `releng -W repo add …` works. */
const SHARED_GROUP_OPTIONS = new Set(['-W', '--werror', '--json']);

/**
 * The words for a command group's runner when this is a group command, with
 * the shared options given before the group word moved after it; else undefined.
 */
function groupCommandWords(argv: readonly string[]): string[] | undefined {
  let i = 0;
  while (i < argv.length && SHARED_GROUP_OPTIONS.has(argv[i] as string)) i++;
  const group = argv[i];
  if (group === undefined || !commandGroup(group)) return undefined;
  const rest = argv.slice(i + 1);
  // Without a command the options alone would be read as one; show the help instead.
  if (rest.length === 0 && i > 0) return [group, '--help'];
  return [group, ...rest, ...argv.slice(0, i)];
}

/**
 * `--help`, `-h` and the `help` action: releng's usage, or with `help repo`
 * (any group word) that group's own.
 */
async function help(args: ReturnType<typeof parseArgs>): Promise<number> {
  const topic = args.action === 'help' ? args.extra[0] : undefined;
  const group = commandGroup(topic);
  if (group && args.extra.length === 1) return (await group.load())([topic as string, '--help']);
  if (topic !== undefined || args.extra.length > 1) {
    const { reportError } = await import('./errors.ts');
    const { didYouMean } = await import('../util/suggest.ts');
    const { colorWanted } = await import('./reporter.ts');
    return reportError(
      new UsageError(
        `no help on "${args.extra.join(' ')}"${didYouMean(topic ?? '', commandGroupWords())}`,
        {
          hint: `releng help, or releng help followed by one of: ${commandGroupWords().join(', ')}`,
        },
      ),
      {
        json: args.json,
        color: colorWanted(args.noColor, Boolean(process.stderr.isTTY)),
        cwd: process.cwd(),
      },
    );
  }
  process.stdout.write(HELP + groupsHelp());
  return 0;
}

/** The command groups' part of `releng --help`, from the registry so no group is left out. */
function groupsHelp(): string {
  const lines = COMMAND_GROUPS.map((g) => {
    const words = g.words.map((w) => `${w} ...`).join(' | ');
    return `  ${words.padEnd(18)}  ${g.summary}\n`;
  });
  return `\ncommand groups (releng GROUP --help, or releng help GROUP):\n${lines.join('')}`;
}

/** Prints a failure found before (or outside) a run, reading --json and colour from the raw words. */
async function reportUncaught(err: unknown, argv: readonly string[]): Promise<number> {
  const { reportError } = await import('./errors.ts');
  const { colorWanted } = await import('./reporter.ts');
  const words = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const noColor = words.includes('--no-color') || words.includes('--nocolorout');
  return reportError(err, {
    json: words.includes('--json'),
    color: colorWanted(noColor, Boolean(process.stderr.isTTY)),
    cwd: process.cwd(),
    debug: words.includes('--debug'),
  });
}

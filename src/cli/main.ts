import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HELP, parseArgs, UsageError } from './args.ts';

/** releng's version, from package.json. */
export function relengVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // Repository and key commands have their own grammar (docs/repositories.md).
  if (argv[0] === 'repo' || argv[0] === 'key') {
    const { runRepoCommand } = await import('../repository/cli.ts');
    return runRepoCommand([...argv]);
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`(error) ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.version) {
    process.stdout.write(`releng ${relengVersion()}\n`);
    return 0;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Everything below loads lazily so --version and --help stay fast.
  const root = resolve(args.rootDir ?? process.cwd());
  const { prestartPython } = await import('./prestart.ts');
  await prestartPython(args, root);
  const { runCli } = await import('./run-cli.ts');
  return runCli(args, root);
}

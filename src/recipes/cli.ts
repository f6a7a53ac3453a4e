import { UsageError } from '../cli/args.ts';
import type { RootArgs, RootCliIo } from '../roots/cli.ts';
import type { RootBackend } from '../roots/types.ts';

/** `releng root build NAME SOURCE…` (filled in by the recipes). */
export async function rootBuildCommand(
  _backend: RootBackend,
  _a: RootArgs,
  _io: RootCliIo,
  _print: (text: string, value: unknown) => void,
  _log: (line: string) => void,
): Promise<number> {
  throw new UsageError('root build is not available yet');
}

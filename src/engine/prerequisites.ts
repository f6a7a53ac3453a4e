import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { RelengError } from '../util/errors.ts';

/** Where found commands are noted while a run is watched (watchCommandLookups). */
let noted: Set<string> | undefined;

/**
 * Notes the file of every command found until the returned function is
 * called, which gives them: a re-run's tool checks pass while those files
 * are there (the no-op record stamps them).
 */
export function watchCommandLookups(): () => string[] {
  const mine = new Set<string>();
  noted = mine;
  return () => {
    if (noted === mine) noted = undefined;
    return [...mine];
  };
}

/** Whether a command can be run: an executable path, or a name found on PATH. */
export function commandExists(command: string, path = process.env.PATH ?? ''): boolean {
  const candidates =
    isAbsolute(command) || command.includes('/')
      ? [command]
      : path.split(delimiter).map((d) => join(d, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      noted?.add(candidate);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** The project's `prerequisites`: every tool must exist before anything runs. */
export function checkPrerequisites(
  tools: readonly string[],
  overrides: Readonly<Record<string, string>>,
  configFile: string,
): void {
  const missing = tools.filter((tool) => !commandExists(overrides[tool] ?? tool));
  if (missing.length > 0) {
    throw new RelengError(
      `missing host tool${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      {
        file: configFile,
        hint: 'the project lists them as prerequisites; install them or adjust override_tools',
      },
    );
  }
}

import type { ProjectModel } from '../project/model.ts';

/**
 * Environment variables that hold secrets releng itself needs (a signing
 * key's passphrase, named by a repository's `passphraseEnv`). They are taken
 * out of `process.env` before anything runs, so no stage, hook, post-build
 * step, tool or worker started by the run inherits them (a script printing
 * its environment, a build log, a core dump). The publishing step reads them
 * back from here.
 */
const withheld = new Map<string, string>();

/** The names of the project's secret variables (every repository's `passphraseEnv`). */
export function secretNames(project: ProjectModel): string[] {
  const repos = project.options.repositories as Array<Record<string, unknown>> | undefined;
  const names: string[] = [];
  for (const repo of repos ?? []) {
    const name = repo.passphraseEnv;
    if (typeof name === 'string' && name !== '') names.push(name);
  }
  return names;
}

/** Moves these variables out of the process environment, keeping their values for `secret`. */
export function withholdSecrets(names: readonly string[]): void {
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) withheld.set(name, value);
    delete process.env[name];
  }
}

/** A secret variable's value (withheld, or still in the environment). */
export function secret(name: string): string | undefined {
  return withheld.get(name) ?? process.env[name];
}

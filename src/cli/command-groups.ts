/**
 * Command groups with their own grammar (`releng repo …`, `releng key …`):
 * each is one registration line here, loaded only when its word is used so
 * a build run never pays for the other groups' imports.
 */

/**
 * Runs one group's command line. `argv[0]` is the group word; `[word, '--help']`
 * must print the group's help and resolve to 0. Resolves to the exit code.
 */
export type CommandGroupRunner = (argv: readonly string[]) => Promise<number>;

/** A command group: the words that select it and a lazy loader of its runner. */
export interface CommandGroup {
  /** The first words of the command line that select this group. */
  readonly words: readonly string[];
  /** One line for `releng --help`: what the group does. */
  readonly summary: string;
  /** Imports the group's module and returns its runner. */
  readonly load: () => Promise<CommandGroupRunner>;
}

/** Every command group; add one line to add a group. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    words: ['repo', 'key'],
    summary: 'APT/YUM repositories and signing keys (docs/repositories.md)',
    load: async () => (await import('../repository/cli.ts')).runRepoCommand,
  },
  {
    words: ['root'],
    summary: 'clean build roots; .deb/.rpm from source layouts (docs/roots.md)',
    load: async () => (await import('../roots/cli.ts')).runRootCommand,
  },
  {
    words: ['manifest'],
    summary: 'IPS manifests: fmt, mogrify, generate, resolve, lint, publish, pipeline',
    load: async () => (await import('../manifest/cli.ts')).runManifestCommand,
  },
  {
    words: ['release'],
    summary: 'version bump, changelog, signed commit and tag (docs/release.md)',
    load: async () => (await import('../release/cli.ts')).runReleaseCommand,
  },
];

/** The group selected by `word`, if any. */
export function commandGroup(word: string | undefined): CommandGroup | undefined {
  if (word === undefined) return undefined;
  return COMMAND_GROUPS.find((g) => g.words.includes(word));
}

/** Every group word, for suggestions and help. */
export function commandGroupWords(): string[] {
  return COMMAND_GROUPS.flatMap((g) => g.words);
}

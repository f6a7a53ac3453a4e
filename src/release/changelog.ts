/**
 * Release notes from Conventional Commits (`type(scope)!: subject`, with
 * `BREAKING CHANGE:` footers), grouped as a Markdown section; the same notes
 * feed the Debian and rpm changelog entries. Parsing is
 * conventional-commits-parser's (the conventional-changelog project's own).
 */
import { CommitParser } from 'conventional-commits-parser';

/** One commit as the changelog sees it. */
export interface ConventionalCommit {
  hash: string;
  /** `feat`, `fix`, …; undefined for a message that does not follow the convention. */
  type?: string;
  scope?: string;
  subject: string;
  breaking: boolean;
  /** Texts of `BREAKING CHANGE:` notes (or the subject, for `type!:`). */
  breakingNotes: string[];
}

const parser = new CommitParser({
  breakingHeaderPattern: /^(\w*)(?:\((.*)\))?!: (.*)$/,
  noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
});

/** Parses raw commit messages; release commits of releng itself are left out. */
export function parseCommits(
  raw: ReadonlyArray<{ hash: string; message: string }>,
  isReleaseCommit: (message: string) => boolean = () => false,
): ConventionalCommit[] {
  const out: ConventionalCommit[] = [];
  for (const { hash, message } of raw) {
    if (isReleaseCommit(message)) continue;
    const c = parser.parse(message);
    const notes = c.notes.filter((n) => /^BREAKING[ -]CHANGE$/.test(n.title)).map((n) => n.text);
    out.push({
      hash,
      type: c.type ?? undefined,
      scope: c.scope ?? undefined,
      subject: c.subject ?? c.header ?? message.split('\n')[0] ?? '',
      breaking: notes.length > 0,
      breakingNotes: notes,
    });
  }
  return out;
}

/** Section titles, in the order they are printed; other types go under "Other changes". */
const GROUPS: ReadonlyArray<[string, string]> = [
  ['feat', 'Features'],
  ['fix', 'Bug fixes'],
  ['perf', 'Performance'],
  ['revert', 'Reverts'],
  ['docs', 'Documentation'],
];
/** Types that are housekeeping: not listed unless breaking. */
const HIDDEN = new Set(['chore', 'ci', 'build', 'test', 'style', 'refactor']);

/** One line of notes: `scope: subject (abcdef1)`. */
function line(c: ConventionalCommit): string {
  return `${c.scope ? `**${c.scope}:** ` : ''}${c.subject} (${c.hash.slice(0, 7)})`;
}

/** Notes grouped by title, in print order (empty groups left out). */
export function groupNotes(commits: readonly ConventionalCommit[]): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  const add = (title: string, text: string) =>
    groups.set(title, [...(groups.get(title) ?? []), text]);
  for (const c of commits) {
    for (const note of c.breakingNotes)
      add('Breaking changes', `${c.scope ? `**${c.scope}:** ` : ''}${note}`);
    const group = GROUPS.find(([t]) => t === c.type)?.[1];
    if (group) add(group, line(c));
    else if (!HIDDEN.has(c.type ?? '') || c.breaking) add('Other changes', line(c));
  }
  const order = ['Breaking changes', ...GROUPS.map(([, t]) => t), 'Other changes'];
  return order.filter((t) => groups.has(t)).map((t) => [t, groups.get(t) as string[]]);
}

/** The Markdown section of one release. */
export function markdownSection(
  version: string,
  date: Date,
  commits: readonly ConventionalCommit[],
): string {
  const groups = groupNotes(commits);
  let out = `## ${version} (${date.toISOString().slice(0, 10)})\n`;
  if (groups.length === 0) out += '\nNo notable changes.\n';
  for (const [title, lines] of groups)
    out += `\n### ${title}\n\n${lines.map((l) => `- ${l}\n`).join('')}`;
  return out;
}

const MD_HEADER = '# Changelog\n';

/** CHANGELOG.md with the new section on top (after the `# Changelog` title). */
export function prependMarkdown(existing: string | undefined, section: string): string {
  if (existing === undefined || existing.trim() === '') return `${MD_HEADER}\n${section}`;
  const m = /^# .*\n+/.exec(existing);
  if (m) return `${existing.slice(0, m[0].length)}${section}\n${existing.slice(m[0].length)}`;
  return `${section}\n${existing}`;
}

/** Plain one-line notes for Debian and rpm changelog entries (no Markdown). */
export function plainNotes(commits: readonly ConventionalCommit[]): string[] {
  const notes = groupNotes(commits).flatMap(([title, lines]) =>
    lines.map(
      (l) => `${title === 'Breaking changes' ? 'BREAKING: ' : ''}${l.replace(/\*\*/g, '')}`,
    ),
  );
  return notes.length > 0 ? notes : ['New release.'];
}

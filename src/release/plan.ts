/**
 * The release plan: pure data computed from facts about the repository and
 * the configuration — no disk, no git — so it can be printed (`--dry-run`),
 * tested, and replayed after a crash. {@link gatherFacts} (facts.ts) reads
 * what it needs; apply.ts carries it out.
 */
import { createTwoFilesPatch } from 'diff';
import { RelengError } from '../util/errors.ts';
import { maskCredentials } from '../util/redact.ts';
import { BUMP_FORMATS } from './bump/index.ts';
import { markdownSection, parseCommits, plainNotes, prependMarkdown } from './changelog.ts';
import { fill, type ReleaseSigning, type ResolvedReleaseConfig } from './config.ts';
import { nextVersion, type VersionRequest } from './version.ts';

/** What the plan needs to know about the working tree. */
export interface RepoFacts {
  /** Current branch; undefined on a detached HEAD. */
  branch?: string;
  /** HEAD commit; undefined before the first commit. */
  head?: string;
  /** Paths `git status` lists (modified, staged, untracked). */
  changed: string[];
  /** Every tag name. */
  tags: string[];
  /** The last release tag reachable from HEAD. */
  lastTag?: string;
  /** Commits since that tag, oldest first. */
  commits: Array<{ hash: string; message: string }>;
  /** Content of each file the plan may edit (undefined: missing). */
  files: Record<string, string | undefined>;
  /** The date entries get (SOURCE_DATE_EPOCH when set). */
  date: Date;
  /** `Name <email>` for changelog entries. */
  maintainer?: string;
}

/** What the user asked for on the command line. */
export interface PlanRequest {
  /** Exact version or a step (default `auto`: from the commits). */
  version: VersionRequest;
  /** Pre-release identifier for pre* steps (`rc`). */
  preid?: string;
  /** The version now, when neither a tag nor a file says it. */
  currentVersion?: string;
  /** Push the branch and tag to this remote afterwards. */
  push?: string;
}

/** A reason the release cannot go ahead. */
export interface Refusal {
  message: string;
  hint?: string;
}

/** One file edit. */
export interface FileEdit {
  path: string;
  /** Content before (undefined: the file is new). */
  before: string | undefined;
  after: string;
}

/** Everything a release will do, in order. */
export interface ReleasePlan {
  current: string;
  next: string;
  tag: string;
  /** The commit the release starts from. */
  base: string;
  branch: string;
  commitMessage: string;
  tagMessage: string;
  edits: FileEdit[];
  sign: ReleaseSigning;
  /** What goes into the release folder and where it is uploaded (after the tag). */
  dist: { dir: string; artifacts: string[]; bundles: string[]; uploads: string[] };
  push?: string;
  /** The Markdown notes of this release. */
  notes: string;
  /** Reasons not to go ahead; empty when the release may be applied. */
  refusals: Refusal[];
}

/** The version a tag names under the tag format, or undefined when it is not a release tag. */
export function versionOfTag(tag: string, tagFormat: string): string | undefined {
  const [pre, post] = tagFormat.split('{version}') as [string, string];
  if (!tag.startsWith(pre) || !tag.endsWith(post) || tag.length <= pre.length + post.length)
    return undefined;
  return tag.slice(pre.length, tag.length - post.length);
}

/** The glob `git describe --match` takes for the tag format. */
export function tagGlob(tagFormat: string): string {
  return fill(tagFormat, '*');
}

/** Computes the plan. Throws a RelengError when no plan can be made at all (bad version, a file that cannot be bumped exactly). */
export function makePlan(
  config: ResolvedReleaseConfig,
  facts: RepoFacts,
  request: PlanRequest,
): ReleasePlan {
  const refusals: Refusal[] = [];
  if (facts.head === undefined)
    throw new RelengError('the repository has no commit yet', { hint: 'commit the project first' });
  if (facts.branch === undefined)
    refusals.push({
      message: 'HEAD is detached',
      hint: `check out the release branch (${config.branches.join(', ')}) first`,
    });
  else if (!config.branches.includes(facts.branch))
    refusals.push({
      message: `branch "${facts.branch}" is not a release branch (${config.branches.join(', ')})`,
      hint: 'check out a release branch, or list this one in release.branches / --branch',
    });
  if (facts.changed.length > 0)
    refusals.push({
      message: `the working tree has uncommitted changes: ${facts.changed.slice(0, 5).join(', ')}${facts.changed.length > 5 ? ', …' : ''}`,
      hint: 'commit or remove them first: a release is made from committed sources only (build folders such as output/, dl/ and cache/ belong in .gitignore)',
    });

  const current = request.currentVersion ?? currentVersion(config, facts);
  const isRelease = (m: string) => {
    const [pre, post] = config.commitMessage.split('{version}') as [string, string];
    const first = m.split('\n')[0] ?? '';
    return first.startsWith(pre) && first.endsWith(post) && first.length > pre.length + post.length;
  };
  const commits = parseCommits(facts.commits, isRelease);
  const next = nextVersion(current, request.version, commits, request.preid, facts.date);
  if (commits.length === 0 && request.version === 'auto')
    refusals.push({
      message: `nothing to release: no commits since ${facts.lastTag ?? 'the start'}`,
      hint: 'commit the changes first, or name the version to release anyway',
    });
  const tag = fill(config.tagFormat, next);
  if (facts.tags.includes(tag))
    refusals.push({ message: `tag ${tag} exists already`, hint: 'choose another version' });

  const notes = markdownSection(next, facts.date, commits);
  const maintainer = facts.maintainer ?? 'releng <releng@localhost>';
  const edits: FileEdit[] = [];
  for (const f of config.files) {
    const format = BUMP_FORMATS[f.format];
    if (!format)
      throw new RelengError(`release: unknown format "${f.format}" for ${f.path}`, {
        hint: `one of ${Object.keys(BUMP_FORMATS).join(', ')}`,
      });
    const before = editedContent(edits, f.path, facts);
    if (before === undefined)
      throw new RelengError(`release: ${f.path} does not exist`, {
        file: f.path,
        hint: 'fix the path in release.files (relative to the project root)',
      });
    const after = format.apply(before, {
      path: f.path,
      current,
      next,
      count: f.count,
      search: f.search,
      replace: f.replace,
      notes: plainNotes(commits),
      date: facts.date,
      maintainer,
    });
    setEdit(edits, f.path, facts.files[f.path], after);
  }
  if (config.changelog !== false) {
    const before = editedContent(edits, config.changelog, facts);
    setEdit(edits, config.changelog, facts.files[config.changelog], prependMarkdown(before, notes));
  }
  return {
    current,
    next,
    tag,
    base: facts.head,
    branch: facts.branch ?? 'HEAD',
    commitMessage: fill(config.commitMessage, next),
    tagMessage: `Release ${next}\n\n${notes}`,
    edits,
    sign: config.sign,
    dist: {
      dir: `${config.outputDir}/${next}`,
      artifacts: config.artifacts,
      bundles: config.bundles.map(
        (b) =>
          `${b.type} (${(b.formats ?? [b.type === 'python' ? 'tar.bz2' : 'tar.gz']).join(', ')})`,
      ),
      uploads: config.uploads.map(describeUpload),
    },
    push: request.push,
    notes,
    refusals,
  };
}

function editedContent(edits: FileEdit[], path: string, facts: RepoFacts): string | undefined {
  return edits.find((e) => e.path === path)?.after ?? facts.files[path];
}

function setEdit(edits: FileEdit[], path: string, before: string | undefined, after: string): void {
  const i = edits.findIndex((e) => e.path === path);
  if (i >= 0) edits[i] = { path, before, after };
  else edits.push({ path, before, after });
}

/** The current version: the last release tag, else the first file that states one. */
function currentVersion(config: ResolvedReleaseConfig, facts: RepoFacts): string {
  if (facts.lastTag !== undefined) {
    const v = versionOfTag(facts.lastTag, config.tagFormat);
    if (v !== undefined) return v;
  }
  for (const f of config.files) {
    const content = facts.files[f.path];
    const read = BUMP_FORMATS[f.format]?.read;
    const v = content !== undefined && read ? read(content, f.path) : undefined;
    if (v !== undefined) return v;
  }
  throw new RelengError('cannot tell the current version: no release tag and no file states it', {
    hint: 'pass --current-version X.Y.Z, or list a package.json / pyproject.toml / … in release.files',
  });
}

/** The plan as text: versions, every edit as a unified diff, the commit, the tag. */
export function formatPlan(plan: ReleasePlan): string {
  const lines = [
    `release ${plan.current} → ${plan.next} on ${plan.branch} (from ${plan.base.slice(0, 12)})`,
    '',
  ];
  for (const e of plan.edits) {
    lines.push(
      createTwoFilesPatch(
        e.before === undefined ? '/dev/null' : `a/${e.path}`,
        `b/${e.path}`,
        e.before ?? '',
        e.after,
        undefined,
        undefined,
        { context: 2 },
      )
        .replace(/^=+\n/, '')
        .trimEnd(),
    );
  }
  const signed =
    plan.sign === false
      ? 'unsigned'
      : 'gpg' in plan.sign
        ? 'signed with gpg'
        : `signed with ${plan.sign.key}`;
  lines.push(
    '',
    `commit: ${plan.commitMessage} (${signed})`,
    `tag:    ${plan.tag} (annotated, ${signed})`,
  );
  lines.push(
    `folder: ${plan.dist.dir}/ with SHA256SUMS${plan.sign === false ? '' : ' + SHA256SUMS.asc'}, SBOM, provenance`,
  );
  if (plan.dist.artifacts.length) lines.push(`  artifacts: ${plan.dist.artifacts.join(', ')}`);
  if (plan.dist.bundles.length) lines.push(`  bundles:   ${plan.dist.bundles.join('; ')}`);
  for (const u of plan.dist.uploads) lines.push(`upload: ${u}`);
  if (plan.push) lines.push(`push:   ${plan.branch} and ${plan.tag} to ${plan.push}`);
  for (const r of plan.refusals) lines.push(`refused: ${r.message}${r.hint ? ` (${r.hint})` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** One line per upload target, with no credentials. */
function describeUpload(u: { type: string; [k: string]: unknown }): string {
  const where = u.url ?? u.dir ?? u.path ?? (u.type === 'directory' ? '$RELEASE_DIR' : '');
  return maskCredentials(`${u.type} ${String(where)}`.trim());
}

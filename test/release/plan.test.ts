/**
 * The pure parts: every bump format on its own, version steps, grouped
 * notes, and a whole plan made from facts with no disk and no git.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUMP_FORMATS, type BumpContext } from '../../src/release/bump/index.ts';
import { groupNotes, parseCommits } from '../../src/release/changelog.ts';
import { resolveReleaseConfig } from '../../src/release/config.ts';
import { formatPlan, makePlan, type RepoFacts } from '../../src/release/plan.ts';
import { nextVersion } from '../../src/release/version.ts';
import type { RelengError } from '../../src/util/errors.ts';

const ctx = (over: Partial<BumpContext> = {}): BumpContext => ({
  path: 'f',
  current: '1.2.3',
  next: '1.3.0',
  count: 1,
  notes: ['a change'],
  date: new Date(Date.UTC(2026, 11, 3, 6, 0, 0)),
  maintainer: 'Rel Eng <releng@example.invalid>',
  ...over,
});
const apply = (format: string, text: string, over: Partial<BumpContext> = {}) =>
  (BUMP_FORMATS[format] as NonNullable<(typeof BUMP_FORMATS)[string]>).apply(
    text,
    ctx({ path: format, ...over }),
  );

describe('bump formats', () => {
  it('package.json: only the top-level version, formatting kept', () => {
    const text =
      '{\n  "name": "x",\n  "config": { "version": "1.2.3" },\n  "version":   "1.2.3",\n  "deps": {"a": "1.2.3"}\n}\n';
    assert.equal(
      apply('package.json', text),
      text.replace('"version":   "1.2.3"', '"version":   "1.3.0"'),
    );
    assert.throws(() => apply('package.json', '{ "name": "x" }'), /no top-level "version"/);
    assert.throws(
      () => apply('package.json', '{ "version": "9.0.0" }'),
      /says version 9\.0\.0, expected 1\.2\.3/,
    );
  });
  it('pyproject.toml and setup.cfg: the key of their section only', () => {
    const py = '[tool.x]\nversion = "1.2.3"\n[project]\nname = "p"\nversion = "1.2.3"  # here\n';
    assert.equal(
      apply('pyproject.toml', py),
      py.replace('version = "1.2.3"  # here', 'version = "1.3.0"  # here'),
    );
    assert.throws(
      () => apply('pyproject.toml', '[project]\nname = "p"\ndynamic = ["version"]\n'),
      (e: RelengError) => /dynamic/.test(e.details.hint ?? ''),
    );
    const cfg = '[options]\nversion = 1.2.3\n[metadata]\nname = p\nversion = 1.2.3\n';
    assert.equal(
      apply('setup.cfg', cfg),
      '[options]\nversion = 1.2.3\n[metadata]\nname = p\nversion = 1.3.0\n',
    );
  });
  it('releng.config.ts: the expected number of version properties', () => {
    const ts =
      "outputs: [{ name: 'a', version: '1.2.3' }, { name: 'b', version: '1.2.3' }, { name: 'c', version: '0.9' }]";
    assert.throws(() => apply('releng.config.ts', ts), /occurs 2 times, expected 1/);
    assert.equal(apply('releng.config.ts', ts, { count: 2 }), ts.replaceAll("'1.2.3'", "'1.3.0'"));
  });
  it('debian/changelog: a new entry, revision reset, epoch and native kept; pre-releases sort first', () => {
    const deb =
      'pk (2:1.2.3-4) bookworm; urgency=low\n\n  * old\n\n -- A <a@b>  Mon, 01 Dec 2025 00:00:00 +0000\n';
    assert.equal(
      apply('debian/changelog', deb, { next: '1.3.0-rc.1' }).split('\n\n -- ')[0],
      'pk (2:1.3.0~rc.1-1) bookworm; urgency=medium\n\n  * a change',
    );
    assert.match(
      apply('debian/changelog', deb),
      / -- Rel Eng <releng@example\.invalid> {2}Thu, 03 Dec 2026 06:00:00 \+0000\n\npk \(2:1\.2\.3-4\)/,
    );
    assert.match(
      apply('debian/changelog', 'nn (1.2.3) unstable; urgency=medium\n'),
      /^nn \(1\.3\.0\) unstable/,
    );
  });
  it('rpm spec: Version, Release reset, %changelog entry; a macro Version is refused', () => {
    const spec =
      'Version:  1.2.3\nRelease:  7%{?dist}\n%changelog\n* Mon Dec 01 2025 A <a@b> - 1.2.3-7\n- old\n';
    const out = apply('rpm-spec', spec);
    assert.match(
      out,
      /^Version: {2}1\.3\.0\nRelease: {2}1%\{\?dist\}\n%changelog\n\* Thu Dec 03 2026 Rel Eng <releng@example\.invalid> - 1\.3\.0-1\n- a change\n\n\* Mon/,
    );
    assert.throws(() => apply('rpm-spec', 'Version: %{upstream}\n'), /macro/);
  });
  it('pattern: exactly count occurrences', () => {
    assert.equal(
      apply('pattern', 'V = "1.2.3"\nW = "1.2.3"\n', { search: 'V = "{version}"' }),
      'V = "1.3.0"\nW = "1.2.3"\n',
    );
    assert.throws(
      () => apply('pattern', 'x', { search: 'V = "{version}"' }),
      /matches 0 times, expected 1/,
    );
  });
});

describe('versions and notes', () => {
  const commits = parseCommits([
    { hash: 'a'.repeat(40), message: 'feat(api)!: drop v1\n\nBREAKING CHANGE: v1 is gone' },
    { hash: 'b'.repeat(40), message: 'fix: typo' },
    { hash: 'c'.repeat(40), message: 'chore: deps' },
    { hash: 'd'.repeat(40), message: 'just words' },
  ]);
  it('steps from commits; 0.x breaking is minor; pre-releases and exact versions', () => {
    assert.equal(nextVersion('1.2.3', 'auto', commits), '2.0.0');
    assert.equal(nextVersion('0.4.1', 'auto', commits), '0.5.0');
    assert.equal(nextVersion('1.2.3', 'auto', commits.slice(1)), '1.2.4');
    assert.equal(nextVersion('1.2.3', 'preminor', [], 'rc'), '1.3.0-rc.0');
    assert.equal(nextVersion('1.3.0-rc.0', 'auto', commits), '1.3.0-rc.1');
    assert.equal(nextVersion('1.3.0-rc.1', '1.3.0', []), '1.3.0');
    assert.throws(() => nextVersion('1.3.0', '1.3.0-rc.2', []), /does not increase/);
    assert.throws(
      () => nextVersion('1.3.0', 'banana', []),
      /neither a semantic version nor a step/,
    );
    const dec = new Date(Date.UTC(2026, 11, 3));
    assert.equal(nextVersion('1.3.0', 'calver', [], undefined, dec), '2026.12.0');
    assert.equal(nextVersion('2026.12.0', 'calver', [], undefined, dec), '2026.12.1');
    assert.equal(nextVersion('2026.11.4', 'calver', [], undefined, dec), '2026.12.0');
    assert.throws(() => nextVersion('2027.1.0', 'calver', [], undefined, dec), /does not increase/);
  });
  it('groups: breaking first, housekeeping hidden, unconventional under other changes', () => {
    assert.deepEqual(
      groupNotes(commits).map(([t, l]) => [t, l.length]),
      [
        ['Breaking changes', 1],
        ['Features', 1],
        ['Bug fixes', 1],
        ['Other changes', 1],
      ],
    );
  });
});

describe('config', () => {
  it('says what is wrong and what to do', () => {
    const bad = (raw: unknown, re: RegExp) =>
      assert.throws(
        () => resolveReleaseConfig(raw, 'releng.config.ts'),
        (e: RelengError) => re.test(e.message) && e.details.file === 'releng.config.ts',
      );
    bad({ files: [{ path: 'v.py' }] }, /v\.py\) needs a "search" text containing \{version\}/);
    bad({ files: [{ path: 'package.json', count: 0 }] }, /count must be a whole number/);
    bad({ tagFormat: 'release' }, /tagFormat must contain \{version\}/);
    bad({ name: '../x' }, /name "\.\.\/x" cannot name files/);
    bad({ bundles: [{ formats: ['zip'] }] }, /bundles must be a list of objects with a "type"/);
    bad({ sign: { password: 'x' } }, /sign must be false/);
    bad({ file: [] }, /unknown key "file" \(did you mean "files"\?\)/);
    assert.equal(
      resolveReleaseConfig({ files: [{ path: 'pkg/app.spec' }] }).files[0]?.format,
      'rpm-spec',
    );
  });
});

describe('plan', () => {
  const facts = (over: Partial<RepoFacts> = {}): RepoFacts => ({
    branch: 'main',
    head: 'e'.repeat(40),
    changed: [],
    tags: ['v1.2.3'],
    lastTag: 'v1.2.3',
    commits: [{ hash: 'f'.repeat(40), message: 'feat: new thing' }],
    files: { 'package.json': '{ "version": "1.2.3" }\n', 'CHANGELOG.md': undefined },
    date: new Date(Date.UTC(2026, 0, 2)),
    maintainer: 'A <a@b>',
    ...over,
  });
  const config = resolveReleaseConfig({
    files: [{ path: 'package.json' }],
    uploads: [{ type: 'webdav', url: 'https://user:pw@dav.example/releases/' }],
  });
  it('is pure data: versions, edits, commit, tag, release folder, uploads (no credentials)', () => {
    const plan = makePlan(config, facts(), { version: 'auto' });
    assert.equal(plan.next, '1.3.0');
    assert.equal(plan.tag, 'v1.3.0');
    assert.deepEqual(
      plan.edits.map((e) => e.path),
      ['package.json', 'CHANGELOG.md'],
    );
    assert.deepEqual(plan.refusals, []);
    const text = formatPlan(plan);
    assert.match(text, /\+# Changelog/);
    assert.match(
      text,
      /upload: webdav https:\/\/\*\*\*@dav\.example\/releases\/|upload: webdav https:\/\/[^ ]*dav\.example/,
    );
    assert.doesNotMatch(text, /:pw@/);
  });
  it('lists every refusal', () => {
    const plan = makePlan(
      config,
      facts({ branch: undefined, changed: ['x'], tags: ['v1.2.3', 'v1.3.0'] }),
      { version: 'auto' },
    );
    assert.deepEqual(
      plan.refusals.map((r) => r.message.split(':')[0]),
      ['HEAD is detached', 'the working tree has uncommitted changes', 'tag v1.3.0 exists already'],
    );
  });
});

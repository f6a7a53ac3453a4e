/** A git project to release from: real git, a fixed identity, no user config. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { makeProject } from '../helpers.ts';
import { tempDir } from '../tmp.ts';

/** Environment for git and releng in tests: no global config, fixed identity and dates. */
export function gitEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, 'gitconfig'),
    GIT_AUTHOR_NAME: 'Rel Eng',
    GIT_AUTHOR_EMAIL: 'releng@example.invalid',
    GIT_COMMITTER_NAME: 'Rel Eng',
    GIT_COMMITTER_EMAIL: 'releng@example.invalid',
    SOURCE_DATE_EPOCH: '1764748800',
    ...extra,
  };
}

export function git(cwd: string, env: Record<string, string>, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
}

export const PROJECT_FILES: Record<string, string> = {
  '.gitignore': 'output/\n',
  'releng.config.ts': `import { defineProject } from 'releng';
export default defineProject({
  packages: [],
  release: {
    files: [
      { path: 'package.json' },
      { path: 'pyproject.toml' },
      { path: 'src/demo/__init__.py', search: '__version__ = "{version}"' },
      { path: 'debian/changelog' },
      { path: 'demo.spec' },
    ],
  },
});
`,
  'package.json': `{\n  "name": "demo",\n  "version": "1.2.3",\n  "dependencies": { "left-pad": "1.2.3" }\n}\n`,
  'pyproject.toml': `[project]\nname = "demo"\nversion = "1.2.3"\ndependencies = ["other==1.2.3"]\n\n[tool.other]\nversion = "1.2.3"\n`,
  'src/demo/__init__.py': `__version__ = "1.2.3"\nMIN_OTHER = "1.2.3"\n`,
  'debian/changelog': `demo (1.2.3-2) unstable; urgency=medium\n\n  * Old entry.\n\n -- Rel Eng <releng@example.invalid>  Mon, 01 Dec 2025 00:00:00 +0000\n`,
  'demo.spec': `Name: demo\nVersion: 1.2.3\nRelease: 3%{?dist}\nSummary: demo\nLicense: MIT\n\n%description\ndemo\n\n%changelog\n* Mon Dec 01 2025 Rel Eng <releng@example.invalid> - 1.2.3-3\n- Old entry.\n`,
};

/** A repository at v1.2.3 with a feature and a fix committed after the tag. */
export async function releaseRepo(files: Record<string, string> = PROJECT_FILES) {
  if (!('.gitignore' in files)) files = { ...files, '.gitignore': 'output/\n' };
  const home = tempDir('releng-home-');
  const env = gitEnv(home);
  const root = await makeProject(files);
  git(root, env, 'init', '-q', '-b', 'main');
  git(root, env, 'add', '-A');
  git(root, env, 'commit', '-q', '-m', 'chore: start');
  git(root, env, 'tag', '-a', '-m', 'v1.2.3', 'v1.2.3');
  git(root, env, 'commit', '-q', '--allow-empty', '-m', 'feat(cli): add the frobnicate command');
  git(
    root,
    env,
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'fix: do not crash on empty input\n\nCloses #4',
  );
  return { root, home, env };
}

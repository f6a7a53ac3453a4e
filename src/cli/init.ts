import { appendFile, lstat, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';

/** What `releng init` did: files it created, and an existing .gitignore it added lines to. */
export interface InitResult {
  created: string[];
  /** Set when an existing .gitignore was kept and got releng's missing lines. */
  gitignoreAppended?: string[];
}

/** The folders releng writes into a project root, as .gitignore lines. */
export const GITIGNORE_LINES = ['/cache/', '/dl/', '/output/'] as const;

/** The two project formats `init` can write. */
export type InitFormat = 'native' | 'releng-tool';

const NATIVE_FILES: Record<string, string> = {
  'releng.config.ts': `import { defineProject } from 'releng';

export default defineProject({
  packages: ['hello'],
});
`,
  'package/hello/hello.ts': `import { definePackage } from 'releng';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export default definePackage({
  version: '1.0.0',
  internal: true,
  async build(ctx) {
    ctx.log(\`building \${ctx.name} \${ctx.version} with \${ctx.jobs} job(s)\`);
  },
  async install(ctx) {
    for (const root of ctx.installDirs) {
      const dir = join(root, ctx.prefix, 'share', ctx.name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'hello.txt'), 'hello from releng\\n');
    }
  },
});
`,
};

// releng-tool's layout (the files its own `init` creates): a project file
// listing one package, and that package's definition with its options
// commented out, showing where a package's settings go.
const RELENG_TOOL_FILES: Record<string, string> = {
  'releng-tool.rt': `# The packages this project builds, each a folder under package/.
packages = [
    'sample',
]
`,
  'package/sample/sample.rt': `# The sample package: uncomment and fill in what it needs. With nothing set
# it has no sources and nothing to build, so the project runs as it is.
#SAMPLE_VERSION = '1.0'
#SAMPLE_SITE = 'https://example.com/sample-1.0.tar.gz'
#SAMPLE_TYPE = 'make'
#SAMPLE_LICENSE = ['MIT']
#SAMPLE_LICENSE_FILES = ['LICENSE']
#SAMPLE_NEEDS = []
`,
};

/**
 * The format `init` writes when not told: releng-tool's when releng was started
 * under that name (the `releng-tool` command this package installs), so a
 * releng-tool user's `releng-tool init` gives what releng-tool gives; releng's
 * native format otherwise.
 */
export function defaultInitFormat(argv1: string | undefined = process.argv[1]): InitFormat {
  return argv1 && /^releng-tool(\.[cm]?js)?$/.test(basename(argv1)) ? 'releng-tool' : 'native';
}

/** Names that mean the folder already holds a project (native or releng-tool). */
const PROJECT_NAMES = /^(releng\.config\.|releng-tool|releng\.py$|releng\.rt$|releng$|package$)/;

/**
 * `releng init`: a minimal project that builds as is, in releng's native
 * format or releng-tool's (see defaultInitFormat). Everything is checked
 * before anything is written, so a refusal leaves the folder as it was; an
 * existing .gitignore is kept and gets only the lines it lacks.
 */
export async function initProject(
  root: string,
  format: InitFormat = defaultInitFormat(),
): Promise<InitResult> {
  const FILES = format === 'releng-tool' ? RELENG_TOOL_FILES : NATIVE_FILES;
  const rootInfo = await stat(root).catch(() => undefined);
  if (rootInfo && !rootInfo.isDirectory()) {
    throw new RelengError(`cannot create a project in ${root}: it is not a folder`, {
      file: root,
      hint: 'pass a folder (or a path that does not exist yet) with --root-dir',
    });
  }
  const existing = rootInfo ? await readdir(root) : [];
  const clash = existing.filter((e) => PROJECT_NAMES.test(e));
  if (clash.length > 0) {
    throw new RelengError(`${root} already holds a project (${clash.join(', ')})`, {
      file: join(root, clash[0]!),
      hint: 'nothing was written; run init in another folder (--root-dir DIR), or remove these first',
    });
  }
  const gitignore = join(root, '.gitignore');
  const ignoreInfo = await lstat(gitignore).catch(() => undefined);
  let missing: string[] = [...GITIGNORE_LINES];
  let ignoreText: string | undefined;
  if (ignoreInfo) {
    // A symlink is followed (appending writes through it), anything else but a file is refused.
    const target = ignoreInfo.isSymbolicLink()
      ? await stat(gitignore).catch(() => undefined)
      : ignoreInfo;
    if (!target?.isFile()) {
      throw new RelengError(`${gitignore} exists but is not a file`, {
        file: gitignore,
        hint: 'nothing was written; remove or rename it, then run init again',
      });
    }
    ignoreText = await readFile(gitignore, 'utf8');
    const present = new Set(ignoreText.split('\n').map(normalizeIgnoreLine));
    missing = missing.filter((line) => !present.has(normalizeIgnoreLine(line)));
  }

  // Checked: now write. A failure part-way (disk full) removes what this run created.
  const created: string[] = [];
  try {
    await mkdir(root, { recursive: true });
    for (const [rel, text] of Object.entries(FILES)) {
      const path = join(root, rel);
      if (!(await stat(dirname(path)).catch(() => undefined))) {
        const top = join(root, rel.split('/')[0]!);
        await mkdir(dirname(path), { recursive: true });
        if (top !== path) created.push(top);
      }
      await writeFileAtomic(path, text);
      created.push(path);
    }
    if (ignoreText === undefined) {
      await writeFileAtomic(gitignore, `${GITIGNORE_LINES.join('\n')}\n`);
      created.push(gitignore);
    } else if (missing.length > 0) {
      const sep = ignoreText === '' || ignoreText.endsWith('\n') ? '' : '\n';
      await appendFile(gitignore, `${sep}${missing.join('\n')}\n`);
    }
  } catch (err) {
    for (const path of created.reverse()) await rm(path, { recursive: true, force: true });
    throw new RelengError(`cannot create the project in ${root}: ${(err as Error).message}`, {
      file: root,
      hint: 'nothing was kept; fix the cause and run init again',
    });
  }
  return {
    created: [...Object.keys(FILES), ...(ignoreText === undefined ? ['.gitignore'] : [])],
    gitignoreAppended: ignoreText === undefined ? undefined : missing,
  };
}

/** `/cache/`, `/cache`, `cache/` and `cache` all keep the root's cache folder out of git. */
function normalizeIgnoreLine(line: string): string {
  return line.trim().replace(/^\//, '').replace(/\/$/, '');
}

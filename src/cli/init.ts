import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RelengError } from '../util/errors.ts';

/** `releng init`: a minimal native project that builds as is. */
export async function initProject(root: string): Promise<string[]> {
  await mkdir(root, { recursive: true });
  const existing = await readdir(root);
  const clash = existing.filter((e) =>
    /^(releng\.config\.|releng-tool|releng\.py$|releng$|package$)/.test(e),
  );
  if (clash.length > 0) {
    throw new RelengError(`${root} already holds a project (${clash.join(', ')})`, {
      hint: 'run init in an empty directory, or pass --root-dir',
    });
  }
  const files: Record<string, string> = {
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
    '.gitignore': '/cache/\n/dl/\n/output/\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), text, { flag: 'wx' });
  }
  return Object.keys(files);
}

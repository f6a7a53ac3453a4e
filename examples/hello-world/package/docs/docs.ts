import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { definePackage } from 'releng';

/** A virtual package (no sources) that writes a README into the target. */
export default definePackage({
  version: '1.0.0',
  async install(ctx) {
    const dir = join(ctx.dirs.target, ctx.prefix, 'share', 'doc', 'hello');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'README'), 'Run /usr/bin/hello [name] to be greeted.\n');
  },
});

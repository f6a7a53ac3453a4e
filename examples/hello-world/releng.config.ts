import { defineProject } from 'releng';

/**
 * A small native project: a C library staged for the program that links it,
 * the program installed to the target, a documentation package, and a post
 * step that archives the target into output/images/.
 */
export default defineProject({
  packages: ['hello', 'docs'],
  defaultInternal: true,
  licenseHeader: 'hello-world example: third-party notices',
  async post(ctx) {
    const archive = `${ctx.dirs.images}/hello-world-1.0.tar.gz`;
    await ctx.exec('mkdir', ['-p', ctx.dirs.images]);
    // Reproducible: sorted names, fixed owners and times, no gzip timestamp.
    await ctx.exec('sh', [
      '-c',
      `tar --sort=name --mtime=@\${SOURCE_DATE_EPOCH:-1700000000} --owner=0 --group=0 --numeric-owner -C "${ctx.dirs.target}" -cf - . | gzip -9n > "${archive}.tmp" && mv "${archive}.tmp" "${archive}"`,
    ]);
    ctx.log(`wrote ${archive}`);
  },
});

import { defineProject } from 'releng';

/**
 * A small native project: a C library staged for the program that links it,
 * the program installed to the target, a documentation package, and a post
 * step that archives the target into output/images/.
 */
export default defineProject({
  packages: ['hello', 'docs'],
  defaultInternal: true,
  // The target sysroot packaged natively into output/images/ after post-processing.
  outputs: [
    {
      name: 'hello-world',
      version: '1.0.0',
      architecture: 'amd64',
      maintainer: 'releng examples <examples@releng.invalid>',
      homepage: 'https://releng.invalid/examples/hello-world',
      license: 'MIT',
      summary: 'Greets you, using libgreet',
      description: 'The hello-world example of releng: a program linked against a staged library.',
      section: 'utils',
      formats: ['deb', 'rpm'],
      contents: [
        { src: 'usr/bin/hello', dst: '/usr/bin/hello', mode: 0o755 },
        { src: 'usr/share/doc/hello/README', dst: '/usr/share/doc/hello-world/README' },
      ],
    },
  ],
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

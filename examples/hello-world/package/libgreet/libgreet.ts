import { definePackage } from 'releng';

/** A C library built from local sources and installed to staging only (headers + static library). */
export default definePackage({
  version: '1.2.0',
  site: 'local',
  license: 'MIT',
  installType: 'staging',
  async build(ctx) {
    const cc = ctx.env.CC ?? 'cc';
    await ctx.exec(cc, [
      '-O2',
      // Debug information, kept in the -dbgsym/-debuginfo packages when the outputs strip it.
      '-g',
      '-Wall',
      `-DGREET_VERSION="${ctx.version}"`,
      '-c',
      'greet.c',
      '-o',
      'greet.o',
    ]);
    await ctx.exec('ar', ['rcs', 'libgreet.a', 'greet.o']);
  },
  async install(ctx) {
    for (const root of ctx.installDirs) {
      const prefix = `${root}${ctx.prefix}`;
      await ctx.exec('install', ['-D', '-m', '0644', 'greet.h', `${prefix}/include/greet.h`]);
      await ctx.exec('install', ['-D', '-m', '0644', 'libgreet.a', `${prefix}/lib/libgreet.a`]);
    }
  },
});

import { definePackage } from 'releng';

/** A program linking libgreet from the staging sysroot, installed to the target. */
export default definePackage({
  version: '1.0.0',
  site: 'local',
  license: 'MIT',
  dependencies: ['libgreet'],
  async build(ctx) {
    const staged = `${ctx.dirs.staging}${ctx.prefix}`;
    await ctx.exec(ctx.env.CC ?? 'cc', [
      '-O2',
      // Debug information, kept in the -dbgsym/-debuginfo packages when the outputs strip it.
      '-g',
      '-Wall',
      `-I${staged}/include`,
      'hello.c',
      `-L${staged}/lib`,
      '-lgreet',
      '-o',
      'hello',
    ]);
  },
  async install(ctx) {
    await ctx.exec('install', [
      '-D',
      '-m',
      '0755',
      'hello',
      `${ctx.dirs.target}${ctx.prefix}/bin/hello`,
    ]);
  },
});

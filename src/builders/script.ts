import type { PackageSteps } from './types.ts';

/** The default type: each stage runs the package's own script or function, if any. */
export const scriptType: PackageSteps = {
  async configure(ctx) {
    await ctx.runHook();
  },
  async build(ctx) {
    await ctx.runHook();
  },
  async install(ctx) {
    await ctx.runHook();
  },
};

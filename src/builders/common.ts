import { join } from 'node:path';
import type { PackageModel, StageRunContext } from '../project/model.ts';

/** Per-stage options of typed packages (`configureOptions`, CONF_DEFS/ENV/OPTS, ...). */
export interface StageSettings {
  defs: Record<string, string | null>;
  env: Record<string, string>;
  opts: string[];
}

const STAGE_KEYS = {
  configure: 'configureOptions',
  build: 'buildOptions',
  install: 'installOptions',
} as const;

/**
 * Options as a list: a list is used as is; an object becomes `key=value`
 * (or `key` alone when the value is null or empty), the way releng-tool
 * expands dictionaries.
 */
export function expandOptions(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(String);
  return Object.entries(value as Record<string, unknown>).map(([k, v]) =>
    v === null || v === undefined || v === '' ? k : `${k}=${String(v)}`,
  );
}

/** A package's settings for one stage. */
export function stageSettings(pkg: PackageModel, stage: keyof typeof STAGE_KEYS): StageSettings {
  const raw = (pkg.options[STAGE_KEYS[stage]] ?? {}) as {
    defs?: Record<string, string | null>;
    env?: Record<string, string>;
    opts?: unknown;
  };
  return { defs: raw.defs ?? {}, env: raw.env ?? {}, opts: expandOptions(raw.opts) };
}

/** `-DKEY=VALUE` arguments (CMake, Meson). */
export function defineArgs(defs: Record<string, string | null>): string[] {
  return Object.entries(defs).map(([k, v]) => (v === null ? `-D${k}` : `-D${k}=${v}`));
}

/** `KEY=VALUE` arguments (configure scripts, make, SCons). */
export function assignArgs(defs: Record<string, string | null>): string[] {
  return Object.entries(defs).map(([k, v]) => (v === null ? k : `${k}=${v}`));
}

/**
 * The environment that makes a package build against what earlier packages
 * staged, not against the build machine: pkg-config, compiler and linker
 * search paths point into the staging sysroot, host tools come from
 * output/host (already on PATH).
 */
export function stagingEnvironment(ctx: StageRunContext): Record<string, string> {
  const staging = ctx.dirs.staging;
  const prefixed = join(staging, ctx.prefix);
  const hostPrefixed = join(ctx.dirs.host, ctx.prefix);
  const libdirs = [join(prefixed, 'lib'), join(prefixed, 'lib64')];
  const pcdirs = [
    join(prefixed, 'lib', 'pkgconfig'),
    join(prefixed, 'share', 'pkgconfig'),
    join(hostPrefixed, 'lib', 'pkgconfig'),
  ];
  const append = (name: string, extra: string, sep = ' ') => {
    const existing = ctx.env[name];
    return existing ? `${extra}${sep}${existing}` : extra;
  };
  return {
    PKG_CONFIG_PATH: append('PKG_CONFIG_PATH', pcdirs.join(':'), ':'),
    // Paths in staged .pc files are the install prefix; the sysroot maps them into staging.
    PKG_CONFIG_SYSROOT_DIR: staging,
    CPPFLAGS: append('CPPFLAGS', `-I${join(prefixed, 'include')}`),
    LDFLAGS: append(
      'LDFLAGS',
      [...libdirs.map((d) => `-L${d}`), ...libdirs.map((d) => `-Wl,-rpath-link,${d}`)].join(' '),
    ),
    CMAKE_PREFIX_PATH: append('CMAKE_PREFIX_PATH', [prefixed, hostPrefixed].join(':'), ':'),
  };
}

/** Runs a tool in the package's build directory with the staging environment and stage env. */
export async function run(
  ctx: StageRunContext,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<void> {
  const env = { ...stagingEnvironment(ctx), ...options.env };
  // As releng-tool, `$VAR`/`${VAR}` in stage options and definitions (e.g.
  // `$ROOT_DIR/toolchain.cmake`) are the stage's variables; unknown names stay.
  const vars = { ...ctx.env, ...env };
  const expanded = args.map((a) => expandVariables(a, vars));
  await ctx.exec(command, expanded, { cwd: options.cwd ?? ctx.buildDir, env });
}

/** Replaces `$NAME` and `${NAME}` with known variables; anything else is left as written. */
export function expandVariables(text: string, vars: Record<string, string | undefined>): string {
  if (!text.includes('$')) return text;
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, a, b) => {
    const v = vars[(a ?? b) as string];
    return v === undefined ? m : v;
  });
}

/** The package-wide `env` option merged with a stage's `env`. */
export function stageEnv(pkg: PackageModel, settings: StageSettings): Record<string, string> {
  return { ...((pkg.options.env as Record<string, string> | undefined) ?? {}), ...settings.env };
}

/**
 * The install stage of a typed package: nothing with `noInstall`, otherwise
 * `step` once per destination sysroot of its install type (staging and
 * target both for `staging_and_target`), with the install settings.
 */
export async function installPerSysroot(
  pkg: PackageModel,
  stage: StageRunContext,
  step: (root: string, settings: StageSettings) => Promise<void>,
): Promise<void> {
  if (pkg.options.noInstall) return;
  const s = stageSettings(pkg, 'install');
  for (const root of stage.installDirs) await step(root, s);
}

/**
 * As releng-tool: the prefixed sysroots a package builds against — host for
 * host packages, else staging, and target too when it installs there.
 */
export function buildSysroots(pkg: PackageModel, stage: StageRunContext): string[] {
  const roots =
    pkg.installType === 'host'
      ? [stage.dirs.host]
      : [
          stage.dirs.staging,
          ...(pkg.installType === 'target' || pkg.installType === 'staging_and_target'
            ? [stage.dirs.target]
            : []),
        ];
  return roots.map((r) => join(r, stage.prefix));
}

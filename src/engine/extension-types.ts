// Package, fetch and extract types that a releng-tool project's Python
// extensions register (`app.add_package_type('ext-…', Handler)`, …): once the
// extensions are loaded, each becomes a releng package or site type whose
// steps call the handler through the Python bridge, with releng-tool's
// option names (RelengConfigureOptions, RelengFetchOptions, …).
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { registerPackageType } from '../builders/registry.ts';
import type { BuilderContext } from '../builders/types.ts';
import type {
  ExtensionHost,
  ExtensionTypeNames,
  PackageModel,
  ProjectModel,
} from '../project/model.ts';
import { registerSiteType } from '../sources/registry.ts';
import type { SiteContext } from '../sources/types.ts';
import { RelengError } from '../util/errors.ts';

const PREFIX = 'ext-';

/**
 * Checks that every `ext-…` TYPE, VCS_TYPE and EXTRACT_TYPE of a releng-tool
 * project is one an extension registered (as releng-tool checks when it
 * loads the packages). Other EXTRACT_TYPE values are releng's archive types.
 */
export function checkExtensionTypes(project: ProjectModel, types: ExtensionTypeNames): void {
  if (project.format !== 'releng-tool') return;
  for (const pkg of project.packageDefs.values()) {
    const extract = pkg.options.extractType;
    const wanted: Array<[string, string, string[]]> = [
      ['package', pkg.type, types.package],
      ['vcs', pkg.vcsType, types.fetch],
    ];
    if (typeof extract === 'string') wanted.push(['extract', extract.toLowerCase(), types.extract]);
    for (const [kind, value, known] of wanted) {
      if (!value.startsWith(PREFIX) || known.includes(value)) continue;
      const key = `${pkg.key}_${kind === 'package' ? 'TYPE' : kind === 'vcs' ? 'VCS_TYPE' : 'EXTRACT_TYPE'}`;
      throw new RelengError(`unknown ${kind} type "${value}" for package "${pkg.name}" (${key})`, {
        pkg: pkg.name,
        file: pkg.definitionFile,
        hint:
          project.extensions.length === 0
            ? 'the project loads no extension; list the one providing it in extensions = [...]'
            : `no loaded extension registers it (registered: ${known.join(', ') || 'none'})`,
      });
    }
  }
}

/** Registers the extensions' package and fetch types as releng types (once per process). */
export function registerExtensionTypes(host: ExtensionHost, types: ExtensionTypeNames): void {
  for (const name of types.package) {
    if (registered.has(`package:${name}`)) continue;
    registered.add(`package:${name}`);
    const step = (method: 'configure' | 'build' | 'install') => async (ctx: BuilderContext) => {
      const { pkg, stage } = ctx;
      const ok = await host.call('package', name, method, stageOptions(ctx, method), {
        env: stage.env,
        cwd: stage.cwd,
        io: stage.io,
      });
      if (!ok) failed(name, method, pkg);
    };
    registerPackageType({
      name,
      configure: step('configure'),
      build: step('build'),
      install: step('install'),
    });
  }
  for (const name of types.fetch) {
    if (registered.has(`fetch:${name}`)) continue;
    registered.add(`fetch:${name}`);
    const extractor = types.extract.includes(name);
    registerSiteType({
      name,
      hasSources: true,
      async fetch(ctx) {
        const { cacheFilePath } = await import('../sources/url.ts');
        const file = await cacheFilePath(ctx, ctx.pkg.site ?? '');
        // as releng-tool: a fetched cache file is kept (fetch again with --force)
        if (existsSync(file) && !ctx.options.force) return;
        // the handler writes an interim file of the same name (in a folder of
        // its own, as releng-tool); it takes the cache file's place only once
        // the handler says it succeeded
        const interimDir = join(dirname(file), `.${basename(file)}.fetching`);
        const interim = join(interimDir, basename(file));
        await rm(interimDir, { recursive: true, force: true });
        await mkdir(interimDir, { recursive: true });
        const got = await host.call(
          'fetch',
          name,
          'fetch',
          {
            ...packageOptions(ctx.pkg),
            cache_dir: ctx.paths.cacheDir,
            cache_file: interim,
            fetch_opts: ctx.pkg.options.fetchOpts ?? null,
            ignore_cache: ctx.options.force,
            revision: ctx.pkg.revision,
            site: ctx.pkg.site ?? null,
          },
          siteCall(ctx, ctx.dirs.root),
        );
        if (!got) failed(name, 'fetch', ctx.pkg);
        const produced = typeof got === 'string' && existsSync(got) ? got : interim;
        if (!existsSync(produced)) {
          throw new RelengError(
            `extension type "${name}" fetched nothing for package "${ctx.pkg.name}" (expected ${interim})`,
            { pkg: ctx.pkg.name, file: ctx.pkg.definitionFile },
          );
        }
        await rm(file, { recursive: true, force: true });
        await rename(produced, file);
        await rm(interimDir, { recursive: true, force: true });
      },
      async extract(ctx) {
        const opts = {
          ...packageOptions(ctx.pkg),
          cache_dir: ctx.paths.cacheDir,
          cache_file: ctx.paths.cacheFile,
          revision: ctx.pkg.revision,
          strip_count: ctx.pkg.stripCount,
          work_dir: ctx.paths.buildBaseDir,
        };
        if (extractor) {
          const ok = await host.call(
            'extract',
            name,
            'extract',
            opts,
            siteCall(ctx, ctx.paths.buildBaseDir),
          );
          if (!ok) failed(name, 'extract', ctx.pkg);
          return;
        }
        // as releng-tool: without an extract type of the same name, the
        // fetched cache file is extracted as any archive
        const { cacheFilePath, extractCacheFile } = await import('../sources/url.ts');
        const file = await cacheFilePath(ctx, ctx.pkg.site ?? '');
        if (!existsSync(file)) {
          throw new RelengError(
            `extract type is not implemented: ${name} (package "${ctx.pkg.name}")`,
            {
              pkg: ctx.pkg.name,
              hint: `the extension providing "${name}" should fetch into opts.cache_file, or register an extract type of that name`,
            },
          );
        }
        await extractCacheFile(ctx, file);
      },
    });
  }
}

const registered = new Set<string>();

function failed(type: string, method: string, pkg: PackageModel): never {
  throw new RelengError(`extension type "${type}" failed to ${method} package "${pkg.name}"`, {
    pkg: pkg.name,
    file: pkg.definitionFile,
  });
}

function siteCall(ctx: SiteContext, cwd: string) {
  return {
    env: { ...ctx.env },
    cwd,
    io: {
      output: (chunk: Buffer | string, stream: 'stdout' | 'stderr') => ctx.log.write(chunk, stream),
      log: (_level: string, message: string) => ctx.log.write(`${message}\n`),
    },
  };
}

/** releng-tool's RelengPackageOptions. */
function packageOptions(pkg: PackageModel): Record<string, unknown> {
  return {
    name: pkg.name,
    version: pkg.version,
    def_dir: pkg.defDir,
    ext: pkg.options.extopt ?? null,
  };
}

/** releng-tool's Releng{Configure,Build,Install}Options for one stage. */
function stageOptions(ctx: BuilderContext, method: string): Record<string, unknown> {
  const { pkg, stage } = ctx;
  const stageKey = {
    configure: 'configureOptions',
    build: 'buildOptions',
    install: 'installOptions',
  }[method]!;
  const own = (pkg.options[stageKey] as Record<string, unknown> | undefined) ?? {};
  const short = { configure: 'conf', build: 'build', install: 'install' }[method]!;
  const jobsconf = Number(stage.env.NJOBSCONF ?? stage.jobs);
  return {
    ...packageOptions(pkg),
    build_base_dir: stage.dirs.build,
    build_dir: stage.buildDir,
    build_output_dir: stage.buildOutputDir,
    host_dir: stage.dirs.host,
    images_dir: stage.dirs.images,
    prefix: stage.prefix,
    staging_dir: stage.dirs.staging,
    symbols_dir: stage.dirs.symbols,
    target_dir: stage.dirs.target,
    install_type: pkg.installType,
    dest_dirs: stage.installDirs,
    jobs: stage.jobs,
    jobsconf: Number.isFinite(jobsconf) ? jobsconf : stage.jobs,
    [`${short}_defs`]: own.defs ?? null,
    [`${short}_env`]: own.env ?? null,
    [`${short}_opts`]: own.opts ?? null,
  };
}

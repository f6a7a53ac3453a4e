/**
 * Project package types `debian-source` and `rpm-spec`: a package whose
 * extracted (and patched) sources are a Debian source tree or an rpm
 * standard layout is built by its recipe in a fresh root at the `build`
 * stage, so these builds take part in the project graph and in `-j`. The
 * packages land in the images folder; nothing is installed into a sysroot.
 * The project's `repositories` publish them with the `outputs` packages.
 *
 * ```ts
 * export default definePackage({ version: '2.10', site: '…', type: 'rpm-spec', buildRoot: 'bookworm' });
 * ```
 *
 * `buildRoot` names a root of the project's `roots` section (made or
 * reused on first use), or one made with `releng root create` (cache:
 * `RELENG_ROOTS_DIR` or the default of docs/roots.md).
 */
import type { BuilderContext, PackageSteps } from '../builders/types.ts';
import { rootsCacheDir } from '../roots/cache.ts';
import { DEFAULT_BACKEND, openBackend } from '../roots/index.ts';
import { makeSpec, type RootConfig } from '../roots/spec.ts';
import { RelengError } from '../util/errors.ts';
import { recipeFor } from './index.ts';
import { recordArtifacts } from './published.ts';
import type { Layout } from './types.ts';

function steps(layout: Layout): PackageSteps {
  return {
    async build({ pkg, stage, project }: BuilderContext) {
      const rootName = pkg.options.buildRoot;
      if (typeof rootName !== 'string' || rootName === '')
        throw new RelengError(`package "${pkg.name}" of type ${pkg.type} needs buildRoot`, {
          pkg: pkg.name,
          file: pkg.definitionFile,
          hint: "name a root made with releng root create, e.g. buildRoot: 'bookworm'",
        });
      const cacheDir = rootsCacheDir(undefined, { ...process.env, ...stage.env });
      const backend = await openBackend(DEFAULT_BACKEND, { cacheDir });
      const declared = (project.options.roots as Record<string, RootConfig> | undefined)?.[
        rootName
      ];
      // A root the project declares is made (or reused from the cache) on first use.
      const root = declared
        ? await backend.create(
            rootName,
            makeSpec(declared, `roots.${rootName}`, project.configFile),
            (line) => stage.io.log('log', line),
          )
        : await backend.info(rootName);
      const recipe = (await recipeFor(layout))!;
      const result = await recipe.build(
        { layout, sources: [stage.buildDir] },
        {
          backend,
          root,
          cacheDir,
          outDir: stage.dirs.images,
          log: (line) => stage.io.log('log', line),
          onOutput: (c, s) => stage.io.output(c, s),
          ...(stage.env.SOURCE_DATE_EPOCH ? { sourceDateEpoch: stage.env.SOURCE_DATE_EPOCH } : {}),
        },
      );
      for (const n of result.notes) stage.io.log('note', `${pkg.name}: ${n}`);
      for (const f of result.artifacts) stage.io.log('log', `${pkg.name}: wrote ${f}`);
      // The project's repositories publish these (src/recipes/published.ts).
      await recordArtifacts(stage.dirs.build, stage.dirs.images, pkg.name, result.artifacts);
    },
  };
}

/** `type: 'debian-source'`: the sources are a folder with debian/. */
export const debianSourceType = steps('debian-tree');
/** `type: 'rpm-spec'`: the sources are a spec with its tarball and patches. */
export const rpmSpecType = steps('rpm-standard');

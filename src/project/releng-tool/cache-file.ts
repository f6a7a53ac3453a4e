/**
 * Where a releng-tool project's package is fetched to: releng-tool's cache
 * file, `dl/<pkg>/<pkg>-<version>[.<ext>]`. The same name under both tools
 * means a project switched from one to the other keeps its downloads and
 * its hash files (which list the cache file's name), and PKG_CACHE_FILE is
 * the file a script finds there.
 */
import { asRelengError } from '../../util/errors.ts';
import type { PackageModel, ProjectModel } from '../model.ts';
import { packageFolder } from '../model.ts';

/**
 * Site types whose fetch packs a tree into a gzip tarball: releng-tool names
 * their cache file `.tgz` whatever the site says.
 */
const TARBALL_TYPES = new Set(['brz', 'bzr', 'cvs', 'lore', 'perforce', 'p4', 'rsync', 'svn']);
/** Site types with no cache file of their own (a repository in cache/, or no sources). */
const NO_EXTENSION_TYPES = new Set(['git', 'hg', 'local', 'none']);

/** Extensions of more than one part that end a name's guess (releng-tool's list). */
const MULTIPART_EXTENSIONS = new Set([
  'tar.bz',
  'tar.bz2',
  'tar.gz',
  'tar.lzma',
  'tar.xz',
  'tar.z',
]);

/**
 * A file name's stem and "complete" extension as releng-tool guesses them:
 * everything after the first dot, shortened from the left until it is one
 * part or a known multi-part one (`a-1.2.tar.gz` gives `tar.gz`, `a.txt`
 * gives `txt`, `a-1.2.3` gives `3`, `a` none).
 */
export function interpretStemExtension(base: string): { stem: string; ext?: string } {
  const dot = base.indexOf('.');
  if (dot < 0) return { stem: base };
  let stem = base.slice(0, dot);
  let ext = base.slice(dot + 1);
  while (ext.includes('.') && !MULTIPART_EXTENSIONS.has(ext.toLowerCase())) {
    const next = ext.indexOf('.');
    stem = `${stem}.${ext.slice(0, next)}`;
    ext = ext.slice(next + 1);
  }
  return { stem, ext };
}

/**
 * The path part of a site as Python's `urlparse` reads it: a scheme (a
 * letter, then letters, digits, `+`, `-`, `.`) and an authority (`//host`)
 * are dropped, and so are the query and the fragment. `host:/srv/a.tgz`
 * (an scp site) gives `/srv/a.tgz`; a plain path is itself.
 */
export function urlPath(site: string): string {
  let rest = site;
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(rest.slice(0, colon))) {
    rest = rest.slice(colon + 1);
  }
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  return rest.replace(/[?#].*$/s, '');
}

/**
 * The extension releng-tool gives a package's cache file: `tgz` for the
 * tarball-making site types, none for git, hg, local and none; otherwise
 * what the project's `cache_ext` says for the site's path, else the
 * package's EXTENSION (an empty one means none), else the one the path's
 * file name shows.
 */
export async function relengToolCacheExtension(
  pkg: PackageModel,
  cacheExt?: (path: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  if (TARBALL_TYPES.has(pkg.vcsType)) return 'tgz';
  if (NO_EXTENSION_TYPES.has(pkg.vcsType)) return undefined;
  const path = urlPath(pkg.site ?? '');
  const fromProject = cacheExt ? await cacheExt(path) : undefined;
  if (fromProject) return fromProject;
  const explicit = pkg.options.extension;
  if (typeof explicit === 'string') return explicit === '' ? undefined : explicit;
  return interpretStemExtension(path.slice(path.lastIndexOf('/') + 1)).ext;
}

/**
 * Gives every package of a releng-tool project its cache file name under
 * `dl/` (`<pkg>/<pkg>-<version>[.<ext>]`, PackageModel.dlFile). It is worked
 * out once, when the project loads, as releng-tool does: the project's
 * `cache_ext` is called for each package whose extension depends on it, and
 * an error it raises stops the load naming the package.
 */
export async function assignCacheFiles(project: ProjectModel): Promise<void> {
  const entries = [...project.packageDefs.entries()];
  const named = await Promise.all(
    entries.map(async ([name, pkg]) => {
      let ext: string | undefined;
      try {
        ext = await relengToolCacheExtension(pkg, project.cacheExt);
      } catch (err) {
        throw asRelengError(err, {
          pkg: name,
          file: project.configFile,
          hint: 'the project cache_ext function failed',
        });
      }
      ext = ext?.replace(/^\.+/, '');
      // a name in dl/<pkg>/, never a path: the extension comes from the
      // definition (EXTENSION) or the project's cache_ext
      if (ext !== undefined && /[/\\\0]/.test(ext)) {
        throw asRelengError(
          new Error(
            `package "${name}" has a cache file extension with a path in it: ${JSON.stringify(ext)}`,
          ),
          {
            pkg: name,
            file: pkg.definitionFile,
            hint: `give ${pkg.key}_EXTENSION (or cache_ext) a plain extension such as "tar.gz"`,
          },
        );
      }
      const base = packageFolder(pkg);
      return `${pkg.name}/${ext ? `${base}.${ext}` : base}`;
    }),
  );
  for (const [i, [name, pkg]] of entries.entries()) {
    project.packageDefs.set(name, { ...pkg, dlFile: named[i] });
  }
}

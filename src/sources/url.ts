/**
 * The url site type (the default): a file downloaded once into
 * `dl/<pkg>-<version>[.<ext>]` (releng-tool projects:
 * `dl/<pkg>/<pkg>-<version>[.<ext>]`, as releng-tool), verified, then extracted into the build
 * directory. The file site (`file://`, `file+`) shares all of it but the
 * download.
 *
 * A download goes to a temporary name beside the final one, is checked
 * against the package's hash file and signature, and only then renamed: a
 * file under its final name is always complete and verified, so later runs
 * use it without touching the network (offline builds). The project's
 * url_mirror is tried first (`<mirror>/<cache file name>`); `--only-mirror`
 * tries nothing else. `--force` does not download again: a cached file is
 * re-checked against the hash file on every fetch and fetched again only
 * when it no longer matches (or when it is deleted, e.g. `<pkg>-distclean`).
 *
 * Downloads retry transient failures (connection refused/reset, timeouts,
 * 5xx, 408, 429) three times with back-off from 0.5 s; CI can tune that with
 * RELENG_DOWNLOAD_RETRIES, RELENG_DOWNLOAD_BACKOFF and
 * RELENG_DOWNLOAD_TIMEOUT (seconds without data; default 30).
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { archiveType, extractArchive } from '../extract/index.ts';
import { asRelengError, RelengError } from '../util/errors.ts';
import { resolveTool } from '../util/exec.ts';
import { isFile } from '../util/fs.ts';
import { maskCredentials } from '../util/redact.ts';
import { devmodeIgnoresCache } from './devmode-cache.ts';
import {
  DownloadError,
  type DownloadOptions,
  downloadFile,
  partialPath,
  removeStalePartials,
} from './download.ts';
import { extractLimitsFor } from './extract-limits.ts';
import type { SiteContext, SiteOperations } from './types.ts';
import { fetchOptions } from './vcs-archive.ts';
import { verifyFile, verifySignature } from './verify.ts';

/**
 * Suffixes worth keeping on a cache file, longest first: archives releng can
 * extract and common single-file formats.
 */
const KNOWN_EXTENSIONS = [
  'tar.gz',
  'tar.bz2',
  'tar.xz',
  'tar.zst',
  'tar.zstd',
  'tar.lzma',
  'tar.lz',
  'tar.lz4',
  'tar.Z',
  'tgz',
  'tbz2',
  'tbz',
  'tb2',
  'txz',
  'tlz',
  'tzst',
  'taz',
  'tar',
  'zip',
  'jar',
  'whl',
  '7z',
  'gz',
  'bz2',
  'xz',
  'zst',
  'lzma',
  'lz',
  'lz4',
  'Z',
  'deb',
  'rpm',
  'crate',
  'gem',
];

/**
 * The extension a file name shows: a known suffix (`tar.gz`, `tgz`, `zip`,
 * ...), else a plain one starting with a letter (`patch`, `bin`); version
 * numbers (`foo-1.2.3`) have none.
 */
export function fileExtension(fileName: string): string | undefined {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const lower = base.toLowerCase();
  for (const ext of KNOWN_EXTENSIONS) {
    const suffix = `.${ext.toLowerCase()}`;
    if (lower.length > suffix.length && lower.endsWith(suffix)) return base.slice(-ext.length);
  }
  const type = archiveType(base);
  if (type) return type;
  const m = /\.([A-Za-z][A-Za-z0-9]{0,9})$/.exec(base);
  return m && m.index > 0 ? m[1] : undefined;
}

/** The file name part of a site (URL path or plain path), decoded, without query or fragment. */
export function siteFileName(site: string): string {
  try {
    return decodeURIComponent(basename(new URL(site).pathname));
  } catch {
    // not a URL: a path
  }
  return basename(site.replace(/[?#].*$/, ''));
}

/**
 * `dl/<pkg>-<version>[.<ext>]`: the extension is EXTENSION when set, else
 * what the project's cache_ext says for the site, else the one the site's
 * file name shows, else none. A releng-tool project's packages have their
 * cache file named when the project loads (releng-tool's
 * `dl/<pkg>/<pkg>-<version>[.<ext>]`, PackageModel.dlFile): that one.
 */
export async function cacheFilePath(ctx: SiteContext, site: string): Promise<string> {
  if (ctx.pkg.dlFile) return ctx.paths.cacheFile;
  const explicit = ctx.pkg.options.extension;
  let ext = typeof explicit === 'string' && explicit !== '' ? explicit : undefined;
  if (ext === undefined && ctx.project.cacheExt && ctx.pkg.site) {
    try {
      ext = (await ctx.project.cacheExt(ctx.pkg.site)) ?? undefined;
    } catch (err) {
      throw asRelengError(err, {
        pkg: ctx.pkg.name,
        file: ctx.project.configFile,
        hint: 'the project cache_ext function failed',
      });
    }
  }
  ext ??= fileExtension(siteFileName(site));
  ext = ext?.replace(/^\.+/, '');
  return ext ? `${ctx.paths.cacheFile}.${ext}` : ctx.paths.cacheFile;
}

/** One place a cache file may come from. */
export interface Source {
  url: string;
  /** The project's url_mirror: a miss falls through to the next source. */
  mirror?: boolean;
}

/** The url_mirror address of a cache file: the mirror base plus the file's name. */
export function mirrorUrl(
  mirror: string,
  fileName: string,
  pkg?: { name: string; version: string },
): string {
  // releng-tool's url_mirror may name the package: `https://m/{name}/{version}/`
  const base = pkg
    ? mirror.replace(/\{(name|version)\}/g, (_, key: 'name' | 'version') =>
        encodeURIComponent(pkg[key]),
      )
    : mirror;
  return `${base}${base.endsWith('/') ? '' : '/'}${encodeURIComponent(fileName)}`;
}

/** Numbers from the environment for tuning downloads (CI with flaky networks, tests). */
function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '' || !/^\d+(\.\d+)?$/.test(raw.trim())) return undefined;
  return Number(raw);
}

/** Download options for a package: logging, ftp through curl or wget, env tuning. */
export function downloadOptions(ctx: SiteContext, fileName: string): DownloadOptions {
  const timeout = envNumber('RELENG_DOWNLOAD_TIMEOUT');
  const backoff = envNumber('RELENG_DOWNLOAD_BACKOFF');
  return {
    retries: envNumber('RELENG_DOWNLOAD_RETRIES'),
    backoffMs: backoff === undefined ? undefined : backoff * 1000,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    onProgress: (progress) => ctx.log.progress(fileName, progress),
    log: (line) => ctx.log.write(`${line}\n`),
    external: (url, dest) => downloadWithTool(ctx, url, dest),
    tls: tlsTrust(ctx.project.options.urlopenContext),
  };
}

/** releng-tool's `urlopen_context` (an ssl.SSLContext, as the Python bridge describes it). */
function tlsTrust(context: unknown): DownloadOptions['tls'] {
  const described = (context as { $sslcontext?: unknown } | undefined)?.$sslcontext as
    | { ca?: unknown; verify?: unknown; checkHostname?: unknown }
    | undefined;
  if (!described) return undefined;
  return {
    ca: Array.isArray(described.ca) ? described.ca.filter((c) => typeof c === 'string') : [],
    verify: described.verify !== false,
    checkHostname: described.checkHostname !== false,
  };
}

/** Protocols Node cannot speak (ftp): curl, else wget, else a clear error. */
async function downloadWithTool(ctx: SiteContext, url: string, dest: string): Promise<void> {
  const extra = fetchOptions(ctx);
  const candidates: Array<[string, string[]]> = [
    [
      'curl',
      [
        '--fail',
        '--silent',
        '--show-error',
        '--location',
        '--retry',
        '3',
        ...extra,
        '--output',
        dest,
        url,
      ],
    ],
    ['wget', ['--quiet', '--tries=4', ...extra, '--output-document', dest, url]],
  ];
  for (const [tool, args] of candidates) {
    if (!toolExists(tool, ctx)) continue;
    try {
      await ctx.exec(tool, args);
      return;
    } catch (err) {
      // The tools retry on their own; a failure here is final.
      throw new DownloadError(
        `${tool} could not download ${maskCredentials(url)}: ${(err as Error).message}`,
        false,
      );
    }
  }
  throw new DownloadError(
    `cannot download ${maskCredentials(url)}: ${new URL(url).protocol.slice(0, -1)} needs curl or wget, and neither is installed`,
    false,
    { hint: 'install curl (or wget), or point override_tools/RELENG_CURL at it' },
  );
}

/** Whether a host tool can be found (after override_tools and RELENG_<TOOL>). */
function toolExists(tool: string, ctx: SiteContext): boolean {
  const path = resolveTool(tool, ctx.project.overrideTools, ctx.env);
  if (path.includes('/')) return isExecutable(path);
  for (const dir of (ctx.env.PATH ?? process.env.PATH ?? '').split(':')) {
    if (dir && isExecutable(join(dir, path))) return true;
  }
  return false;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Brings a package's file into `dl/` from the first source that has it, or
 * keeps the one already there when it still verifies. Nothing is left under
 * the final name unless it is complete and verified.
 */
export async function fetchToCache(
  ctx: SiteContext,
  finalPath: string,
  sources: readonly Source[],
): Promise<void> {
  const name = basename(finalPath);
  await mkdir(dirname(finalPath), { recursive: true });
  await removeStalePartials(finalPath);
  if (devmodeIgnoresCache(ctx.pkg, ctx.project, ctx.options) && (await isFile(finalPath))) {
    // releng-tool: in development mode such a package is fetched afresh each time
    ctx.log.write(`removing cache file (per configuration): ${ctx.pkg.name}\n`);
    await rm(finalPath, { force: true });
  }
  if (await isFile(finalPath)) {
    try {
      await verifyFile(ctx, finalPath, name);
      ctx.log.write(`using ${finalPath} (already downloaded)\n`);
      return;
    } catch (err) {
      // A mismatch (changed hash file, damaged file) moved it aside: fetch it
      // again. Anything else (a bad hash file, --werror) is the answer.
      if (await isFile(finalPath)) throw err;
      ctx.log.write(`${finalPath} no longer verifies; downloading it again\n`);
    }
  }
  const tmp = partialPath(finalPath);
  for (const [i, source] of sources.entries()) {
    const last = i === sources.length - 1;
    try {
      await downloadFile(source.url, tmp, downloadOptions(ctx, name));
      await verifyFile(ctx, tmp, name);
      await verifySignature(ctx, tmp, name);
      await rename(tmp, finalPath);
      return;
    } catch (err) {
      // A file shown to be wrong (hash mismatch, bad signature) was moved aside.
      const rejected = !(err instanceof DownloadError) && !(await isFile(tmp));
      await rm(tmp, { force: true });
      if (!last && source.mirror && (err instanceof DownloadError || rejected)) {
        const message = (err as Error).message;
        if (err instanceof DownloadError) {
          ctx.log.write(`not on the mirror (${message}); trying the package's site\n`);
        } else {
          ctx.warn(`${name} from url_mirror was rejected (${message}); trying the package's site`);
        }
        continue;
      }
      if (err instanceof DownloadError) {
        throw new RelengError(
          `cannot fetch ${name} for package "${ctx.pkg.name}": ${err.message}`,
          {
            pkg: ctx.pkg.name,
            file: ctx.pkg.definitionFile,
            hint:
              err.details.hint ??
              (source.mirror
                ? `url_mirror did not provide it (${maskCredentials(source.url)}); --only-mirror uses nothing else`
                : `check the package's site, or put ${name} in ${dirname(finalPath)} by hand for an offline build`),
          },
        );
      }
      throw asRelengError(err, { pkg: ctx.pkg.name });
    }
  }
}

/** Where a url-type package is fetched from: url_mirror first, then the site (unless --only-mirror). */
export function urlSources(ctx: SiteContext, site: string, fileName: string): Source[] {
  const mirror = ctx.project.urlMirror;
  const sources: Source[] = [];
  if (mirror) sources.push({ url: mirrorUrl(mirror, fileName, ctx.pkg), mirror: true });
  if (ctx.options.onlyMirror) {
    if (!mirror) {
      throw new RelengError(
        `--only-mirror is set but the project has no url_mirror (package "${ctx.pkg.name}")`,
        { pkg: ctx.pkg.name, hint: 'set url_mirror in the project configuration' },
      );
    }
    return sources;
  }
  if (!mirror || sources[0]?.url !== site) sources.push({ url: site });
  return sources;
}

/** The package's site, or a clear error. */
export function requireSite(ctx: SiteContext): string {
  const site = ctx.pkg.site?.trim();
  if (!site) {
    throw new RelengError(
      `package "${ctx.pkg.name}" has site type "${ctx.pkg.vcsType}" but no site`,
      { pkg: ctx.pkg.name, file: ctx.pkg.definitionFile },
    );
  }
  return site;
}

/**
 * Fills the build directory from a fetched file: extracted (EXTRACT_TYPE,
 * else the type its extension names, else what its first bytes show), or
 * copied as is with NO_EXTRACTION.
 */
export async function extractCacheFile(ctx: SiteContext, file: string): Promise<void> {
  if (!(await isFile(file))) {
    throw new RelengError(`package "${ctx.pkg.name}" has not been fetched: ${file} is missing`, {
      pkg: ctx.pkg.name,
      hint: `run "releng ${ctx.pkg.name}-fetch" first`,
    });
  }
  const dest = ctx.paths.buildBaseDir;
  await mkdir(dest, { recursive: true });
  if (ctx.pkg.options.noExtraction === true) {
    await copyFile(file, join(dest, basename(file)));
    return;
  }
  const explicit = ctx.pkg.options.extractType;
  const extractTools = ctx.project.options.overrideExtractTools;
  // releng-tool copies a file whose name is no archive type (a `.txt`, a
  // single script) into the build folder instead of extracting it
  if (
    ctx.project.format === 'releng-tool' &&
    (typeof explicit !== 'string' || explicit === '') &&
    archiveType(basename(file)) === undefined &&
    !hasExtractOverride(basename(file), extractTools)
  ) {
    await copyFile(file, join(dest, basename(file)));
    return;
  }
  await extractArchive(file, dest, {
    stripCount: ctx.pkg.stripCount,
    type: typeof explicit === 'string' && explicit !== '' ? explicit : undefined,
    tools: {
      ...ctx.project.overrideTools,
      ...(extractTools && typeof extractTools === 'object'
        ? (extractTools as Record<string, string>)
        : {}),
    },
    log: (line: string) => ctx.log.write(`${line}\n`),
    limits: extractLimitsFor(ctx),
    pkg: ctx.pkg.name,
  });
}

/** Whether override_extract_tools names a command for the file's extension. */
function hasExtractOverride(name: string, tools: unknown): boolean {
  if (!tools || typeof tools !== 'object') return false;
  const lower = name.toLowerCase();
  return Object.keys(tools).some((ext) => lower.endsWith(`.${ext.toLowerCase()}`));
}

/** Sites that are URLs (the default type): http, https, ftp, file. */
export const urlSite: SiteOperations = {
  async fetch(ctx) {
    const site = requireSite(ctx);
    const finalPath = await cacheFilePath(ctx, site);
    await fetchToCache(ctx, finalPath, urlSources(ctx, site, basename(finalPath)));
  },
  async extract(ctx) {
    const site = requireSite(ctx);
    await extractCacheFile(ctx, await cacheFilePath(ctx, site));
  },
};

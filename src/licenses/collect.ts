import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { assertInside } from '../engine/contain.ts';
import {
  type PackageModel,
  type ProjectDirs,
  type ProjectModel,
  packageFolder,
} from '../project/model.ts';
import { verifyLicenseFile } from '../sources/verify.ts';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { checkLicense } from './spdx.ts';

/** A package's collected license information. */
export interface PackageLicenses {
  pkg: PackageModel;
  licenses: string[];
  /** Copies under output/licenses/<pkg>-<version>/. */
  files: string[];
}

export interface CollectOptions {
  project: ProjectModel;
  dirs: ProjectDirs;
  /** Where each package's sources are (its build base dir, or a local checkout). */
  sourcesDir: (pkg: PackageModel) => string;
  /** Write the combined document (false for one package's `-license`, which must not shrink it). */
  document?: boolean;
  /** Development mode, for `<pkg>.hash-<revision>` files. */
  devmode?: string | true;
  /** Warnings honour --werror in the caller. */
  warn: (message: string, pkg: string) => void;
  /** Verbose-only messages (default: none). */
  verbose?: (message: string) => void;
}

/**
 * Copies each package's license files into `output/licenses/<pkg>-<version>/`
 * and writes one combined document, `output/licenses/licenses`, headed by the
 * project's license header. Packages are visited in build order.
 */
export async function collectLicenses(
  packages: readonly PackageModel[],
  options: CollectOptions,
): Promise<PackageLicenses[]> {
  const { project, dirs } = options;
  const extra = {
    licenses: (project.options.extraLicenses as string[] | undefined) ?? [],
    exceptions: (project.options.extraLicenseExceptions as string[] | undefined) ?? [],
  };
  const result: PackageLicenses[] = [];
  const unlicensed: string[] = [];
  for (const pkg of packages) {
    if (pkg.license.length === 0 && pkg.licenseFiles.length === 0) {
      if (!pkg.internal) unlicensed.push(pkg.name);
      continue;
    }
    for (const license of pkg.license) {
      for (const problem of checkLicense(license, extra))
        options.warn(`package "${pkg.name}": ${problem}`, pkg.name);
    }
    const folder = join(dirs.license, packageFolder(pkg));
    assertInside(folder, dirs.output, { action: 'delete', area: 'output folder', pkg: pkg.name });
    await rm(folder, { recursive: true, force: true });
    const files: string[] = [];
    for (const rel of pkg.licenseFiles) {
      const source = join(options.sourcesDir(pkg), rel);
      const target = join(folder, rel);
      // "../../etc/shadow" would be copied from outside the sources, and written
      // outside output/licenses/<pkg>-<version>/.
      if (!isAbsolute(rel) && !rel.split(/[/\\]/).includes('..')) {
        assertInside(target, folder, { action: 'write to', area: 'license folder', pkg: pkg.name });
      } else {
        throw new RelengError(
          `license file "${rel}" of package "${pkg.name}" is outside the package sources`,
          {
            pkg: pkg.name,
            file: pkg.definitionFile,
            stage: 'license',
            hint: 'licenseFiles (LICENSE_FILES) are relative to the top of the package sources, without ".."',
          },
        );
      }
      await mkdir(join(target, '..'), { recursive: true });
      try {
        await copyFile(source, target);
      } catch {
        // releng-tool warns and goes on (a project written for it relies on that)
        if (project.format === 'releng-tool') {
          options.warn(`license file missing: ${source}`, pkg.name);
          continue;
        }
        throw new RelengError(
          `license file "${rel}" of package "${pkg.name}" does not exist (${source})`,
          {
            pkg: pkg.name,
            file: pkg.definitionFile,
            stage: 'license',
            hint: 'fix licenseFiles (LICENSE_FILES): paths are relative to the package sources',
          },
        );
      }
      // A license file listed in the package's hash file must match it (a
      // changed license is worth stopping for); unlisted ones are not nagged about.
      await verifyLicenseFile(
        {
          pkg,
          options: { onlyMirror: false, werror: false, force: false, devmode: options.devmode },
          warn: (m) => options.warn(m, pkg.name),
        },
        rel,
        options.sourcesDir(pkg),
        { warnMissing: false },
      );
      files.push(target);
    }
    result.push({ pkg, licenses: pkg.license, files });
  }
  // One warning for all of them: a project of 200 unlicensed packages should not print 200 lines.
  // releng-tool does not warn about them: its projects hear of it only with --verbose.
  const unlicensedNote =
    project.format === 'releng-tool'
      ? (message: string): void => options.verbose?.(message)
      : (message: string, pkg: string): void => options.warn(message, pkg);
  if (unlicensed.length === 1) {
    unlicensedNote(
      `package "${unlicensed[0]}" has no license information (add license and licenseFiles)`,
      unlicensed[0]!,
    );
  } else if (unlicensed.length > 1) {
    const shown =
      unlicensed.slice(0, 8).join(', ') +
      (unlicensed.length > 8 ? `, … (${unlicensed.length - 8} more)` : '');
    unlicensedNote(
      `${unlicensed.length} external packages have no license information: ${shown} (add license and licenseFiles, or mark them internal)`,
      unlicensed[0]!,
    );
  }
  if (options.document !== false)
    await writeLicenseDocument(result, project.licenseHeader, dirs.license);
  return result;
}

async function writeLicenseDocument(
  all: PackageLicenses[],
  header: string | undefined,
  dir: string,
): Promise<void> {
  const rule = '-'.repeat(78);
  const parts: string[] = [];
  if (header) parts.push(header.endsWith('\n') ? header : `${header}\n`);
  for (const { pkg, licenses, files } of all) {
    // as releng-tool, a package without a version is named by its revision
    const version = pkg.version || pkg.revision;
    parts.push(
      `${rule}\n${pkg.name}${version ? ` ${version}` : ''}${licenses.length ? ` (${licenses.join(', ')})` : ''}\n${rule}\n`,
    );
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      parts.push(
        `${files.length > 1 ? `[${basename(file)}]\n` : ''}${text.endsWith('\n') ? text : `${text}\n`}`,
      );
    }
  }
  await writeFileAtomic(join(dir, 'licenses'), parts.join('\n'));
}

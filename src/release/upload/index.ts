/** Upload targets: one module each, registered here by `type`. */
import { RelengError } from '../../util/errors.ts';
import { directoryTarget } from './directory.ts';
import type { UploadConfig, UploadContext, UploadReport, UploadTarget } from './types.ts';

export type { UploadConfig, UploadContext, UploadReport, UploadTarget } from './types.ts';

/** Every target, loaded on use (the repository targets pull in the APT/YUM writers). */
export const UPLOAD_TARGETS: Readonly<Record<string, () => Promise<UploadTarget>>> = {
  directory: async () => directoryTarget,
  apt: async () => (await import('./repository.ts')).repositoryTarget,
  yum: async () => (await import('./repository.ts')).repositoryTarget,
  pypi: async () => (await import('./pypi.ts')).pypiTarget,
  webdav: async () => (await import('./webdav.ts')).webdavTarget,
};

/** Uploads the release folder to every configured target, in order. */
export async function uploadAll(
  ctx: UploadContext,
  targets: readonly UploadConfig[],
): Promise<UploadReport[]> {
  const reports: UploadReport[] = [];
  for (const t of targets) {
    const load = UPLOAD_TARGETS[t.type];
    if (!load)
      throw new RelengError(`release: unknown upload type "${t.type}"`, {
        hint: `one of ${Object.keys(UPLOAD_TARGETS).join(', ')}`,
      });
    reports.push(await (await load()).upload(ctx, t));
  }
  return reports;
}

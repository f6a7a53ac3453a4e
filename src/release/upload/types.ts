/** What an upload target needs and gives. */
import type { DistResult } from '../dist/index.ts';

/** An `uploads` entry of the release config. */
export interface UploadConfig {
  /** `directory`, `apt`, `yum`, `pypi` or `webdav`. */
  type: string;
  [option: string]: unknown;
}

/** What every target gets. */
export interface UploadContext {
  dist: DistResult;
  name: string;
  version: string;
  /** Project root: relative paths in the config are resolved against it. */
  root: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** What a target did: files sent, files already there with the same bytes. */
export interface UploadReport {
  target: string;
  uploaded: string[];
  unchanged: string[];
}

/** One kind of upload target. Re-running an upload must be harmless (same bytes: nothing sent). */
export interface UploadTarget {
  upload(ctx: UploadContext, config: UploadConfig): Promise<UploadReport>;
}

/** Every file of the release folder: the checksummed ones and the meta files. */
export function releaseFiles(dist: DistResult): string[] {
  return [...dist.files.map((f) => f.name), ...dist.meta].sort();
}

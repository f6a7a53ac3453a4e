/**
 * The release's SBOM: SPDX 2.3 JSON from src/licenses — the project's
 * packages (with the hashes of their fetched sources) when it is a releng
 * project, plus every artifact of the release with its digest.
 */
import { basename } from 'node:path';
import { type SbomPackage, spdxDocument } from '../../licenses/sbom.ts';
import type { ProjectModel } from '../../project/model.ts';
import type { Digested } from './checksums.ts';

/** The SPDX document text. `project` names the document (its root folder). */
export function releaseSbom(
  project: Pick<ProjectModel, 'root'>,
  name: string,
  version: string,
  packages: readonly SbomPackage[],
  artifacts: readonly Digested[],
  created: Date,
): string {
  const released: SbomPackage[] = artifacts.map((a) => ({
    name: a.name,
    version,
    hashes: [{ file: basename(a.name), sha256: a.sha256 }],
    dependencies: packages.map((p) => p.name),
    internal: true,
  }));
  // spdxDocument reads only the root (for the document's name).
  const doc = spdxDocument(
    { ...project, root: `/${name}` } as ProjectModel,
    [...packages, ...released],
    created,
  );
  return `${JSON.stringify(doc, null, 2)}\n`;
}

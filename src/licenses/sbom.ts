import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type PackageModel,
  type ProjectDirs,
  type ProjectModel,
  packageFolder,
} from '../project/model.ts';
import { isFile, writeFileAtomic } from '../util/fs.ts';
import { maskCredentials } from '../util/redact.ts';
import { SBOM_FILE_NAMES, type SbomFormat } from './sbom-formats.ts';
import { licenseExpression } from './spdx.ts';

export { SBOM_FILE_NAMES, SBOM_FORMATS, type SbomFormat, sbomFormats } from './sbom-formats.ts';

/** One package as the SBOM describes it. */
export interface SbomPackage {
  name: string;
  version: string;
  license?: string;
  /** Where the sources come from (the site), or undefined for virtual/local packages. */
  downloadLocation?: string;
  /** SHA-256 of each fetched source file in dl/. */
  hashes: Array<{ file: string; sha256: string }>;
  dependencies: string[];
  internal: boolean;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Gathers what the SBOM says about each package (hashes of its fetched files
 * in dl/). A list of licenses is one expression joined with `listJoin`: AND
 * for releng, OR as releng-tool reads a LICENSE list (any one of them).
 */
export async function describePackages(
  packages: readonly PackageModel[],
  dirs: ProjectDirs,
  listJoin: 'AND' | 'OR' = 'AND',
): Promise<SbomPackage[]> {
  const dl = await readdir(dirs.dl).catch(() => [] as string[]);
  const out: SbomPackage[] = [];
  for (const pkg of packages) {
    const stem = packageFolder(pkg);
    // a releng-tool project's package has one cache file, in dl/<pkg>/
    const files = pkg.dlFile
      ? (await isFile(join(dirs.dl, pkg.dlFile)))
        ? [pkg.dlFile]
        : []
      : dl
          .filter(
            (f) => (f === stem || f.startsWith(`${stem}.`)) && !/\.(tmp|part|mismatch)/.test(f),
          )
          .sort();
    const hashes = [];
    for (const file of files) hashes.push({ file, sha256: await sha256(join(dirs.dl, file)) });
    const remote = pkg.site && pkg.vcsType !== 'local' && pkg.vcsType !== 'none';
    out.push({
      name: pkg.name,
      version: pkg.version,
      license: licenseExpression(pkg.license, listJoin),
      // Credentials in the site are for the fetch, never for the SBOM.
      downloadLocation: remote ? maskCredentials(pkg.site!) : undefined,
      hashes,
      dependencies: [...pkg.dependencies],
      internal: pkg.internal,
    });
  }
  return out;
}

const spdxId = (name: string) => `SPDXRef-Package-${name.replace(/[^A-Za-z0-9.-]/g, '-')}`;

/** SPDX 2.3 JSON document. */
export function spdxDocument(
  project: ProjectModel,
  pkgs: SbomPackage[],
  created: Date,
): Record<string, unknown> {
  const name = projectName(project);
  const digest = createHash('sha256').update(JSON.stringify(pkgs)).digest('hex').slice(0, 32);
  // releng-tool's values for its projects: a package without any license is
  // concluded NONE, and a package not downloaded (a local site) is located
  // NONE; native projects say NOASSERTION (nothing was concluded or looked up)
  const rt = project.format === 'releng-tool';
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: `https://spdx.org/spdxdocs/releng/${encodeURIComponent(name)}-${digest}`,
    creationInfo: {
      created: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: ['Tool: releng'],
    },
    packages: pkgs.map((p) => ({
      name: p.name,
      SPDXID: spdxId(p.name),
      ...(p.version ? { versionInfo: p.version } : {}),
      downloadLocation: p.downloadLocation ?? (rt ? 'NONE' : 'NOASSERTION'),
      filesAnalyzed: false,
      licenseConcluded: rt && !p.license ? 'NONE' : 'NOASSERTION',
      licenseDeclared: p.license ?? 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      ...(p.hashes.length
        ? { checksums: p.hashes.map((h) => ({ algorithm: 'SHA256', checksumValue: h.sha256 })) }
        : {}),
      primaryPackagePurpose: 'SOURCE',
    })),
    relationships: [
      ...pkgs.map((p) => ({
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: spdxId(p.name),
      })),
      ...pkgs.flatMap((p) =>
        p.dependencies.map((d) => ({
          spdxElementId: spdxId(p.name),
          relationshipType: 'DEPENDS_ON',
          relatedSpdxElement: spdxId(d),
        })),
      ),
    ],
  };
}

/** CycloneDX 1.6 JSON document. */
export function cyclonedxDocument(
  project: ProjectModel,
  pkgs: SbomPackage[],
  created: Date,
): Record<string, unknown> {
  const digest = createHash('sha256').update(JSON.stringify(pkgs)).digest('hex');
  const serial = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-5${digest.slice(13, 16)}-8${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  const ref = (name: string) => `pkg:${name}`;
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      timestamp: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tools: { components: [{ type: 'application', name: 'releng' }] },
      component: { type: 'application', name: projectName(project), 'bom-ref': 'project' },
    },
    components: pkgs.map((p) => ({
      type: 'library',
      'bom-ref': ref(p.name),
      name: p.name,
      ...(p.version ? { version: p.version } : {}),
      ...(p.license ? { licenses: [{ expression: p.license }] } : {}),
      ...(p.hashes.length
        ? { hashes: p.hashes.map((h) => ({ alg: 'SHA-256', content: h.sha256 })) }
        : {}),
      ...(p.downloadLocation
        ? { externalReferences: [{ type: 'distribution', url: p.downloadLocation }] }
        : {}),
    })),
    dependencies: [
      { ref: 'project', dependsOn: pkgs.map((p) => ref(p.name)) },
      ...pkgs.map((p) => ({ ref: ref(p.name), dependsOn: p.dependencies.map(ref) })),
    ],
  };
}

function projectName(project: ProjectModel): string {
  return project.root.split('/').filter(Boolean).pop() ?? 'project';
}

function textSummary(project: ProjectModel, pkgs: SbomPackage[]): string {
  const rows = pkgs.map((p) => [
    p.name,
    p.version || '-',
    p.license ?? '(none)',
    p.downloadLocation ?? '(local)',
    p.dependencies.join(', ') || '-',
  ]);
  const head = ['package', 'version', 'license', 'source', 'depends on'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const hashes = pkgs.flatMap((p) => p.hashes.map((h) => `${h.sha256}  ${h.file}`));
  return [
    `Software bill of materials: ${projectName(project)} (${pkgs.length} packages)`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...(hashes.length ? ['', 'Fetched sources (SHA-256):', ...hashes] : []),
    '',
  ].join('\n');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function htmlSummary(project: ProjectModel, pkgs: SbomPackage[]): string {
  const rows = pkgs
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.version)}</td><td>${escapeHtml(p.license ?? '')}</td><td>${escapeHtml(p.downloadLocation ?? '')}</td><td>${escapeHtml(p.dependencies.join(', '))}</td><td>${p.hashes.map((h) => `<code>${h.sha256}</code>`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SBOM: ${escapeHtml(projectName(project))}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head>
<body><h1>Software bill of materials: ${escapeHtml(projectName(project))}</h1>
<table><thead><tr><th>Package</th><th>Version</th><th>License</th><th>Source</th><th>Depends on</th><th>SHA-256</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

async function render(
  format: SbomFormat,
  project: ProjectModel,
  pkgs: SbomPackage[],
  created: Date,
): Promise<string> {
  switch (format) {
    case 'json-spdx':
      return `${JSON.stringify(spdxDocument(project, pkgs, created), null, 2)}\n`;
    case 'json-cyclonedx':
      return `${JSON.stringify(cyclonedxDocument(project, pkgs, created), null, 2)}\n`;
    case 'html':
      return htmlSummary(project, pkgs);
    case 'text':
      return textSummary(project, pkgs);
    default: {
      const more = await import('./sbom-more.ts');
      if (format === 'csv') return more.csvSbom(pkgs);
      if (format === 'json') return more.jsonSbom(project, pkgs, created);
      if (format === 'xml') return more.xmlSbom(project, pkgs, created);
      if (format === 'rdf-spdx') return more.rdfSpdx(spdxDocument(project, pkgs, created));
      return more.xmlCyclonedx(cyclonedxDocument(project, pkgs, created));
    }
  }
}

/**
 * Writes the SBOM files into the output directory. Times come from
 * SOURCE_DATE_EPOCH when set, so the same inputs give the same bytes.
 */
export async function writeSbom(
  project: ProjectModel,
  packages: readonly PackageModel[],
  dirs: ProjectDirs,
  formats: readonly SbomFormat[],
): Promise<string[]> {
  // releng-tool's EXCLUDE_SBOM leaves a package out of the SBOM, and so does
  // releng-tool for a placeholder package (one without sources: site type none)
  const listed = packages.filter(
    (p) =>
      !(p.options.relengTool as Record<string, unknown> | undefined)?.EXCLUDE_SBOM &&
      !(project.format === 'releng-tool' && p.vcsType === 'none'),
  );
  const pkgs = await describePackages(
    listed,
    dirs,
    project.format === 'releng-tool' ? 'OR' : 'AND',
  );
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const created = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  const written: string[] = [];
  for (const format of formats) {
    const file = join(dirs.output, SBOM_FILE_NAMES[format]);
    const body = await render(format, project, pkgs, created);
    await writeFileAtomic(file, body);
    written.push(file);
  }
  return written;
}

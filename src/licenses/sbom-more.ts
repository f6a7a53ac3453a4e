// releng-tool's other SBOM formats: CSV, its own JSON and XML, SPDX 2.3 as
// RDF/XML and CycloneDX 1.6 as XML. Each is a function of the same package
// descriptions the JSON documents use (sbom.ts).
import type { ProjectModel } from '../project/model.ts';
import type { SbomPackage } from './sbom.ts';

const xml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One row per package: name, version, license, source, dependencies, SHA-256 digests. */
export function csvSbom(pkgs: readonly SbomPackage[]): string {
  const rows = [['name', 'version', 'license', 'source', 'dependencies', 'sha256']];
  for (const p of pkgs) {
    rows.push([
      p.name,
      p.version,
      p.license ?? '',
      p.downloadLocation ?? '',
      p.dependencies.join(' '),
      p.hashes.map((h) => h.sha256).join(' '),
    ]);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

function plain(project: ProjectModel, pkgs: readonly SbomPackage[], created: Date) {
  return {
    project: project.root.split('/').filter(Boolean).pop() ?? 'project',
    created: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    packages: pkgs.map((p) => ({
      name: p.name,
      version: p.version,
      license: p.license ?? null,
      source: p.downloadLocation ?? null,
      internal: p.internal,
      dependencies: p.dependencies,
      hashes: p.hashes.map((h) => ({ file: h.file, sha256: h.sha256 })),
    })),
  };
}

/** releng-tool's own JSON form (`json`): the package list. */
export function jsonSbom(
  project: ProjectModel,
  pkgs: readonly SbomPackage[],
  created: Date,
): string {
  return `${JSON.stringify(plain(project, pkgs, created), null, 2)}\n`;
}

/** releng-tool's own XML form (`xml`): the package list. */
export function xmlSbom(
  project: ProjectModel,
  pkgs: readonly SbomPackage[],
  created: Date,
): string {
  const doc = plain(project, pkgs, created);
  const pkgXml = doc.packages.map(
    (p) =>
      `  <package name="${xml(p.name)}" version="${xml(p.version)}" internal="${p.internal}">\n` +
      (p.license ? `    <license>${xml(p.license)}</license>\n` : '') +
      (p.source ? `    <source>${xml(p.source)}</source>\n` : '') +
      p.dependencies.map((d) => `    <dependency>${xml(d)}</dependency>\n`).join('') +
      p.hashes.map((h) => `    <hash file="${xml(h.file)}" sha256="${h.sha256}"/>\n`).join('') +
      '  </package>\n',
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sbom project="${xml(doc.project)}" created="${doc.created}">\n${pkgXml.join('')}</sbom>\n`;
}

/** SPDX 2.3 as RDF/XML (`rdf-spdx`), from the JSON document's fields. */
export function rdfSpdx(spdx: Record<string, unknown>): string {
  const packages = spdx.packages as Array<Record<string, unknown>>;
  const relationships = spdx.relationships as Array<Record<string, string>>;
  const ns = String(spdx.documentNamespace);
  const info = spdx.creationInfo as { created: string; creators: string[] };
  const pkgXml = packages.map((p) => {
    const sums = (p.checksums as Array<{ checksumValue: string }> | undefined) ?? [];
    return (
      `    <spdx:Package rdf:about="${xml(ns)}#${xml(String(p.SPDXID))}">\n` +
      `      <spdx:name>${xml(String(p.name))}</spdx:name>\n` +
      (p.versionInfo
        ? `      <spdx:versionInfo>${xml(String(p.versionInfo))}</spdx:versionInfo>\n`
        : '') +
      `      <spdx:downloadLocation>${xml(String(p.downloadLocation))}</spdx:downloadLocation>\n` +
      '      <spdx:filesAnalyzed rdf:datatype="http://www.w3.org/2001/XMLSchema#boolean">false</spdx:filesAnalyzed>\n' +
      `      <spdx:licenseDeclared>${xml(String(p.licenseDeclared))}</spdx:licenseDeclared>\n` +
      `      <spdx:licenseConcluded>${xml(String(p.licenseConcluded ?? 'NOASSERTION'))}</spdx:licenseConcluded>\n` +
      '      <spdx:copyrightText>NOASSERTION</spdx:copyrightText>\n' +
      sums
        .map(
          (c) =>
            '      <spdx:checksum><spdx:Checksum>\n' +
            '        <spdx:algorithm rdf:resource="http://spdx.org/rdf/terms#checksumAlgorithm_sha256"/>\n' +
            `        <spdx:checksumValue>${c.checksumValue}</spdx:checksumValue>\n` +
            '      </spdx:Checksum></spdx:checksum>\n',
        )
        .join('') +
      '    </spdx:Package>\n'
    );
  });
  const rel = relationships.map(
    (r) =>
      '    <spdx:relationship><spdx:Relationship>\n' +
      `      <spdx:spdxElementId>${xml(r.spdxElementId!)}</spdx:spdxElementId>\n` +
      `      <spdx:relationshipType rdf:resource="http://spdx.org/rdf/terms#relationshipType_${r.relationshipType!.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}"/>\n` +
      `      <spdx:relatedSpdxElement>${xml(r.relatedSpdxElement!)}</spdx:relatedSpdxElement>\n` +
      '    </spdx:Relationship></spdx:relationship>\n',
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:spdx="http://spdx.org/rdf/terms#">
  <spdx:SpdxDocument rdf:about="${xml(ns)}#SPDXRef-DOCUMENT">
    <spdx:specVersion>SPDX-2.3</spdx:specVersion>
    <spdx:dataLicense rdf:resource="http://spdx.org/licenses/CC0-1.0"/>
    <spdx:name>${xml(String(spdx.name))}</spdx:name>
    <spdx:creationInfo><spdx:CreationInfo>
      <spdx:created>${info.created}</spdx:created>
${info.creators.map((c) => `      <spdx:creator>${xml(c)}</spdx:creator>\n`).join('')}    </spdx:CreationInfo></spdx:creationInfo>
${pkgXml.join('')}${rel.join('')}  </spdx:SpdxDocument>
</rdf:RDF>
`;
}

/** CycloneDX 1.6 as XML (`xml-cyclonedx`), from the JSON document's fields. */
export function xmlCyclonedx(cdx: Record<string, unknown>): string {
  const meta = cdx.metadata as { timestamp: string; component: { name: string } };
  const components = cdx.components as Array<Record<string, unknown>>;
  const deps = cdx.dependencies as Array<{ ref: string; dependsOn: string[] }>;
  const comp = components.map((c) => {
    const licenses = (c.licenses as Array<{ expression: string }> | undefined) ?? [];
    const hashes = (c.hashes as Array<{ content: string }> | undefined) ?? [];
    const refs = (c.externalReferences as Array<{ url: string }> | undefined) ?? [];
    return (
      `    <component type="library" bom-ref="${xml(String(c['bom-ref']))}">\n` +
      `      <name>${xml(String(c.name))}</name>\n` +
      (c.version ? `      <version>${xml(String(c.version))}</version>\n` : '') +
      (hashes.length
        ? `      <hashes>\n${hashes.map((h) => `        <hash alg="SHA-256">${h.content}</hash>\n`).join('')}      </hashes>\n`
        : '') +
      (licenses.length
        ? `      <licenses>\n${licenses.map((l) => `        <expression>${xml(l.expression)}</expression>\n`).join('')}      </licenses>\n`
        : '') +
      (refs.length
        ? `      <externalReferences>\n${refs.map((r) => `        <reference type="distribution"><url>${xml(r.url)}</url></reference>\n`).join('')}      </externalReferences>\n`
        : '') +
      '    </component>\n'
    );
  });
  const dep = deps.map(
    (d) =>
      `    <dependency ref="${xml(d.ref)}">${d.dependsOn.map((r) => `<dependency ref="${xml(r)}"/>`).join('')}</dependency>\n`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" serialNumber="${xml(String(cdx.serialNumber))}" version="1">
  <metadata>
    <timestamp>${meta.timestamp}</timestamp>
    <tools><components><component type="application"><name>releng</name></component></components></tools>
    <component type="application" bom-ref="project"><name>${xml(meta.component.name)}</name></component>
  </metadata>
  <components>
${comp.join('')}  </components>
  <dependencies>
${dep.join('')}  </dependencies>
</bom>
`;
}

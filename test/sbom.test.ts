import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeProject, nativePackage, releng, removeProject, writeFiles } from './helpers.ts';

const require = createRequire(import.meta.url);
const roots: string[] = [];
after(async () => {
  for (const r of roots) await removeProject(r);
});

/** The official CycloneDX 1.6 JSON schema, as shipped by the CycloneDX project's own library. */
async function cyclonedxValidator() {
  const { default: Ajv } = await import('ajv');
  const { default: addFormats } = await import('ajv-formats');
  const dir = join(
    require.resolve('@cyclonedx/cyclonedx-library/package.json'),
    '..',
    'res/schema',
  );
  const load = async (f: string) => JSON.parse(await readFile(join(dir, f), 'utf8'));
  const ajv = new (Ajv as unknown as typeof import('ajv').default)({
    strict: false,
    allErrors: true,
  });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  // bom-1.6 refers to its companions by file name, relative to its own $id.
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    const { $id: _id, ...schema } = await load(name);
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${name}`);
  }
  return ajv.compile(await load('bom-1.6.SNAPSHOT.schema.json'));
}

describe('SBOM', () => {
  it('writes SPDX 2.3 and CycloneDX 1.6 documents with packages, licenses, sources, hashes and dependencies', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['app'] };\n`,
      'package/app/app.ts': nativePackage(
        `{ version: '2.0', site: 'local', license: 'MIT', dependencies: ['lib'] }`,
      ),
      'package/app/local/main.c': 'int main(void) { return 0; }\n',
      'package/lib/lib.ts': nativePackage(`{ version: '1.1', license: ['Apache-2.0', 'MIT'] }`),
    });
    roots.push(root);
    // A fetched source in dl/ (as a download would leave it) gets its hash recorded.
    await writeFiles(root, { 'dl/lib-1.1.tar.gz': 'pretend archive' });
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const r = await releng(['-R', root, '--sbom-format', 'json-spdx,json-cyclonedx,text,html'], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);

    const cdx = JSON.parse(await readFile(join(root, 'output/sbom-cyclonedx.json'), 'utf8'));
    const validate = await cyclonedxValidator();
    const asData = (d: unknown): unknown => d;
    assert.ok(validate(asData(cdx)), JSON.stringify(validate.errors, null, 2));
    // The schema really constrains: a malformed component is rejected.
    assert.equal(validate(asData({ ...cdx, components: [{ type: 'bogus', name: 'x' }] })), false);
    const lib = cdx.components.find((c: { name: string }) => c.name === 'lib');
    assert.equal(lib.version, '1.1');
    assert.deepEqual(lib.licenses, [{ expression: 'Apache-2.0 AND MIT' }]);
    assert.equal(lib.hashes[0].alg, 'SHA-256');
    assert.equal(
      lib.hashes[0].content,
      createHash('sha256').update('pretend archive').digest('hex'),
    );
    assert.deepEqual(cdx.dependencies.find((d: { ref: string }) => d.ref === 'pkg:app').dependsOn, [
      'pkg:lib',
    ]);
    assert.equal(cdx.metadata.timestamp, '2023-11-14T22:13:20Z');

    const spdx = JSON.parse(await readFile(join(root, 'output/sbom-spdx.json'), 'utf8'));
    assert.equal(spdx.spdxVersion, 'SPDX-2.3');
    assert.equal(spdx.dataLicense, 'CC0-1.0');
    assert.equal(spdx.creationInfo.created, '2023-11-14T22:13:20Z');
    const spdxLib = spdx.packages.find((p: { name: string }) => p.name === 'lib');
    assert.equal(spdxLib.licenseDeclared, 'Apache-2.0 AND MIT');
    assert.equal(spdxLib.checksums[0].algorithm, 'SHA256');
    assert.match(spdxLib.checksums[0].checksumValue, /^[0-9a-f]{64}$/);
    assert.ok(
      spdx.relationships.some(
        (rel: Record<string, string>) =>
          rel.spdxElementId === 'SPDXRef-Package-app' &&
          rel.relationshipType === 'DEPENDS_ON' &&
          rel.relatedSpdxElement === 'SPDXRef-Package-lib',
      ),
    );
    // Every element a relationship names exists (what the SPDX validators check).
    const ids = new Set([
      'SPDXRef-DOCUMENT',
      ...spdx.packages.map((p: { SPDXID: string }) => p.SPDXID),
    ]);
    for (const rel of spdx.relationships)
      assert.ok(ids.has(rel.relatedSpdxElement) && ids.has(rel.spdxElementId));

    const text = await readFile(join(root, 'output/sbom.txt'), 'utf8');
    assert.match(text, /^lib +1\.1 +Apache-2\.0 AND MIT/m);
    assert.match(
      await readFile(join(root, 'output/sbom.html'), 'utf8'),
      /<td>lib<\/td><td>1\.1<\/td>/,
    );

    // Same inputs and SOURCE_DATE_EPOCH: same bytes.
    const before = await readFile(join(root, 'output/sbom-spdx.json'));
    assert.equal(
      (await releng(['-R', root, 'sbom', '--sbom-format', 'json-spdx'], { env })).code,
      0,
    );
    assert.ok(before.equals(await readFile(join(root, 'output/sbom-spdx.json'))));
  });

  it('rejects an unknown SBOM format with a suggestion', async () => {
    const root = await makeProject({
      'releng.config.ts': `export default { packages: ['a'] };\n`,
      'package/a/a.ts': nativePackage(`{}`),
    });
    roots.push(root);
    const r = await releng(['-R', root, 'sbom', '--sbom-format', 'json-cyclondx']);
    assert.equal(r.code, 2, 'a usage error');
    assert.match(
      r.stderr,
      /unknown SBOM format "json-cyclondx" \(did you mean (?:"json" or )?"json-cyclonedx"\?\)/,
    );
  });
});

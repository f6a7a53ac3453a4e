/**
 * A provenance statement for a release: an in-toto Statement v1 whose
 * predicate is SLSA Provenance v1 (https://slsa.dev/provenance/v1) — the
 * artifacts as subjects, the source repository at the release commit and
 * every fetched source as resolved dependencies, releng and its version as
 * the builder. Pure data; the caller writes it.
 */
import type { Digested } from './checksums.ts';

/** What the statement says. */
export interface ProvenanceInput {
  subjects: readonly Digested[];
  /** Where the sources are: the remote URL (credentials removed) or a file URL. */
  repository: string;
  commit: string;
  tag: string;
  version: string;
  relengVersion: string;
  /** The user's choices that shaped the release. */
  parameters: Record<string, unknown>;
  /** Fetched sources (dl/) the release was made from. */
  materials: ReadonlyArray<{ name: string; sha256: string; uri?: string }>;
  startedOn: Date;
  finishedOn: Date;
}

/** The build type URI: says how to read externalParameters. */
export const RELENG_BUILD_TYPE = 'urn:releng:release:v1';

const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The in-toto statement. */
export function provenanceStatement(p: ProvenanceInput): Record<string, unknown> {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: p.subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: RELENG_BUILD_TYPE,
        externalParameters: {
          source: { uri: p.repository, ref: `refs/tags/${p.tag}` },
          version: p.version,
          ...p.parameters,
        },
        internalParameters: { tool: 'releng' },
        resolvedDependencies: [
          { uri: `git+${p.repository}@refs/tags/${p.tag}`, digest: { gitCommit: p.commit } },
          ...p.materials.map((m) => ({
            name: m.name,
            ...(m.uri ? { uri: m.uri } : {}),
            digest: { sha256: m.sha256 },
          })),
        ],
      },
      runDetails: {
        builder: { id: 'urn:releng:builder:local', version: { releng: p.relengVersion } },
        metadata: {
          invocationId: `${p.tag}@${p.commit}`,
          startedOn: stamp(p.startedOn),
          finishedOn: stamp(p.finishedOn),
        },
      },
    },
  };
}

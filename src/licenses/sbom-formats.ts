import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';

/** SBOM formats releng writes (releng-tool's names; `all` is every one). */
export const SBOM_FORMATS = [
  'text',
  'html',
  'json-spdx',
  'json-cyclonedx',
  'csv',
  'json',
  'xml',
  'rdf-spdx',
  'xml-cyclonedx',
] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

/** Where each format is written, in the output folder (releng-tool's file names). */
export const SBOM_FILE_NAMES: Record<SbomFormat, string> = {
  text: 'sbom.txt',
  html: 'sbom.html',
  'json-spdx': 'sbom-spdx.json',
  'json-cyclonedx': 'sbom-cyclonedx.json',
  csv: 'sbom.csv',
  json: 'sbom.json',
  xml: 'sbom.xml',
  'rdf-spdx': 'sbom-spdx.xml',
  'xml-cyclonedx': 'sbom-cyclonedx.xml',
};

/** Reads and validates the SBOM format list (`--sbom-format`, project `sbomFormat`). */
export function sbomFormats(value: string | readonly string[] | undefined): SbomFormat[] {
  const list =
    value === undefined
      ? ['text', 'json-spdx', 'json-cyclonedx']
      : typeof value === 'string'
        ? value.split(',')
        : [...value];
  if (list.some((f) => f.trim() === 'all')) return [...SBOM_FORMATS];
  const aliases: Record<string, SbomFormat> = {
    spdx: 'json-spdx',
    cyclonedx: 'json-cyclonedx',
    txt: 'text',
  };
  return list.map((raw) => {
    const f = raw.trim();
    const known = (SBOM_FORMATS as readonly string[]).includes(f) ? (f as SbomFormat) : aliases[f];
    if (!known) {
      throw new RelengError(`unknown SBOM format "${f}"${didYouMean(f, SBOM_FORMATS)}`, {
        hint: `use one or more of ${SBOM_FORMATS.join(', ')}, or all`,
      });
    }
    return known;
  });
}

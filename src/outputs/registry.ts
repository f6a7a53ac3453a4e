/** The output formats releng can write: one registration line per format. */
import type { OutputFormat } from './description.ts';
import { debPackager } from './formats/deb.ts';
import { ipsPackager } from './formats/ips.ts';
import { rpmPackager } from './formats/rpm.ts';
import { tarGzPackager, tarPackagerPlain, tarXzPackager, tarZstPackager } from './formats/tar.ts';
import { zipPackager } from './formats/zip.ts';
import type { Packager } from './types.ts';

const registry = new Map<OutputFormat, Packager>();

/** Registers (or replaces) the writer of a format. */
export function registerPackager(p: Packager): void {
  registry.set(p.format, p);
}

/** The writer of a format, if any. */
export function getPackager(format: OutputFormat): Packager | undefined {
  return registry.get(format);
}

registerPackager(debPackager);
registerPackager(rpmPackager);
registerPackager(tarPackagerPlain);
registerPackager(tarGzPackager);
registerPackager(tarXzPackager);
registerPackager(tarZstPackager);
registerPackager(zipPackager);
registerPackager(ipsPackager);

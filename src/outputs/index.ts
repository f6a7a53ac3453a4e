/**
 * Writing packages (.deb, .rpm) and archives (tar.*, zip) from a packaging
 * description. Entry points: {@link loadDescriptionFile} and {@link writeOutputs}.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nunjucks from 'nunjucks';
import YAML from 'yaml';
import { DpkgHost } from '../analyze/deb-deps.ts';
import { prepareBinaries } from './binaries.ts';
import {
  type ChangelogEntry,
  checkIdentity,
  expandDescription,
  type OutputDescription,
  type OutputFormat,
  outputLabel,
  type PackagingDescription,
  parseDependency,
  parseTime,
  resolveArchitecture,
  type ScriptSpec,
} from './description.ts';
import { OutputError } from './errors.ts';
import { type FileEntry, resolveFileset } from './fileset.ts';
import { checkLevel, defaultLevel } from './lib/compress.ts';
import { getPackager } from './registry.ts';
import type { PackageMeta, Relation, ResolvedChange, ScriptName } from './types.ts';

export type {
  ContentEntry,
  OutputDescription,
  OutputFormat,
  PackagingDescription,
} from './description.ts';

import { faultPoint, temporaryPid } from '../repository/recovery.ts';
import { replaceVia } from '../util/fs.ts';
import { removeDeadProcessEntries } from '../util/pid.ts';

export { OutputError } from './errors.ts';
export type { FileEntry } from './fileset.ts';
export { getPackager, registerPackager } from './registry.ts';
export type { PackageMeta, Packager } from './types.ts';

/**
 * Default time (2020-01-01T00:00:00Z) used for mtimes and build times when
 * neither `SOURCE_DATE_EPOCH` nor a changelog date is available.
 */
export const DEFAULT_EPOCH = 1577836800;

/** A description read from a file, remembering its directory (script paths are relative to it). */
export interface LoadedDescription {
  readonly kind: 'loaded-description';
  /** Absolute path of the file. */
  readonly file: string;
  /** Directory of the file. */
  readonly dir: string;
  /** The parsed, not yet validated, description. */
  readonly description: unknown;
}

/** Options of {@link writeOutputs}. */
export interface WriteOutputsOptions {
  /** Directory `contents[].src` paths are relative to (a sysroot, or any directory). */
  sourceDir: string;
  /** Where the packages are written (created if missing), e.g. `output/images`. */
  imagesDir: string;
  /** Template variables (the project's variables); the description's own fields are added. */
  variables?: Record<string, unknown>;
  /**
   * Build time and default mtime, in seconds. Default: `$SOURCE_DATE_EPOCH`,
   * else the newest changelog date, else {@link DEFAULT_EPOCH}.
   */
  sourceDateEpoch?: number | string;
  /** Directory script files and `from: 'description'` sources are relative to (default: the loaded file's directory, else `sourceDir`). */
  descriptionDir?: string;
  /** Only write these formats. */
  formats?: readonly OutputFormat[];
}

/** Reads a description file: JSON (`.json`) or YAML (`.yaml`, `.yml`; JSON is valid YAML too). */
export async function loadDescriptionFile(file: string): Promise<LoadedDescription> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    throw new OutputError(abs, '(file)', 'cannot read the description file');
  }
  let description: unknown;
  try {
    description = abs.endsWith('.json')
      ? JSON.parse(text)
      : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new OutputError(abs, '(file)', `cannot parse: ${(err as Error).message}`);
  }
  return { kind: 'loaded-description', file: abs, dir: path.dirname(abs), description };
}

function isLoaded(x: unknown): x is LoadedDescription {
  return (
    typeof x === 'object' && x !== null && (x as LoadedDescription).kind === 'loaded-description'
  );
}

const TEMPLATE_MARK = /\{\{|\{%/;

function makeRenderer(label: string): (text: string, field: string, ctx: object) => string {
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
  return (text, field, ctx) => {
    try {
      return env.renderString(text, ctx);
    } catch (err) {
      const msg = (err as Error).message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ');
      throw new OutputError(label, field, `template error: ${msg}`);
    }
  };
}

/** Renders every string value containing `{{` or `{%` (except file contents handled elsewhere). */
function renderValues(
  value: unknown,
  field: string,
  render: (t: string, f: string) => string,
): unknown {
  if (typeof value === 'string') return TEMPLATE_MARK.test(value) ? render(value, field) : value;
  if (Array.isArray(value)) return value.map((v, i) => renderValues(v, `${field}[${i}]`, render));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Inline content of template files is rendered by the file set when `template: true`.
      out[k] = k === 'content' ? v : renderValues(v, field ? `${field}.${k}` : k, render);
    }
    return out;
  }
  return value;
}

function changesOf(e: ChangelogEntry): string[] {
  const list = Array.isArray(e.changes) ? e.changes : e.changes.split('\n');
  return list.map((c) => c.replace(/^\s*[-*]\s+/, '').trim()).filter((c) => c.length > 0);
}

function resolveEpoch(
  opt: number | string | undefined,
  d: OutputDescription,
  label: string,
): number {
  const env = opt ?? process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0) {
      throw new OutputError(
        label,
        'SOURCE_DATE_EPOCH',
        `must be a non-negative integer, got '${env}'`,
      );
    }
    return n;
  }
  const times = (d.changelog ?? []).map((c, i) => parseTime(label, `changelog[${i}].date`, c.date));
  return times.length > 0 ? Math.max(...times) : DEFAULT_EPOCH;
}

async function readScript(
  label: string,
  slot: ScriptName,
  spec: ScriptSpec,
  dir: string,
  render: (t: string, f: string) => string,
): Promise<string> {
  const field = `scripts.${slot}`;
  const obj = typeof spec === 'string' ? { file: spec } : spec;
  let text: string;
  let isTemplate = obj.template;
  if (obj.inline !== undefined) {
    if (obj.file !== undefined)
      throw new OutputError(label, field, 'give either file or inline, not both');
    text = obj.inline;
    isTemplate ??= TEMPLATE_MARK.test(text);
  } else if (obj.file !== undefined) {
    const file = path.resolve(dir, obj.file);
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new OutputError(
        label,
        field,
        `script file '${obj.file}' does not exist (looked for ${file})`,
      );
    }
  } else {
    throw new OutputError(label, field, 'needs a file or inline text');
  }
  if (isTemplate) text = render(text, field);
  if (!text.startsWith('#!')) text = `#!/bin/sh\n${text}`;
  if (!text.endsWith('\n')) text += '\n';
  return text;
}

const RELATIONS: Relation[] = [
  'depends',
  'preDepends',
  'recommends',
  'suggests',
  'conflicts',
  'breaks',
  'replaces',
  'provides',
];

interface Prepared {
  meta: PackageMeta;
  description: OutputDescription;
  sourceDateEpoch: number;
  render: (t: string, f: string) => string;
}

/** Renders templates, validates and resolves one output's metadata. */
async function prepare(
  raw: OutputDescription,
  opts: WriteOutputsOptions,
  descriptionDir: string,
): Promise<Prepared> {
  let label = outputLabel(raw);
  const renderer = makeRenderer(label);
  const variables = opts.variables ?? {};
  // Identity fields first (they may use the project's variables), then everything else.
  const identityCtx = { ...variables, format: raw.format };
  const ident: Record<string, unknown> = {};
  for (const k of ['name', 'version', 'release', 'architecture'] as const) {
    const v = raw[k];
    ident[k] = typeof v === 'string' && TEMPLATE_MARK.test(v) ? renderer(v, k, identityCtx) : v;
  }
  label = outputLabel({ name: ident.name, format: raw.format });
  const arch = resolveArchitecture(label, ident.architecture as string | undefined);
  const archName = raw.format === 'rpm' ? arch.rpm : arch.deb;
  const ctx = {
    ...variables,
    ...raw,
    ...ident,
    release: (ident.release as string | undefined) ?? '1',
    arch: archName,
    format: raw.format,
  };
  const render = (t: string, f: string): string => makeRenderer(label)(t, f, ctx);
  const d = {
    ...(renderValues(raw, '', render) as OutputDescription),
    ...ident,
  } as OutputDescription;
  checkIdentity(label, d);

  const packager = getPackager(d.format);
  if (!packager) throw new OutputError(label, 'format', `no writer registered for '${d.format}'`);
  const isPackage = d.format === 'deb' || d.format === 'rpm';
  const summary = d.summary ?? (isPackage ? undefined : d.name);
  if (summary === undefined || summary.trim() === '') {
    throw new OutputError(label, 'summary', `is required for ${d.format}`);
  }
  if (/\n/.test(summary)) throw new OutputError(label, 'summary', 'must be a single line');
  if (d.format === 'deb' && !d.maintainer) {
    throw new OutputError(
      label,
      'maintainer',
      "is required for deb ('Name <email>')",
      'Debian Policy 5.6.2',
    );
  }
  if (d.maintainer !== undefined && !/^[^<>\n]+<[^<>\s]+@[^<>\s]+>$/.test(d.maintainer.trim())) {
    throw new OutputError(
      label,
      'maintainer',
      `'${d.maintainer}' must look like 'Name <email@example.org>'`,
    );
  }

  let compression = packager.defaultCompression;
  if (isPackage && d.compression) compression = d.compression;
  if (d.format === 'zip' && d.compression === 'none') compression = 'none';
  if (!packager.compressions.includes(compression)) {
    throw new OutputError(
      label,
      'compression',
      `${d.format} cannot use ${compression} (use ${packager.compressions.join(', ')})`,
    );
  }
  const level =
    d.compressionLevel ??
    defaultLevel(compression === 'none' && d.format === 'zip' ? 'none' : compression);
  const levelError = checkLevel(compression, level);
  if (levelError) throw new OutputError(label, 'compressionLevel', levelError);

  const relations = {} as Record<Relation, ReturnType<typeof parseDependency>[]>;
  for (const r of RELATIONS) {
    relations[r] = (d[r] ?? []).map((s, i) => parseDependency(label, `${r}[${i}]`, s));
  }

  const scripts: Partial<Record<ScriptName, string>> = {};
  for (const [slot, spec] of Object.entries(d.scripts ?? {})) {
    if (spec === undefined) continue;
    scripts[slot as ScriptName] = await readScript(
      label,
      slot as ScriptName,
      spec,
      descriptionDir,
      render,
    );
  }

  const changelog: ResolvedChange[] = (d.changelog ?? []).map((e, i) => ({
    version: e.version,
    time: parseTime(label, `changelog[${i}].date`, e.date),
    author: e.author,
    changes: changesOf(e),
  }));
  for (let i = 1; i < changelog.length; i++) {
    if (changelog[i]!.time > changelog[i - 1]!.time) {
      throw new OutputError(
        label,
        `changelog[${i}].date`,
        'changelog entries must be newest first',
      );
    }
  }

  let prefix = (d.prefix ?? '').replace(/^\/+/, '');
  if (prefix && !prefix.endsWith('/')) prefix += '/';

  const sourceDateEpoch = resolveEpoch(opts.sourceDateEpoch, d, label);
  const meta: PackageMeta = {
    label,
    format: d.format,
    name: d.name,
    version: d.version,
    release: d.release ?? '1',
    epoch: d.epoch,
    arch,
    maintainer: d.maintainer?.trim(),
    vendor: d.vendor,
    homepage: d.homepage,
    license: d.license,
    summary: summary.trim(),
    description: (d.description ?? summary).trim(),
    section: d.section ?? 'misc',
    priority: d.priority ?? 'optional',
    relations,
    scripts,
    changelog,
    compression,
    compressionLevel: level,
    prefix,
    deb: d.deb ?? {},
    rpm: d.rpm ?? {},
    autoRequires: [],
    autoProvides: [],
  };
  return { meta, description: d, sourceDateEpoch, render };
}

const WORK_PREFIX = 'releng-binaries-';

/** The pid in the name of a temporary sibling of `dest` (`dest.tmp-<pid>-…`), else undefined. */
const siblingPid =
  (dest: string) =>
  (name: string): number | undefined =>
    name.startsWith(`${path.basename(dest)}.`) ? temporaryPid(name) : undefined;

/** The pid in a work folder's name `<WORK_PREFIX><pid>-XXXXXX`, else undefined. */
function workDirPid(name: string): number | undefined {
  const m = name.startsWith(WORK_PREFIX)
    ? /^(\d+)-[A-Za-z0-9]{6}$/.exec(name.slice(WORK_PREFIX.length))
    : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Writes every output of a description (or of several) into `imagesDir`.
 * Each file is written under a temporary name and renamed when complete, so
 * a failure never leaves a partial package. Returns the paths written.
 */
export async function writeOutputs(
  input: PackagingDescription | PackagingDescription[] | LoadedDescription,
  opts: WriteOutputsOptions,
): Promise<string[]> {
  const loaded = isLoaded(input) ? input : undefined;
  const raw = loaded ? loaded.description : input;
  const label = loaded ? path.basename(loaded.file) : 'description';
  const descriptionDir = path.resolve(opts.descriptionDir ?? loaded?.dir ?? opts.sourceDir);
  let outputs = expandDescription(raw, label);
  if (opts.formats) outputs = outputs.filter((o) => opts.formats!.includes(o.format));

  // Validate everything before writing anything.
  const prepared: Prepared[] = [];
  for (const o of outputs) prepared.push(await prepare(o, opts, descriptionDir));

  const names = new Map<string, string>();
  const claim = (name: string, label: string): void => {
    if (name.includes('/') || name === '' || name.startsWith('.')) {
      throw new OutputError(label, 'fileName', `'${name}' must be a plain file name`);
    }
    const other = names.get(name);
    if (other) throw new OutputError(label, 'fileName', `'${name}' is also written by ${other}`);
    names.set(name, label);
  };
  const plans: Array<{ dest: string; files: FileEntry[]; meta: PackageMeta; epoch: number }> = [];
  // Stripped copies and debug files live here until the packages are written.
  // (named by pid, so a later run can remove what a killed one left)
  await removeDeadProcessEntries(tmpdir(), workDirPid, { ownOnly: true });
  const workDir = await mkdtemp(path.join(tmpdir(), `${WORK_PREFIX}${process.pid}-`));
  const dpkg = DpkgHost.current();
  try {
    for (const p of prepared) {
      const packager = getPackager(p.meta.format)!;
      const name = p.description.fileName ?? packager.fileName(p.meta);
      claim(name, p.meta.label);
      // Contents are resolved (and confined to their folders) before anything is written.
      const files = await resolveFileset(p.description.contents ?? [], {
        output: p.meta.label,
        sourceDir: path.resolve(opts.sourceDir),
        descriptionDir,
        descriptionFile: loaded?.file,
        mtime: p.sourceDateEpoch,
        render: p.render,
      });
      const bin = await prepareBinaries(files, p.meta, p.description, {
        workDir: await mkdtemp(path.join(workDir, 'o-')),
        mtime: p.sourceDateEpoch,
        dpkg,
      });
      const epoch = p.sourceDateEpoch;
      plans.push({
        files: bin.files,
        meta: bin.meta,
        epoch,
        dest: path.join(opts.imagesDir, name),
      });
      if (bin.debug) {
        const debugName = packager.fileName(bin.debug.meta);
        claim(debugName, bin.debug.meta.label);
        plans.push({ ...bin.debug, epoch, dest: path.join(opts.imagesDir, debugName) });
      }
    }

    await mkdir(opts.imagesDir, { recursive: true });
    const written: string[] = [];
    for (const p of plans) {
      await removeDeadProcessEntries(path.dirname(p.dest), siblingPid(p.dest));
      await replaceVia(p.dest, async (tmp) => {
        await getPackager(p.meta.format)!.write(p.files, p.meta, tmp, { sourceDateEpoch: p.epoch });
        faultPoint('output-before-rename');
      });
      written.push(p.dest);
    }
    return written;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

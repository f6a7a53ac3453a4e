import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheKey, removeStaleReleng, stamp } from '../project/cache.ts';
import { formatDuration, replaceVia } from '../util/fs.ts';
import { faultPoint } from '../util/pid.ts';

/**
 * The no-op record: what a re-run of the same command printed when it had
 * nothing to do, and every file that decision read. A later run of the same
 * command (same words, folder, environment, user, terminal or not) whose
 * files all have the same stamps would decide the same and print the same,
 * so it prints the record and ends, without loading the engine or the
 * project (about half of a no-op's time: Node's start-up is most of the rest).
 *
 * It is written only by runs that were, or were checked to be, no-ops
 * (EngineOptions.noopOnly); any other run removes it. What the files cover:
 * the configuration candidates, the project cache and its inputs (config,
 * definitions, package folders), every package's stage journal, the mode
 * files, the sysroot folders, the SBOM and license documents, the host
 * tools the checks found, and releng's own code. A held lock (another run)
 * always takes the full path, which reports it.
 */
export interface NoopRecord {
  format: number;
  key: string;
  files: Array<[path: string, stamp: string]>;
  /** What was written, in order: 1 = stdout, 2 = stderr; DURATION marks the run's duration. */
  output: Array<[fd: 1 | 2, text: string]>;
  exitCode: number;
}

const FORMAT = 1;

/** Where the run's duration goes in recorded output. */
const DURATION = '\u0000duration\u0000';

export function noopRecordFile(outputDir: string): string {
  return join(outputDir, '.releng', 'noop-record.json');
}

/**
 * The key of a command: its words, working folder, root, environment (as
 * the project cache sees it), user, whether output goes to a terminal, and
 * Node's version. Computed at start-up, before releng changes its own
 * environment (CLICOLOR_FORCE).
 */
export function noopRecordKey(argv: readonly string[], root: string): string {
  return cacheKey({
    noopRecord: FORMAT,
    argv,
    cwd: process.cwd(),
    root,
    uid: process.getuid?.(),
    gid: process.getgid?.(),
    tty: [Boolean(process.stdout.isTTY), Boolean(process.stderr.isTTY)],
    node: process.version,
  });
}

/** releng's own files: a changed releng may decide or print differently. */
function codeFiles(): string[] {
  const code = fileURLToPath(new URL('..', import.meta.url));
  const top = fileURLToPath(new URL('../..', import.meta.url));
  const files = [join(top, 'package.json'), join(top, 'bin', 'releng.mjs')];
  for (const entry of readdirSync(code, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
  }
  return files;
}

/**
 * Prints a valid record's output and returns its exit code; undefined when
 * there is none for this command or anything it covers changed (then the
 * run takes the full path). Synchronous: a handful of reads and stats.
 */
export function replayNoop(outputDir: string, key: string): number | undefined {
  let record: NoopRecord;
  try {
    record = JSON.parse(readFileSync(noopRecordFile(outputDir), 'utf8')) as NoopRecord;
  } catch {
    return undefined;
  }
  if (record.format !== FORMAT || record.key !== key) return undefined;
  // another run holds the output folder (or died holding it): the full path says so
  if (statSync(join(outputDir, '.releng.lock'), { throwIfNoEntry: false })) return undefined;
  for (const [path, recorded] of record.files) if (stamp(path) !== recorded) return undefined;
  // the run's duration so far, from the process's start
  const duration = formatDuration(performance.now());
  for (const [fd, text] of record.output) {
    (fd === 2 ? process.stderr : process.stdout).write(text.replaceAll(DURATION, duration));
  }
  return record.exitCode;
}

/** What a no-op record is made of. */
export interface NoopRecordParts {
  /** Files with the stamps they were just checked against (the project cache's inputs). */
  stamped: ReadonlyArray<[string, string]>;
  /** Files to stamp now. */
  files: Iterable<string>;
  output: ReadonlyArray<[1 | 2, string]>;
  /** The text of the run's duration: its last occurrence (the closing line) is filled in anew. */
  duration: string | undefined;
  exitCode: number;
}

/** Writes the record of a no-op run (atomically: a killed run leaves the old one or none). */
export async function writeNoopRecord(
  outputDir: string,
  key: string,
  parts: NoopRecordParts,
): Promise<void> {
  const { output, duration, exitCode } = parts;
  const known = new Map(parts.stamped);
  const paths = [...new Set([...parts.files, ...codeFiles()])].filter((p) => !known.has(p));
  const chunks = output.map(([fd, text]): [1 | 2, string] => [fd, text]);
  for (let i = chunks.length - 1; duration !== undefined && i >= 0; i--) {
    const text = chunks[i]![1];
    const at = text.lastIndexOf(duration);
    if (at < 0) continue;
    chunks[i]![1] = `${text.slice(0, at)}(${DURATION})${text.slice(at + duration.length)}`;
    break;
  }
  const record: NoopRecord = {
    format: FORMAT,
    key,
    files: [...known, ...paths.map((p): [string, string] => [p, stamp(p)])],
    output: chunks,
    exitCode,
  };
  const file = noopRecordFile(outputDir);
  await removeStaleReleng(dirname(file));
  await replaceVia(file, async (tmp) => {
    await writeFile(tmp, JSON.stringify(record));
    faultPoint('noop-record');
  });
}

/** Removes the record (a run that did work, or could not be recorded). */
export function removeNoopRecord(outputDir: string): void {
  try {
    unlinkSync(noopRecordFile(outputDir));
  } catch {
    // none there
  }
}

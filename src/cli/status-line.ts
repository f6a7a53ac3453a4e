/**
 * The live line at the bottom of a terminal: running packages and the
 * download under way. It is redrawn in place (`\r` + erase line), which only
 * works while it fits on one row: a line longer than the terminal wraps, and
 * each redraw then leaves a row behind. So it is always cut to the width.
 */

/** One download under way. */
export interface DownloadStatus {
  pkg: string;
  file: string;
  received: number;
  total?: number;
}

export interface StatusInput {
  /** Running packages and their stages, in start order (empty to leave them out). */
  running: ReadonlyArray<readonly [pkg: string, stage: string]>;
  /** Downloads under way, the most recently updated last. */
  downloads: readonly DownloadStatus[];
  /** The terminal's width in columns. */
  columns: number;
}

const MAX_BAR = 30;
const MIN_BAR = 5;
/** The shortest label worth showing beside a bar. */
const MIN_LABEL = 8;

/** The status text, at most `columns - 1` characters (the last column would wrap on some terminals). */
export function statusText(input: StatusInput): string {
  const width = Math.max(1, input.columns - 1);
  const prefix = input.running.length > 0 ? `[running ${input.running.length}] ` : '';
  const download = input.downloads.at(-1);
  if (!download) {
    return fit(prefix + input.running.map(([p, s]) => `${p} (${s})`).join(', '), width);
  }
  const more = input.downloads.length > 1 ? ` (+${input.downloads.length - 1})` : '';
  const { received, total } = download;
  const sized = total !== undefined && total > 0;
  const amount = sized
    ? ` ${String(Math.floor(Math.min(1, received / total) * 100)).padStart(3)}% ${size(received)} / ${size(total)}`
    : ` ${size(received)}`;
  // Space goes to the numbers first, then a short bar and the label, then
  // a longer bar, and last to the running count (the download's package is running).
  let label = `${download.pkg}: ${download.file}`;
  const avail = width - amount.length - more.length;
  if (prefix && prefix.length + label.length + 3 + MIN_BAR <= avail) label = prefix + label;
  let cells = 0;
  if (sized) {
    if (avail - label.length - 3 >= MIN_BAR) cells = Math.min(MAX_BAR, avail - label.length - 3);
    else if (avail - 3 - MIN_BAR >= MIN_LABEL) cells = MIN_BAR;
  }
  label = fit(label, avail - (cells > 0 ? cells + 3 : 0));
  let bar = '';
  if (cells > 0) {
    const filled = Math.round(Math.min(1, received / total!) * cells);
    bar = ` [${'#'.repeat(filled)}${' '.repeat(cells - filled)}]`;
  }
  return fit(`${label}${bar}${amount}${more}`, width);
}

/** `text` cut to `width` characters, ending in `…` when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** `1.5 MiB` */
function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  for (const unit of units) {
    if (value < 1024 || unit === 'GiB')
      return unit === 'B' ? `${value} B` : `${value.toFixed(1)} ${unit}`;
    value /= 1024;
  }
  return `${bytes} B`;
}

/**
 * Running releng on a real terminal: `script` (util-linux) gives it a pty of
 * a chosen width, and a small terminal model replays what it wrote, so tests
 * can see the screen a user would see, and whether any line wrapped.
 */
import { spawn } from 'node:child_process';
import { BIN } from './helpers.ts';

export interface PtyRun {
  code: number | null;
  /** Everything written to the terminal (stdout and stderr, as the pty carried them). */
  raw: string;
}

/** Single-quotes a word for sh. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `releng args` on a pty `columns` wide. `script` before the command
 * runs in the same shell (e.g. a resize later). `input(write)` is called
 * once releng prints `when`, to type on the terminal (`\x03` is Ctrl-C).
 */
export function runOnPty(
  args: readonly string[],
  options: {
    columns: number;
    env?: Record<string, string>;
    after?: string;
    when?: RegExp;
    input?: (write: (text: string) => void) => void;
  },
): Promise<PtyRun> {
  const releng = [process.execPath, BIN, ...args].map(shQuote).join(' ');
  const command = options.after
    ? `stty cols ${options.columns} rows 24; ${releng} & ${options.after}; wait $!`
    : `stty cols ${options.columns} rows 24; exec ${releng}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let raw = '';
    let typed = false;
    const onData = (chunk: Buffer) => {
      raw += chunk.toString();
      if (!typed && options.when && options.input && options.when.test(raw)) {
        typed = true;
        options.input((text) => child.stdin.write(text));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, raw }));
  });
}

export interface Screen {
  /** The rows as they end up. */
  rows: string[];
  /** How many times text ran past the last column onto a new row. */
  wraps: number;
  /** Every piece of text drawn between two cursor moves (one redraw of a live line is one). */
  frames: string[];
}

/**
 * Replays terminal output on a screen `columns` wide: printable text,
 * `\r`, `\n`, erase-line (`ESC [ K`, `ESC [ 2K`); other escapes are ignored.
 */
export function replay(raw: string, columns: number): Screen {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let wraps = 0;
  const frames: string[] = [];
  let frame = '';
  const endFrame = () => {
    if (frame) frames.push(frame);
    frame = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\x1b') {
      endFrame();
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(raw.slice(i));
      if (m) {
        if (m[2] === 'K') {
          const line = rows[row]!;
          if (m[1] === '2') line.length = 0;
          else line.length = Math.min(line.length, col);
        }
        i += m[0].length - 1;
      }
      continue;
    }
    if (ch === '\r') {
      endFrame();
      col = 0;
      continue;
    }
    if (ch === '\n') {
      endFrame();
      row++;
      rows[row] ??= [];
      continue;
    }
    if (ch < ' ') continue;
    if (col >= columns) {
      wraps++;
      row++;
      col = 0;
      rows[row] ??= [];
    }
    const line = rows[row]!;
    while (line.length < col) line.push(' ');
    line[col] = ch;
    col++;
    frame += ch;
  }
  endFrame();
  return { rows: rows.map((r) => r.join('').trimEnd()), wraps, frames };
}

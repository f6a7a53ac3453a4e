/**
 * Asking for a passphrase on the terminal, without echo: what the repo and
 * key commands do when a key is protected and no `--passphrase-file` or
 * `--passphrase-env` was given. Never used when stdin is not a terminal (CI,
 * pipes), so scripts fail with a clear error instead of hanging.
 */
import { RelengError } from '../util/errors.ts';

/** A terminal to ask on: stdin in raw mode, the question on stderr. */
export interface PromptTty {
  input: NodeJS.ReadStream;
  output: { write(s: string): unknown };
}

/** Whether `input` is a terminal that can be switched to raw mode. */
export function canPrompt(input: NodeJS.ReadStream | undefined): input is NodeJS.ReadStream {
  return Boolean(input?.isTTY) && typeof input?.setRawMode === 'function';
}

/**
 * Reads one line without echoing it. Enter ends it, Backspace deletes,
 * Ctrl-C fails with "interrupted", Ctrl-D on an empty line gives undefined.
 */
export function promptHidden(question: string, tty: PromptTty): Promise<string | undefined> {
  const { input, output } = tty;
  return new Promise((resolve, reject) => {
    // Raw mode (no echo) before the question: what is typed once it shows is never echoed.
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    output.write(question);
    let line = '';
    const finish = (value: string | undefined, error?: RelengError): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish(line);
          return;
        }
        if (ch === '\u0003') {
          finish(undefined, new RelengError('interrupted (Ctrl-C)'));
          return;
        }
        if (ch === '\u0004') {
          finish(line === '' ? undefined : line);
          return;
        }
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    input.on('data', onData);
  });
}

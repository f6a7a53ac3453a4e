/** `#!` lines: which interpreter a script asks for. */

/** The interpreter line of a script. */
export interface Shebang {
  /** The interpreter path as written (`/bin/sh`, `/usr/bin/env`). */
  interpreter: string;
  /** Words after it (`-e`, or `python3` for `/usr/bin/env python3`). */
  args: string[];
}

/** Longest `#!` line the Linux kernel reads (BINPRM_BUF_SIZE in Linux 5.1+). */
const MAX_LINE = 256;

/**
 * Parses a `#!` line at the start of `head` (the first bytes of a file).
 * Returns `undefined` for files that do not start with `#!` or whose
 * interpreter is not an absolute path (a kernel would refuse those too).
 */
export function parseShebang(head: Buffer): Shebang | undefined {
  if (head.length < 3 || head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const nl = head.indexOf(0x0a);
  const line = head
    .subarray(2, nl < 0 ? Math.min(head.length, MAX_LINE) : Math.min(nl, MAX_LINE))
    .toString('utf8')
    .trim();
  const words = line.split(/[ \t]+/).filter((w) => w !== '');
  const interpreter = words[0];
  if (!interpreter?.startsWith('/')) return undefined;
  return { interpreter, args: words.slice(1) };
}

/**
 * The programs a script needs, as rpm's script.req reports them: the
 * interpreter, and for `/usr/bin/env /abs/prog` also that program.
 * (`/usr/bin/env python3` needs only env: the name is looked up at run time.)
 */
export function scriptRequires(s: Shebang): string[] {
  const out = [s.interpreter];
  if (/\/bin\/env$/.test(s.interpreter) && s.args[0]?.startsWith('/')) out.push(s.args[0]);
  return out;
}

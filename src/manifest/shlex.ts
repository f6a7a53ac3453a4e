/**
 * The two ways pkgmogrify splits words, from Python's shlex: `shlex.split`
 * (POSIX rules) for operation arguments, and the non-POSIX token stream it
 * reads `%(attr;key=value;…)` options with.
 */

/** Python's shlex.split(s): POSIX quoting, no comments. Throws on an open quote. */
export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  let tok = '';
  let inTok = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inTok) out.push(tok);
      tok = '';
      inTok = false;
    } else if (c === '\\') {
      inTok = true;
      if (i + 1 >= s.length) throw new Error('No escaped character');
      tok += s[++i];
    } else if (c === "'") {
      inTok = true;
      const end = s.indexOf("'", i + 1);
      if (end === -1) throw new Error('No closing quotation');
      tok += s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      inTok = true;
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\')) j++;
        tok += s[j];
      }
      if (j >= s.length) throw new Error('No closing quotation');
      i = j;
    } else {
      inTok = true;
      tok += c;
    }
  }
  if (inTok) out.push(tok);
  return out;
}

const WORDCHARS = /[A-Za-z0-9_]/;
const WS = new Set([' ', '\t', '\r', '\n']);

/** Python's non-POSIX shlex.shlex(s) token stream (get_token; '' at the end). */
export class ShlexStream {
  private readonly s: string;
  private pos = 0;
  private readonly pushback: string[] = [];

  constructor(s: string) {
    this.s = s;
  }

  /** The next token; '' at the end. Throws on an open quote. */
  next(): string {
    const pb = this.pushback.shift();
    if (pb !== undefined) return pb;
    const s = this.s;
    let state: 'ws' | 'word' | 'quote' = 'ws';
    let quote = '';
    let tok = '';
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) {
        if (state === 'quote') throw new Error('No closing quotation');
        return tok;
      }
      this.pos++;
      if (state === 'ws') {
        if (WS.has(c)) continue;
        if (c === '#') {
          const nl = s.indexOf('\n', this.pos);
          this.pos = nl === -1 ? s.length : nl + 1;
          continue;
        }
        if (WORDCHARS.test(c)) {
          tok = c;
          state = 'word';
        } else if (c === '"' || c === "'") {
          tok = c;
          quote = c;
          state = 'quote';
        } else return c;
      } else if (state === 'quote') {
        tok += c;
        if (c === quote) return tok;
      } else {
        if (WS.has(c)) return tok;
        if (c === '#') {
          const nl = s.indexOf('\n', this.pos);
          this.pos = nl === -1 ? s.length : nl + 1;
          if (tok) return tok;
          continue;
        }
        if (WORDCHARS.test(c) || c === '"' || c === "'") tok += c;
        else {
          this.pushback.push(c);
          return tok;
        }
      }
    }
  }
}

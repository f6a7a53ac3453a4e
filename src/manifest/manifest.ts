/**
 * Reading a whole manifest strictly: every line is an action, a comment, a
 * blank line or a `<…>` directive; anything else is an error naming the
 * file and line. (The formatter is lenient on purpose, as pkgfmt is.)
 */
import { RelengError } from '../util/errors.ts';
import { type Action, ActionParseError, parseAction } from './action.ts';
import { pyLines } from './format.ts';

/** An action with where it came from. */
export interface ManifestAction {
  action: Action;
  /** The `$(MACRO)` written before the action, if any. */
  macro?: string;
  file: string;
  /** The first line of the action (continuations join the following lines). */
  line: number;
}

/** A parsed manifest: its actions and its `<transform>`/`<include>` lines. */
export interface Manifest {
  file: string;
  actions: ManifestAction[];
  directives: { text: string; line: number }[];
}

/** The error for a bad action at file:line, with what to do about it. */
export function actionError(
  e: ActionParseError,
  file: string,
  line: number,
  text: string,
): RelengError {
  const what =
    e.kind === 'unknown'
      ? `${e.message} (known: set, file, dir, link, hardlink, depend, license, user, group, legacy, driver, signature)`
      : e.message;
  const at = e.position !== undefined ? ` at column ${e.position + 1}` : '';
  return new RelengError(
    `bad action in ${file}:${line}${at}: ${what}: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`,
    {
      file,
      line,
      hint:
        e.kind === 'malformed'
          ? 'check the quotes and that each attribute is written key=value'
          : 'see pkg(7) for the actions and their attributes',
    },
  );
}

/**
 * Parses manifest text. Continuation lines (`\` at the end) are joined;
 * a line starting `$(X)` keeps the macro apart from the action.
 */
export function parseManifest(text: string, file: string): Manifest {
  const actions: ManifestAction[] = [];
  const directives: Manifest['directives'] = [];
  let accumulate = '';
  let start = 0;
  let lineno = 0;
  for (const raw of pyLines(text)) {
    lineno++;
    const stripped = raw.trim();
    if (accumulate === '' && start === 0) start = lineno;
    if (stripped.endsWith('\\')) {
      accumulate += stripped.slice(0, -1);
      continue;
    }
    const line = accumulate + stripped;
    const first = start;
    accumulate = '';
    start = 0;
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('<')) {
      if (!line.endsWith('>')) {
        throw new RelengError(`unfinished directive in ${file}:${first}: ${line}`, {
          file,
          line: first,
          hint: 'a <transform …> or <include …> ends with ">" on its last line',
        });
      }
      directives.push({ text: line, line: first });
      continue;
    }
    let macro: string | undefined;
    let body = line;
    if (line.startsWith('$(')) {
      const cp = line.indexOf(')');
      if (cp !== -1) {
        macro = line.slice(0, cp + 1);
        body = line.slice(cp + 1);
      }
    }
    try {
      const action = parseAction(body);
      actions.push(macro ? { action, macro, file, line: first } : { action, file, line: first });
    } catch (e) {
      if (e instanceof ActionParseError) throw actionError(e, file, first, body);
      throw e;
    }
  }
  if (accumulate) {
    throw new RelengError(`${file}:${start}: the last line ends with "\\" but nothing follows`, {
      file,
      line: start,
      hint: 'remove the trailing backslash',
    });
  }
  return { file, actions, directives };
}

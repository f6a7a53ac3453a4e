import { RelengError } from '../util/errors.ts';

const ALLOWED =
  'a name and a version become folder and file names (output/build/<name>-<version>, dl/, cache/, logs/): they may not contain "/", "\\", "..", a NUL or another control character, and a name may not be "." or empty';

/**
 * Refuses a package name or version that would move one of its folders
 * (`output/build/<name>-<version>`, `cache/<name>`, `dl/…`, `logs/<name>.log`)
 * elsewhere: `-clean` would then delete, and extract empty, a folder outside
 * the project. Revisions are not used in paths, but they are passed to VCS
 * tools as arguments: a leading `-` would read as an option.
 */
export function checkPathValue(
  what: 'name' | 'version' | 'revision',
  value: string,
  pkg: string,
  file: string | undefined,
  relengToolVersion = false,
): void {
  let problem: string | undefined;
  const control = /[\u0000-\u001f\u007f]/.test(value);
  if (what === 'revision') {
    if (control) problem = 'contains a NUL or another control character';
    else if (value.startsWith('-')) problem = 'starts with "-" (it would be read as an option)';
  } else if (control) problem = 'contains a NUL or another control character';
  else if (relengToolVersion) {
    // the folder name replaces "/" (relengToolFolder), but a value that reads as a
    // path leading elsewhere is a mistake worth an error, not a renamed folder
    if (/^[/\\]/.test(value)) problem = 'is an absolute path';
    else if (value.split(/[/\\]/).includes('..')) problem = 'has a ".." path component';
  } else if (value.includes('/') || value.includes('\\'))
    problem = `contains "${value.includes('/') ? '/' : '\\'}"`;
  else if (value.includes('..')) problem = 'contains ".."';
  else if (what === 'name' && (value === '' || value === '.')) problem = 'is empty or "."';
  if (problem === undefined) return;
  const label = what === 'name' ? 'name' : `${what} of package "${pkg}"`;
  if (relengToolVersion) {
    throw new RelengError(`invalid package ${label} ${JSON.stringify(value)}: it ${problem}`, {
      file,
      pkg,
      hint: 'a version names the folder output/build/<name>-<version> (a branch such as "fix/x" is fine, "/" becomes "_"): fix the value',
    });
  }
  throw new RelengError(`invalid package ${label} ${JSON.stringify(value)}: it ${problem}`, {
    file,
    pkg,
    hint:
      what === 'revision'
        ? 'a revision is a commit, tag or branch name: fix the value'
        : `${ALLOWED}; fix the value`,
  });
}

/** pkgdepend's run-path token: where the paths it would use go in a given run path. */
const DEFAULT_RUNPATH = '$PKGDEPEND_RUNPATH';

/**
 * pkg(5)'s insert_default_runpath: the given run paths, with the token
 * $PKGDEPEND_RUNPATH replaced by the default ones (given without it, they
 * replace the defaults); twice is an error.
 */
export function insertDefaultRunPath(
  defaults: readonly string[],
  given: readonly string[],
): string[] | Error {
  const at = given.indexOf(DEFAULT_RUNPATH);
  if (at < 0) return [...given];
  const out = [...given.slice(0, at), ...defaults, ...given.slice(at + 1)];
  if (out.includes(DEFAULT_RUNPATH))
    return new Error(
      'More than one $PKGDEPEND_RUNPATH token was set on the same action in this manifest.',
    );
  return out;
}

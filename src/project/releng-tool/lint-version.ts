/**
 * releng-tool's lint_max_version (project option) and RELENG_LINT_MAX_VERSION
 * (environment): the highest releng-tool version whose lint rules are
 * checked, as a dotted version of whole numbers.
 */

/**
 * A dotted version as a list of numbers, trailing zeros dropped (`1.2.0` →
 * `[1, 2]`, `0` → `[0]`); undefined when a part is not a whole number.
 * Parts are read as Python's int() reads them (sign, spaces, `1_000`).
 */
export function parseLintVersion(value: string): number[] | undefined {
  const parts: number[] = [];
  for (const part of value.split('.')) {
    if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(part)) return undefined;
    parts.push(Number(part.trim().replace(/_/g, '')));
  }
  while (parts.length > 0 && parts[parts.length - 1] === 0) parts.pop();
  return parts.length > 0 ? parts : [0];
}

/**
 * The maximum lint version in force: a valid RELENG_LINT_MAX_VERSION wins
 * over the project's lint_max_version (an invalid one is reported through
 * `warn` and skipped). Undefined when neither is set: every rule applies.
 */
export function lintMaxVersion(
  projectValue: unknown,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): number[] | undefined {
  const fromEnv = env.RELENG_LINT_MAX_VERSION;
  if (fromEnv) {
    const parsed = parseLintVersion(fromEnv);
    if (parsed) return parsed;
    warn(`RELENG_LINT_MAX_VERSION is not a version (${fromEnv}); it is ignored`);
  }
  return typeof projectValue === 'string' && projectValue !== ''
    ? parseLintVersion(projectValue)
    : undefined;
}

/**
 * Checks a project's lint_max_version when the project loads (releng-tool
 * refuses a bad one whatever the action): an error message, or undefined
 * when it is fine or unset. A valid RELENG_LINT_MAX_VERSION makes releng-tool
 * skip the project value, so it is not checked then.
 */
export function lintVersionProblem(value: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (!value) return undefined;
  if (env.RELENG_LINT_MAX_VERSION && parseLintVersion(env.RELENG_LINT_MAX_VERSION))
    return undefined;
  if (typeof value !== 'string' || parseLintVersion(value) === undefined) {
    return `lint_max_version must be a version string such as '4.2' (found ${JSON.stringify(value)})`;
  }
  return undefined;
}

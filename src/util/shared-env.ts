/**
 * Variables every command and script of the current run sees, kept apart
 * from the per-package environments: releng-tool exports every package's
 * `<PKG>_BUILD_DIR`, `_VERSION`, … to all of them, six variables per
 * package, so copying them into each package's environment made a first
 * build quadratic in the number of packages (a 200-package tree spent more
 * time copying and comparing them than running its scripts). Commands get
 * them added when spawned (util/exec.ts); Python workers get them once and
 * keep them under every request's environment (project/python/bridge.ts).
 * A package's own environment wins where both name a variable.
 */
type Provider = () => Readonly<Record<string, string>> | undefined;

let provider: Provider | undefined;
let computed: { vars: Readonly<Record<string, string>> | undefined } | undefined;

/**
 * Sets where the run's shared variables come from (called once, when first
 * needed: a run that starts nothing never computes them); undefined for
 * none. Returns the previous provider, to put back when the run ends.
 */
export function setSharedEnv(next: Provider | undefined): Provider | undefined {
  const previous = provider;
  provider = next;
  computed = undefined;
  return previous;
}

/** The run's shared variables, if any (the same object until set again). */
export function sharedEnv(): Readonly<Record<string, string>> | undefined {
  if (!provider) return undefined;
  if (!computed) {
    const vars = provider();
    computed = { vars: vars && Object.keys(vars).length > 0 ? vars : undefined };
  }
  return computed.vars;
}

/** `env` with the shared variables under it (`env` itself when there are none). */
export function withSharedEnv<T extends Record<string, string | undefined>>(env: T): T {
  const shared = sharedEnv();
  return shared ? ({ ...shared, ...env } as T) : env;
}

/**
 * The command line of one fresh root: a private mount namespace (unshare),
 * an overlayfs mount of a per-build upper folder over the read-only layers,
 * and bubblewrap on top. Pure, so the exact argv can be printed and tested.
 *
 * ```
 * setpriv --pdeathsig KILL unshare --mount --propagation private -- \
 *   sh -c SCRIPT sh PARENT LOCK BASE OPTIONS MOUNTPOINT bwrap ARGS…
 * ```
 *
 * SCRIPT takes the base's lock shared on descriptor 9 (held by bwrap and so
 * for the command's whole life; `releng root update` removes an old base only
 * when it can take that lock exclusively), checks the base still exists,
 * mounts, and execs bwrap. Nothing is left when the process tree ends: the
 * mount lived only in the namespace; the parent-death signal (kept across
 * the execs up to bwrap) and bwrap's `--die-with-parent` end the tree when
 * releng dies, even by kill -9. Run as root without a user namespace, so apt can
 * drop to `_apt` (bwrap's `--unshare-all` would map only uid 0).
 */

/** Exit status of SCRIPT when the base vanished before the lock was taken (retry on the new one). */
export const BASE_GONE_EXIT = 75;

const SCRIPT = [
  // setpriv armed SIGKILL-on-parent-death before this chain of execs; if
  // releng died even earlier, our parent is no longer it: stop here.
  '[ "$PPID" = "$1" ] || exit 70',
  'shift',
  'exec 9<"$1" || exit 70',
  'flock -s 9 || exit 70',
  `[ -d "$2" ] || exit ${BASE_GONE_EXIT}`,
  'mount -t overlay overlay -o "$3" "$4" || exit 71',
  'shift 4',
  'exec "$@"',
].join('\n');

/** Everything one fresh root needs. */
export interface SandboxPlan {
  baseLock: string;
  base: string;
  /** Read-only layers over the base, top first. */
  layers: readonly string[];
  upper: string;
  work: string;
  mountpoint: string;
  command: readonly string[];
  network: boolean;
  cwd: string;
  /** Host files bound read-only into the root (host path → root path). */
  roBinds: ReadonlyArray<readonly [string, string]>;
  hostname: string;
  /** The pid that spawns the argv (releng): the root dies with it. */
  parentPid: number;
  /** A terminal session (`root shell`): keeps the caller's session so job control works. */
  interactive?: boolean;
}

/** The argv (program first) that runs `plan.command` in a fresh root. */
export function sandboxArgv(plan: SandboxPlan): string[] {
  const lower = [...plan.layers, plan.base].join(':');
  const options = `lowerdir=${lower},upperdir=${plan.upper},workdir=${plan.work}`;
  const bwrap = [
    'bwrap',
    '--bind',
    plan.mountpoint,
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(plan.network ? [] : ['--unshare-net']),
    '--hostname',
    plan.hostname,
    '--die-with-parent',
    // A new session stops a build from pushing keys into the caller's terminal (TIOCSTI).
    ...(plan.interactive ? [] : ['--new-session']),
  ];
  for (const [from, to] of plan.roBinds) bwrap.push('--ro-bind', from, to);
  bwrap.push('--chdir', plan.cwd, '--', ...plan.command);
  return [
    'setpriv',
    '--pdeathsig',
    'KILL',
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    SCRIPT,
    'sh',
    String(plan.parentPid),
    plan.baseLock,
    plan.base,
    options,
    plan.mountpoint,
    ...bwrap,
  ];
}

/** The environment a root command starts with when the caller gives none. */
export function defaultRootEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    DEBIAN_FRONTEND: 'noninteractive',
    ...extra,
  };
}

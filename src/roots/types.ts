/**
 * Clean build roots: a cached read-only base per named root, and a fresh
 * writable copy of it for every command or build. A backend is one module
 * behind {@link RootBackend}; `bwrap-overlay` (kernel overlayfs + bubblewrap
 * over an mmdebstrap base) is the only one today, an rpm-distribution backend
 * (podman image, mock) can be added beside it.
 */

/** What a base root is made of; its cache key comes from these plus the archive state. */
export interface RootSpec {
  /** Distribution suite, e.g. `bookworm`. */
  suite: string;
  /** Archive URL of the suite (`http://deb.debian.org/debian`). */
  mirror: string;
  /** Archive components (default `main`). */
  components: string[];
  /** Extra one-line APT sources (`deb URI SUITE COMPONENT…`), e.g. security or a local repository. */
  extraSources: string[];
  /** Packages added to mmdebstrap's `buildd` variant (e.g. `rpm` for rpm builds). */
  packages: string[];
  /** Debian architecture (default: the host's). */
  arch?: string;
}

/** A named root as `releng root list` shows it. */
export interface RootInfo {
  name: string;
  /** Content address of the base the name points at now. */
  key: string;
  spec: RootSpec;
  /** When this base was made (ISO 8601). */
  created: string;
  /** Absolute path of the read-only base tree. */
  basePath: string;
  /** Builds running on this root right now (any base). */
  running: number;
}

/** One command run in a fresh copy of a root. */
export interface RootExecRequest {
  /** argv inside the root. */
  command: readonly string[];
  /** Network inside the root (off unless asked: builds run offline). */
  network?: boolean;
  /** Working folder inside the root (default `/`). */
  cwd?: string;
  /** The whole environment inside the root (nothing leaks in from releng's own). */
  env?: Record<string, string>;
  /** Extra read-only layers over the base, top first (absolute host paths, e.g. build-deps layers). */
  layers?: readonly string[];
  /** Fills the fresh upper folder before the root starts (host path of the root's `/`, writes only). */
  prepare?: (upper: string) => Promise<void>;
  /** Reads results out of the upper folder after a successful command, before teardown. */
  collect?: (upper: string) => Promise<void>;
  /** Keep the upper folder as a layer at this path (renamed there atomically) instead of deleting it. */
  keepUpperAs?: string;
  /** Receives the command's output. */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** A bidirectional terminal (`root shell`): stdio inherited. */
  interactive?: boolean;
}

/** The interface every root backend implements. */
export interface RootBackend {
  /** Makes (or reuses from the cache) the base for `spec` and points `name` at it. */
  create(name: string, spec: RootSpec, log: (line: string) => void): Promise<RootInfo>;
  /** Rebuilds the base from today's archive state; running builds keep the old one. */
  update(name: string, log: (line: string) => void): Promise<RootInfo>;
  /** Runs one command in a fresh copy of the root; resolves to its exit code. */
  exec(name: string, request: RootExecRequest): Promise<number>;
  /** Removes the name (and every base nothing else uses once its builds are done). */
  destroy(name: string): Promise<void>;
  /** Every named root. */
  list(): Promise<RootInfo[]>;
  /** The named root, or a RelengError saying how to create it. */
  info(name: string): Promise<RootInfo>;
}

/**
 * Credentials in URLs (`scheme://user:password@host/…`, also `git+https://`,
 * `svn+ssh://`, `hg+http://`) must never reach a file, a log, an event or an
 * error message. This is the one function that masks them; everything that
 * writes a site, a command line or a line of tool output goes through it. The
 * real site (with its credentials) stays in the model for the fetch itself.
 */

/**
 * `scheme://` then the userinfo up to the last `@` before the host. The
 * userinfo class stops at whitespace, quotes and the characters that end an
 * authority, so a `@` later in the path (`/~user@x`) is not taken for one;
 * being greedy, it reaches the last `@` of an unencoded password (`p@ss`).
 */
const USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#'"<>`\\]*)@/g;

/** ssh-based schemes: a user name alone (`ssh://git@host`) is not a secret, keys do the work. */
const SSH_SCHEME = /(^|\+)(ssh|sftp):\/\/$/i;

/**
 * The text with the user name and password of every URL in it replaced by
 * `***` (`https://***@host/x.tar.gz`), as logs have always shown them. An
 * http(s) user name alone is masked too (it is often a token:
 * `https://TOKEN@host`), an ssh one (`git+ssh://git@host`) is not.
 * Text without credentials comes back unchanged (the same string).
 */
export function maskCredentials(text: string): string {
  // Cheap test first: this runs on every line of package output.
  if (!text.includes('@') || !text.includes('://')) return text;
  return text.replace(USERINFO, (all, scheme: string, userinfo: string) =>
    SSH_SCHEME.test(scheme) && !userinfo.includes(':') ? all : `${scheme}***@`,
  );
}

/** True when `text` holds a URL with credentials. */
export function hasCredentials(text: string): boolean {
  return maskCredentials(text) !== text;
}

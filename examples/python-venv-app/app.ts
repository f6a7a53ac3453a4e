/**
 * The application's identity, shared by releng.config.ts (the packaging
 * description) and package/greeter/greeter.ts (the build), so the name,
 * version and install location are written once. The version must match
 * `version` in package/greeter/local/pyproject.toml: the install step asks
 * pip for exactly `greeter==<version>` and fails otherwise.
 */
export const APP = {
  /** Python distribution, console script, .deb/.rpm name and systemd unit. */
  name: 'greeter',
  version: '1.4.0',
  /** Where the package puts the application; the venv is `<home>/venv`. */
  home: '/opt/greeter',
} as const;

/** The virtual environment's final location on the target machine. */
export const VENV = `${APP.home}/venv`;

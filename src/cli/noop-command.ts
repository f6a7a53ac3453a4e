import type { CliArgs } from './args.ts';

/**
 * Whether a command's no-op may be recorded (engine/noop-record.ts): the
 * default build, printed to files or pipes (a terminal's live line is not
 * replayed), with nothing asked beyond building: no JSON or API document,
 * no forced, release or uncached run, no mode being configured, no debug
 * output (it reports timings).
 */
export function recordableCommand(args: CliArgs): boolean {
  return (
    args.action === undefined &&
    args.extra.length === 0 &&
    !args.json &&
    !args.api &&
    !args.force &&
    !args.noCache &&
    !args.release &&
    !args.debug &&
    !args.helpQuirks &&
    args.development === undefined &&
    args.localSources === undefined &&
    !process.stdout.isTTY &&
    !process.stderr.isTTY
  );
}

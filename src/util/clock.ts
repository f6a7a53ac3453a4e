/**
 * Milliseconds from an arbitrary fixed point, for durations. Used instead of
 * the global `performance`, whose first use loads perf_hooks (about 1.5 ms of
 * a no-op run's start-up).
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

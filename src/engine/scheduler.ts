/** One unit of work in the dependency graph. */
export interface Task {
  id: string;
  /** Ids of tasks that must finish first (unknown ids are ignored). */
  deps: readonly string[];
  run(info: { running: number }): Promise<void>;
}

/**
 * Runs tasks as soon as their dependencies are done, at most `concurrency` at
 * once, in the given order among those ready. On the first failure no new
 * task starts; tasks already running finish, then the first error is thrown.
 * Linear in tasks plus edges.
 */
export async function runTasks(
  tasks: readonly Task[],
  concurrency: number,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  const byId = new Map(tasks.map((t, i) => [t.id, { task: t, index: i }]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const t of tasks) {
    let count = 0;
    for (const dep of new Set(t.deps)) {
      if (!byId.has(dep) || dep === t.id) continue;
      count++;
      const list = dependents.get(dep);
      if (list) list.push(t.id);
      else dependents.set(dep, [t.id]);
    }
    waiting.set(t.id, count);
  }
  // Ready tasks kept sorted by their original position (stable, deterministic).
  const ready: number[] = tasks
    .map((t, i) => (waiting.get(t.id) === 0 ? i : -1))
    .filter((i) => i >= 0);
  let running = 0;
  let failure: { error: unknown } | undefined;
  const limit = Math.max(1, concurrency);

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (!failure && !shouldStop() && running < limit && ready.length > 0) {
        const index = ready.shift()!;
        const task = tasks[index]!;
        running++;
        task
          .run({ running })
          .then(
            () => {
              for (const id of dependents.get(task.id) ?? []) {
                const left = waiting.get(id)! - 1;
                waiting.set(id, left);
                if (left === 0) insertSorted(ready, byId.get(id)!.index);
              }
            },
            (error: unknown) => {
              failure ??= { error };
            },
          )
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running === 0) resolve();
    };
    pump();
  });
  if (failure) throw failure.error;
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

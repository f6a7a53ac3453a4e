import type { HookStage, StageAction, StageIO, StageRunContext } from '../project/model.ts';

/**
 * Chained stages: a package's consecutive hooks started together when their
 * runner can chain (releng-tool Python scripts: one round trip to a worker
 * instead of one per stage). The engine still walks the stages one by one:
 * it writes the stage line and log separator, opens the step's gate (its
 * held output), awaits the step and journals it.
 */

/** A step of a chain: its promise, and its output held until the engine reaches its stage. */
export interface ChainedStep {
  promise: Promise<void>;
  gate: OutputGate;
}

/**
 * Holds a chained step's output and messages until the engine reaches the
 * step's stage (and has written its stage line), then passes them on.
 */
export class OutputGate {
  #held: Array<() => void> | undefined = [];

  wrap(io: StageIO): StageIO {
    return {
      output: (chunk, stream) => this.#pass(() => io.output(chunk, stream)),
      log: (level, message) => this.#pass(() => io.log(level, message)),
    };
  }

  #pass(deliver: () => void): void {
    if (this.#held) this.#held.push(deliver);
    else deliver();
  }

  open(): void {
    const held = this.#held;
    this.#held = undefined;
    for (const deliver of held ?? []) deliver();
  }
}

/**
 * Starts the hooks of `stages` (the stages that will run, in order) as one
 * chain: from the first one, as long as each has a hook with the same
 * `runChain` (stages without a hook are skipped, they do nothing). Returns
 * the steps by stage, or undefined when fewer than two would chain.
 */
export function chainHooks(
  hooks: Partial<Record<HookStage, StageAction>>,
  stages: readonly HookStage[],
  contextFor: (stage: HookStage) => StageRunContext,
): Map<string, ChainedStep> | undefined {
  const first = stages[0] === undefined ? undefined : hooks[stages[0]];
  if (!first?.runChain) return undefined;
  const chained: HookStage[] = [];
  for (const stage of stages) {
    const action = hooks[stage];
    if (!action) continue;
    if (action.runChain !== first.runChain) break;
    chained.push(stage);
  }
  if (chained.length < 2) return undefined;
  const gates = chained.map(() => new OutputGate());
  const steps = chained.map((stage, i) => {
    const ctx = contextFor(stage);
    return { action: hooks[stage]!, ctx: { ...ctx, io: gates[i]!.wrap(ctx.io) } };
  });
  const promises = first.runChain(steps);
  const out = new Map<string, ChainedStep>();
  chained.forEach((stage, i) => {
    // A step after a failed one rejects as not run; nobody awaits it.
    promises[i]!.catch(() => {});
    out.set(stage, { promise: promises[i]!, gate: gates[i]! });
  });
  return out;
}

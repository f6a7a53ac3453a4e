import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTasks, type Task } from '../src/engine/scheduler.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('runTasks', () => {
  it('never starts a task before its dependencies finished and respects the limit', async () => {
    const events: string[] = [];
    let running = 0;
    let peak = 0;
    const spec: Record<string, string[]> = { a: [], b: [], c: ['a'], d: ['a', 'b'], e: ['c', 'd'] };
    const tasks: Task[] = Object.entries(spec).map(([id, deps]) => ({
      id,
      deps,
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        events.push(`start ${id}`);
        await tick();
        events.push(`end ${id}`);
        running--;
      },
    }));
    await runTasks(tasks, 2);
    for (const [id, deps] of Object.entries(spec)) {
      for (const dep of deps) {
        assert.ok(
          events.indexOf(`end ${dep}`) < events.indexOf(`start ${id}`),
          `${dep} before ${id}`,
        );
      }
    }
    assert.equal(peak, 2);
  });

  it('runs independent tasks at the same time', async () => {
    // Each task waits for the other to have started: only concurrency lets both finish.
    const started = new Set<string>();
    const waitFor = async (id: string) => {
      for (let i = 0; i < 200 && !started.has(id); i++) await tick();
      if (!started.has(id)) throw new Error(`${id} never started`);
    };
    await runTasks(
      [
        {
          id: 'x',
          deps: [],
          run: async () => {
            started.add('x');
            await waitFor('y');
          },
        },
        {
          id: 'y',
          deps: [],
          run: async () => {
            started.add('y');
            await waitFor('x');
          },
        },
      ],
      2,
    );
  });

  it('starts nothing new after a failure and throws the first error', async () => {
    const ran: string[] = [];
    await assert.rejects(
      runTasks(
        [
          {
            id: 'bad',
            deps: [],
            run: async () => {
              ran.push('bad');
              throw new Error('boom');
            },
          },
          {
            id: 'after',
            deps: ['bad'],
            run: async () => {
              ran.push('after');
            },
          },
          {
            id: 'other',
            deps: [],
            run: async () => {
              await tick();
              ran.push('other');
            },
          },
          {
            id: 'late',
            deps: ['other'],
            run: async () => {
              ran.push('late');
            },
          },
        ],
        2,
      ),
      /boom/,
    );
    assert.ok(!ran.includes('after'));
    assert.ok(!ran.includes('late'));
  });
});

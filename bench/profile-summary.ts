// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions and
// files with the most self time, and the functions with the most inclusive
// time.
//
//   node --cpu-prof --cpu-prof-dir=bench/work/prof bin/releng.mjs -R <project>
//   node bench/profile-summary.ts bench/work/prof/<file>.cpuprofile [--top N]
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const REPO = fileURLToPath(new URL('..', import.meta.url));

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(REPO) ? relative(REPO, path) : path;
}

function label(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  return frame.url ? `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : name;
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    // timeDeltas[i] is the time before sample i; attribute the next delta to it.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const total = (profile.endTime - profile.startTime) / 1000;

  const selfByFn = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    selfByFn.set(label(frame), (selfByFn.get(label(frame)) ?? 0) + ms);
    const file = shortUrl(frame.url);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + ms);
  }

  // Inclusive time per function, counting recursive frames once.
  const inclusive = new Map<string, number>();
  const subtree = new Map<number, number>();
  const sizeOf = (id: number): number => {
    const known = subtree.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    let sum = self.get(id) ?? 0;
    for (const c of node?.children ?? []) sum += sizeOf(c);
    subtree.set(id, sum);
    return sum;
  };
  const root = profile.nodes[0];
  if (root) sizeOf(root.id);
  const walk = (id: number, onStack: Set<string>): void => {
    const node = byId.get(id);
    if (!node) return;
    const key = label(node.callFrame);
    const fresh = !onStack.has(key);
    if (fresh) {
      inclusive.set(key, (inclusive.get(key) ?? 0) + (subtree.get(id) ?? 0));
      onStack.add(key);
    }
    for (const c of node.children ?? []) walk(c, onStack);
    if (fresh) onStack.delete(key);
  };
  if (root) walk(root.id, new Set());

  const table = (title: string, map: Map<string, number>): string[] => [
    `${title}:`,
    ...[...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, ms]) =>
          `  ${ms.toFixed(1).padStart(9)} ms  ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${k}`,
      ),
  ];
  return [
    `profile: ${total.toFixed(1)} ms`,
    ...table('self time by file', selfByFile),
    ...table('self time by function', selfByFn),
    ...table('inclusive time by function', inclusive),
  ].join('\n');
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  for (const file of positionals) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
    process.stdout.write(`${file}\n${summarise(profile, Number(values.top))}\n\n`);
  }
}

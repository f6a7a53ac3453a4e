// Times releng (and, given a checkout, releng-tool) on generated projects:
// first run, no-op re-runs and `clean`, side by side, with ratios and the
// floors of docs/benchmarks.md.
//
//   node bench/run.ts [--releng-tool DIR] [--scenario ID[,ID…]] [--reps N]
//                     [--python PATH] [--timeout SECONDS] [--budget SECONDS]
//                     [--quiet SHARE] [--quiet-wait SECONDS] [--json FILE] [--keep]
//
// Projects are generated under bench/work/run-<time>/ and removed at the end
// unless --keep is given. releng-tool runs from its source checkout
// (`python3 -m releng_tool` with PYTHONPATH=DIR); it needs no dependencies.
//
// Each repetition, for each tool in turn (interleaved, so load from other
// processes hits every tool alike): remove <project>/output, time a build
// (first run), time a build again right away (1st no-op re-run), time more
// builds (later no-op re-runs), time `clean`. Wall time is the figure; CPU
// time (user + sys of the process and the children it waited for, from
// /usr/bin/time) is shown beside it when available. Before each repetition
// the runner waits (up to --quiet-wait seconds, default 60) until other
// processes use less than --quiet (default 0.25) of the CPUs, since a busy
// shared machine inflates wall times.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Format, generateProject, type Shape } from './generate.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** releng's entry point: this checkout, or a snapshot (--releng-at). */
let RELENG = join(REPO, 'bin', 'releng.mjs');
/** Node 24 pinned by the repository (the system Node may be too old). */
const NODE = existsSync(join(REPO, 'node_modules', '.bin', 'node'))
  ? join(REPO, 'node_modules', '.bin', 'node')
  : process.execPath;
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

type ToolId = 'releng' | 'releng-j1' | 'releng-tool';
type Phase = 'first' | 'rerun1' | 'rerun' | 'clean';
const PHASES: Phase[] = ['first', 'rerun1', 'rerun', 'clean'];

interface Scenario {
  id: string;
  title: string;
  format: Format;
  shape: Shape;
  packages: number;
  tools: ToolId[];
  /** Repetitions (each: first run, re-runs, clean). */
  reps: number;
  /** Later no-op re-runs timed after the first re-run, per repetition. */
  reruns: number;
}

const SCENARIOS: Scenario[] = [
  {
    id: 'rt-tree-200',
    title: 'releng-tool format, 200-package tree',
    format: 'releng-tool',
    shape: 'tree',
    packages: 200,
    tools: ['releng', 'releng-j1', 'releng-tool'],
    reps: 5,
    reruns: 2,
  },
  {
    id: 'native-tree-1000',
    title: 'native, 1,000-package tree',
    format: 'native',
    shape: 'tree',
    packages: 1000,
    tools: ['releng', 'releng-j1'],
    reps: 3,
    reruns: 4,
  },
  {
    id: 'rt-chain-2000',
    title: 'releng-tool format, 2,000-package chain',
    format: 'releng-tool',
    shape: 'chain',
    packages: 2000,
    tools: ['releng', 'releng-tool'],
    reps: 1,
    reruns: 2,
  },
  {
    id: 'native-chain-2000',
    title: 'native, 2,000-package chain',
    format: 'native',
    shape: 'chain',
    packages: 2000,
    tools: ['releng'],
    reps: 1,
    reruns: 2,
  },
];

const TOOL_LABEL: Record<ToolId, string> = {
  releng: 'releng (-j default)',
  'releng-j1': 'releng -j1',
  'releng-tool': 'releng-tool',
};

const PHASE_LABEL: Record<Phase, string> = {
  first: 'first run',
  rerun1: '1st no-op re-run',
  rerun: 'later no-op re-runs',
  clean: 'clean',
};

interface Sample {
  wall: number;
  /** user + sys seconds, when /usr/bin/time is available. */
  cpu?: number;
}

interface RunResult {
  ok: boolean;
  sample: Sample;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The lines "installing <pkg>..." printed. */
  installed: number;
  /** The last "configuring/building/installing <pkg>..." line. */
  lastStage?: string;
  /** The last non-empty line of stderr (or stdout). */
  lastLine?: string;
}

interface ToolResult {
  tool: ToolId;
  samples: Record<Phase, Sample[]>;
  failure?: { phase: Phase; rep: number; result: RunResult };
}

interface ScenarioResult {
  scenario: Scenario;
  /** 1-minute load average when the scenario started. */
  load: number;
  /** Highest CPU share used by other processes just before a repetition. */
  busiest: number;
  /** Share of the scenario's wall time in which some task waited for a CPU (Linux PSI). */
  pressure?: number;
  tools: ToolResult[];
}

interface Options {
  /** Wait before each repetition until other processes use less than this share of the CPUs. */
  quiet: number;
  /** Longest wait for quiet, in seconds (0: do not wait). */
  quietWait: number;
  relengTool?: string;
  python: string;
  reps?: number;
  timeout: number;
  budget: number;
  timeDir: string;
}

let timeFiles = 0;

/** Runs a command, timing it by wall clock; kills its process group on timeout. */
async function timeCommand(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  options: Pick<Options, 'timeout' | 'timeDir'>,
): Promise<RunResult> {
  const timeFile = join(options.timeDir, `t${timeFiles++}`);
  const [cmd, argv] = GNU_TIME
    ? [GNU_TIME, ['-f', '%U %S', '-o', timeFile, command, ...args]]
    : [command, args];
  const result = await new Promise<RunResult>((done, fail) => {
    const start = performance.now();
    const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, options.timeout * 1000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const wall = (performance.now() - start) / 1000;
      clearTimeout(timer);
      const text = `${out}\n${err}`;
      const installed = text.match(/^installing \S+\.\.\.$/gm)?.length ?? 0;
      const stages = text.match(/^(?:configuring|building|installing) \S+\.\.\.$/gm);
      const lines = (err.trim() || out.trim()).split('\n');
      done({
        ok: code === 0 && !timedOut,
        sample: { wall },
        code,
        signal,
        timedOut,
        installed,
        lastStage: stages?.[stages.length - 1],
        lastLine: lines[lines.length - 1]?.trim(),
      });
    });
  });
  if (GNU_TIME) {
    const text = await readFile(timeFile, 'utf8').catch(() => '');
    // On a non-zero exit GNU time writes "Command exited with non-zero status N" first.
    const m = text
      .trim()
      .split('\n')
      .pop()
      ?.match(/^([\d.]+) ([\d.]+)$/);
    if (m) result.sample.cpu = Number(m[1]) + Number(m[2]);
    await rm(timeFile, { force: true });
  }
  return result;
}

interface Invocation {
  command: string;
  args: (action?: string) => string[];
  env: NodeJS.ProcessEnv;
  display: (action?: string) => string;
}

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return env;
}

function invocation(tool: ToolId, root: string, options: Options): Invocation {
  const env = baseEnv();
  if (tool === 'releng-tool') {
    const dir = options.relengTool as string;
    return {
      command: options.python,
      args: (action) => [
        '-m',
        'releng_tool',
        '--nocolorout',
        '-R',
        root,
        ...(action ? [action] : []),
      ],
      env: { ...env, PYTHONPATH: dir },
      display: (action) =>
        `PYTHONPATH=${dir} ${options.python} -m releng_tool --nocolorout -R <project>${action ? ` ${action}` : ''}`,
    };
  }
  const jobs = tool === 'releng-j1' ? ['-j1'] : [];
  const args = ['-R', root, ...jobs, '--python', options.python];
  return {
    command: NODE,
    args: (action) => [RELENG, ...args, ...(action ? [action] : [])],
    env,
    display: (action) =>
      `node_modules/.bin/node ${relative(REPO, RELENG)} -R <project>${jobs.map((j) => ` ${j}`).join('')} --python ${options.python}${action ? ` ${action}` : ''}`,
  };
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function fmtSeconds(s: number | undefined): string {
  if (s === undefined || Number.isNaN(s)) return '–';
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  return `${s.toFixed(2)} s`;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function wallMedian(samples: Sample[] | undefined): number | undefined {
  return median((samples ?? []).map((s) => s.wall));
}

function cpuMedian(samples: Sample[] | undefined): number | undefined {
  const cpu = (samples ?? []).flatMap((s) => (s.cpu === undefined ? [] : [s.cpu]));
  return median(cpu);
}

function describeFailure(result: RunResult): string {
  const why = result.timedOut
    ? 'timed out'
    : result.signal
      ? `killed by ${result.signal}`
      : `exit ${result.code}`;
  const where = result.lastStage ? `, last step "${result.lastStage}"` : '';
  const what = result.lastLine ? `: ${result.lastLine}` : '';
  return `${why} after ${fmtSeconds(result.sample.wall)} (${result.installed} packages installed${where})${what}`;
}

/** Linux CPU pressure: microseconds some task waited for a CPU, since boot. */
function cpuPressureTotal(): number | undefined {
  try {
    const m = readFileSync('/proc/pressure/cpu', 'utf8').match(/^some .*total=(\d+)/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { idle, total };
  } catch {
    return undefined;
  }
}

/** Share of all CPUs busy (with other processes: this one is asleep) over `ms`. */
async function cpuBusy(ms = 500): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return 0;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

/** Waits until the machine is quiet (or the wait limit passes); returns the last busy share. */
async function waitForQuiet(options: Options): Promise<number> {
  let busy = await cpuBusy();
  if (options.quietWait <= 0 || busy < options.quiet) return busy;
  const until = performance.now() + options.quietWait * 1000;
  log(`   waiting for other processes to settle (CPU ${(busy * 100).toFixed(0)}% busy)`);
  while (busy >= options.quiet && performance.now() < until) busy = await cpuBusy(1000);
  if (busy >= options.quiet) log(`   still ${(busy * 100).toFixed(0)}% busy; measuring anyway`);
  return busy;
}

async function runScenario(
  scenario: Scenario,
  workDir: string,
  options: Options,
): Promise<ScenarioResult> {
  const root = join(workDir, scenario.id);
  const load = loadavg()[0] ?? 0;
  log(`\n== ${scenario.id}: ${scenario.title} (load average ${load.toFixed(2)})`);
  const project = await generateProject({
    format: scenario.format,
    shape: scenario.shape,
    packages: scenario.packages,
    out: root,
    force: true,
  });
  log(`   generated ${project.names.length} packages (depth ${project.depth}) in ${root}`);
  const reps = options.reps ?? scenario.reps;
  const tools: ToolResult[] = scenario.tools
    .filter((tool) => tool !== 'releng-tool' || options.relengTool)
    .map((tool) => ({ tool, samples: { first: [], rerun1: [], rerun: [], clean: [] } }));
  const started = performance.now();
  const pressureStart = cpuPressureTotal();

  const run = async (
    t: ToolResult,
    phase: Phase,
    rep: number,
    action?: string,
  ): Promise<boolean> => {
    const inv = invocation(t.tool, root, options);
    const r = await timeCommand(inv.command, inv.args(action), root, inv.env, options);
    // A first run must install every package.
    const complete = phase !== 'first' || r.installed === scenario.packages;
    if (!r.ok || !complete) {
      t.failure = { phase, rep, result: r };
      if (r.ok) r.lastLine = `only ${r.installed} of ${scenario.packages} packages installed`;
      log(`   ${TOOL_LABEL[t.tool]}: ${PHASE_LABEL[phase]} FAILED, ${describeFailure(r)}`);
      return false;
    }
    t.samples[phase].push(r.sample);
    const cpu = r.sample.cpu === undefined ? '' : ` (cpu ${fmtSeconds(r.sample.cpu)})`;
    log(`   ${TOOL_LABEL[t.tool]}: ${PHASE_LABEL[phase]} ${fmtSeconds(r.sample.wall)}${cpu}`);
    return true;
  };

  // One unmeasured first run per tool: it fills Node's compile cache for the
  // checked-out releng and Python's bytecode cache for releng-tool, so the
  // first repetition measures the tool, not its first start from source.
  for (const t of tools) {
    const inv = invocation(t.tool, root, options);
    await timeCommand(inv.command, inv.args(), root, inv.env, options);
    await rm(join(root, 'output'), { recursive: true, force: true });
  }

  let busiest = 0;
  for (let rep = 1; rep <= reps; rep++) {
    if (rep > 1 && (performance.now() - started) / 1000 > options.budget) {
      log(`   time budget (${options.budget} s) spent after ${rep - 1} repetition(s)`);
      break;
    }
    for (const t of tools) {
      if (t.failure) continue;
      // Removing the last run's output leaves the kernel writing back and
      // freeing thousands of inodes for a while; sync and the quiet wait let
      // that finish, so it does not land on the next tool's first run.
      await rm(join(root, 'output'), { recursive: true, force: true });
      spawnSync('sync');
      busiest = Math.max(busiest, await waitForQuiet(options));
      if (!(await run(t, 'first', rep))) continue;
      if (!(await run(t, 'rerun1', rep))) continue;
      let ok = true;
      for (let i = 0; i < scenario.reruns && ok; i++) ok = await run(t, 'rerun', rep);
      if (ok) await run(t, 'clean', rep, 'clean');
    }
    if (tools.every((t) => t.failure)) break;
  }
  await rm(join(root, 'output'), { recursive: true, force: true });
  const pressureEnd = cpuPressureTotal();
  const elapsedUs = (performance.now() - started) * 1000;
  const pressure =
    pressureStart !== undefined && pressureEnd !== undefined && elapsedUs > 0
      ? (pressureEnd - pressureStart) / elapsedUs
      : undefined;
  return { scenario, load, busiest, pressure, tools };
}

interface VersionResult {
  releng: Sample[];
  relengTool: Sample[];
}

async function timeVersion(options: Options, reps: number): Promise<VersionResult> {
  log(`\n== version: releng --version (load average ${(loadavg()[0] ?? 0).toFixed(2)})`);
  const env = baseEnv();
  const out: VersionResult = { releng: [], relengTool: [] };
  await waitForQuiet(options);
  // One unmeasured run warms Node's compile cache (kept in node_modules/.cache).
  await timeCommand(NODE, [RELENG, '--version'], REPO, env, options);
  for (let i = 0; i < reps; i++) {
    const r = await timeCommand(NODE, [RELENG, '--version'], REPO, env, options);
    if (r.ok) out.releng.push(r.sample);
  }
  if (options.relengTool) {
    const rtEnv = { ...env, PYTHONPATH: options.relengTool };
    for (let i = 0; i < reps; i++) {
      const args = ['-m', 'releng_tool', '--version'];
      const r = await timeCommand(options.python, args, REPO, rtEnv, options);
      if (r.ok) out.relengTool.push(r.sample);
    }
  }
  log(
    `   releng ${fmtSeconds(wallMedian(out.releng))}` +
      (out.relengTool.length ? `, releng-tool ${fmtSeconds(wallMedian(out.relengTool))}` : ''),
  );
  return out;
}

function cell(t: ToolResult, phase: Phase): string {
  const samples = t.samples[phase];
  if (t.failure && t.failure.phase === phase && samples.length === 0) {
    return t.failure.result.timedOut ? 'timeout' : 'FAILED';
  }
  const wall = wallMedian(samples);
  if (wall === undefined) return '–';
  const cpu = cpuMedian(samples);
  const n = samples.length > 1 ? `, n=${samples.length}` : '';
  return `${fmtSeconds(wall)} (cpu ${fmtSeconds(cpu)}${n})`;
}

interface Floor {
  what: string;
  limit: string;
  display: string;
  met: boolean | undefined;
}

function floors(results: ScenarioResult[], version: VersionResult | undefined): Floor[] {
  const list: Floor[] = [];
  const get = (id: string, tool: ToolId, phase: Phase): number | undefined => {
    const s = results.find((r) => r.scenario.id === id);
    return wallMedian(s?.tools.find((t) => t.tool === tool)?.samples[phase]);
  };
  for (const [phase, limit] of [
    ['first', 0.25],
    ['rerun1', 0.2],
    ['rerun', 0.2],
  ] as const) {
    const rt = get('rt-tree-200', 'releng-tool', phase);
    for (const tool of ['releng', 'releng-j1'] as const) {
      const own = get('rt-tree-200', tool, phase);
      const ratio = own !== undefined && rt ? own / rt : undefined;
      list.push({
        what: `rt-tree-200 ${PHASE_LABEL[phase]}: ${TOOL_LABEL[tool]} / releng-tool`,
        limit: `≤ ${limit}×`,
        display:
          ratio === undefined
            ? 'n/a'
            : `${ratio.toFixed(2)}× (${fmtSeconds(own)} / ${fmtSeconds(rt)})`,
        met: ratio === undefined ? undefined : ratio <= limit,
      });
    }
  }
  for (const phase of ['rerun1', 'rerun'] as const) {
    for (const tool of ['releng', 'releng-j1'] as const) {
      const v = get('native-tree-1000', tool, phase);
      list.push({
        what: `native-tree-1000 ${PHASE_LABEL[phase]}: ${TOOL_LABEL[tool]}`,
        limit: '< 0.2 s',
        display: fmtSeconds(v),
        met: v === undefined ? undefined : v < 0.2,
      });
    }
  }
  const v = wallMedian(version?.releng);
  list.push({
    what: 'releng --version',
    limit: '< 0.15 s',
    display: fmtSeconds(v),
    met: v === undefined ? undefined : v < 0.15,
  });
  for (const id of ['rt-chain-2000', 'native-chain-2000']) {
    const t = results.find((r) => r.scenario.id === id)?.tools.find((x) => x.tool === 'releng');
    if (!t) continue;
    list.push({
      what: `${id}: releng builds it`,
      limit: 'succeeds',
      display: t.failure ? `failed: ${describeFailure(t.failure.result)}` : 'all packages built',
      met: !t.failure,
    });
  }
  return list;
}

function report(results: ScenarioResult[], version: VersionResult | undefined): string {
  const lines: string[] = [];
  lines.push(
    `| scenario | tool | ${PHASES.map((p) => PHASE_LABEL[p]).join(' | ')} |`,
    `|---|---|${PHASES.map(() => '---|').join('')}`,
  );
  for (const { scenario, tools } of results) {
    for (const t of tools) {
      lines.push(
        `| ${scenario.id} | ${TOOL_LABEL[t.tool]} | ${PHASES.map((p) => cell(t, p)).join(' | ')} |`,
      );
    }
  }
  if (version) {
    const rt = version.relengTool.length
      ? `; releng-tool --version ${fmtSeconds(wallMedian(version.relengTool))}`
      : '';
    lines.push(
      '',
      `releng --version: ${fmtSeconds(wallMedian(version.releng))} (cpu ${fmtSeconds(cpuMedian(version.releng))}, n=${version.releng.length})${rt}`,
    );
  }
  const ratioRows: string[] = [];
  for (const { scenario, tools } of results) {
    const rt = tools.find((t) => t.tool === 'releng-tool');
    if (!rt || PHASES.every((p) => rt.samples[p].length === 0)) continue;
    for (const phase of PHASES) {
      const parts = (['releng', 'releng-j1'] as const).map((id) => {
        const t = tools.find((x) => x.tool === id);
        if (!t) return '–';
        const ratio = (f: (s: Sample[]) => number | undefined): string => {
          const own = f(t.samples[phase]);
          const base = f(rt.samples[phase]);
          return own !== undefined && base ? `${(own / base).toFixed(2)}×` : 'n/a';
        };
        return `${ratio(wallMedian)} (cpu ${ratio(cpuMedian)})`;
      });
      ratioRows.push(`| ${scenario.id} | ${PHASE_LABEL[phase]} | ${parts.join(' | ')} |`);
    }
  }
  if (ratioRows.length) {
    lines.push('', '| scenario | phase | releng / releng-tool | releng -j1 / releng-tool |');
    lines.push('|---|---|---|---|', ...ratioRows);
  }
  const failures = results.flatMap(({ scenario, tools }) =>
    tools.flatMap((t) =>
      t.failure
        ? [
            `- ${scenario.id}, ${TOOL_LABEL[t.tool]}, ${PHASE_LABEL[t.failure.phase]}: ${describeFailure(t.failure.result)}`,
          ]
        : [],
    ),
  );
  if (failures.length) lines.push('', 'Failures:', ...failures);
  lines.push('', '| floor | limit | measured | met |', '|---|---|---|---|');
  for (const f of floors(results, version)) {
    const met = f.met === undefined ? 'not measured' : f.met ? 'yes' : '**NO**';
    lines.push(`| ${f.what} | ${f.limit} | ${f.display} | ${met} |`);
  }
  if (results.length)
    lines.push(
      '',
      `load average at scenario start: ${results.map((r) => `${r.scenario.id} ${r.load.toFixed(2)}`).join(', ')}`,
      `other processes' CPU share before a repetition, highest: ${results.map((r) => `${r.scenario.id} ${(r.busiest * 100).toFixed(0)}%`).join(', ')}`,
      `CPU pressure (PSI "some": share of the time a task waited for a CPU, own processes included): ${results.map((r) => `${r.scenario.id} ${r.pressure === undefined ? 'n/a' : `${(r.pressure * 100).toFixed(0)}%`}`).join(', ')}`,
    );
  return lines.join('\n');
}

/** A short hash of everything under src/ and bin/ (to notice edits during a run). */
async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(join(REPO, 'src'), { recursive: true }))
    .map((f) => join('src', f))
    .concat((await readdir(join(REPO, 'bin'))).map((f) => join('bin', f)))
    .sort();
  for (const file of files) {
    const data = await readFile(join(REPO, file)).catch(() => undefined);
    if (data) hash.update(file).update('\0').update(data);
  }
  return hash.digest('hex').slice(0, 12);
}

/** First line of a command's output ('' when it cannot run). */
async function firstLine(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.on('error', () => done(''));
    child.on('close', () => done(out.trim().split('\n')[0] ?? ''));
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'releng-tool': { type: 'string' },
      'releng-at': { type: 'string' },
      python: { type: 'string', default: 'python3' },
      scenario: { type: 'string', multiple: true },
      reps: { type: 'string' },
      timeout: { type: 'string', default: '300' },
      budget: { type: 'string', default: '600' },
      quiet: { type: 'string', default: '0.25' },
      'quiet-wait': { type: 'string', default: '60' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const ids = [...SCENARIOS.map((s) => s.id), 'version'];
  if (values.help) {
    process.stdout.write(
      'usage: node bench/run.ts [--releng-tool DIR] [--releng-at REV] [--python PATH] [--scenario ID[,ID...]]\n' +
        '                         [--reps N] [--timeout SECONDS] [--budget SECONDS] [--json FILE] [--keep]\n' +
        '                         [--quiet SHARE] [--quiet-wait SECONDS]\n' +
        `scenarios: ${ids.join(', ')} (default: all)\n`,
    );
    return 0;
  }
  const wanted = (values.scenario ?? ids).flatMap((s) => s.split(',')).filter(Boolean);
  for (const id of wanted) {
    if (!ids.includes(id)) throw new Error(`unknown scenario "${id}" (known: ${ids.join(', ')})`);
  }
  const relengTool = values['releng-tool'] ? resolve(values['releng-tool']) : undefined;
  if (relengTool && !existsSync(join(relengTool, 'releng_tool', '__main__.py'))) {
    throw new Error(`${relengTool} is not a releng-tool checkout (no releng_tool/__main__.py)`);
  }
  const env = { ...process.env };
  // Resolve the interpreter once (a pyenv shim costs ~0.2 s per start) and
  // give the same one to both tools.
  const python =
    (await firstLine(values.python, ['-c', 'import sys; print(sys.executable)'], env)) ||
    values.python;
  const options: Options = {
    quiet: Number(values.quiet),
    quietWait: Number(values['quiet-wait']),
    relengTool,
    python,
    reps: values.reps ? Number(values.reps) : undefined,
    timeout: Number(values.timeout),
    budget: Number(values.budget),
    timeDir: await mkdtemp(join(tmpdir(), 'releng-bench-')),
  };

  // --releng-at REV: time a frozen copy of releng at a commit (git archive
  // into bench/work/releng-<sha>/, sharing this checkout's node_modules), so
  // edits to the working tree during a long run do not mix into the figures.
  let snapshot: string | undefined;
  let snapshotMade = false;
  if (values['releng-at']) {
    const sha = await firstLine(
      'git',
      ['-C', REPO, 'rev-parse', '--short=12', values['releng-at']],
      env,
    );
    if (!/^[0-9a-f]{12}$/.test(sha)) throw new Error(`unknown revision ${values['releng-at']}`);
    snapshot = join(REPO, 'bench', 'work', `releng-${sha}`);
    if (!existsSync(join(snapshot, 'bin', 'releng.mjs'))) {
      await mkdir(snapshot, { recursive: true });
      const ok = await new Promise<boolean>((done) => {
        const child = spawn(
          'sh',
          ['-c', `git -C "${REPO}" archive ${sha} src bin package.json | tar -x -C "${snapshot}"`],
          {
            env,
            stdio: 'inherit',
          },
        );
        child.on('error', () => done(false));
        child.on('close', (code) => done(code === 0));
      });
      if (!ok) throw new Error(`cannot extract releng ${sha} into ${snapshot}`);
      await symlink(join(REPO, 'node_modules'), join(snapshot, 'node_modules'));
      snapshotMade = true;
    }
    RELENG = join(snapshot, 'bin', 'releng.mjs');
  }
  const sourceState = async (): Promise<string> => {
    if (snapshot) return `snapshot of ${values['releng-at']} in ${snapshot}`;
    const head = await firstLine('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], env);
    const dirty = await firstLine(
      'git',
      ['-C', REPO, 'status', '--porcelain', '--', 'src', 'bin'],
      env,
    );
    return `${head}${dirty ? ' + uncommitted changes' : ''} (src+bin content ${await sourceHash()})`;
  };
  const sourceBefore = await sourceState();
  const machine = [
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${type()} ${release()}`,
    `node: ${await firstLine(NODE, ['--version'], env)}, python: ${await firstLine(python, ['--version'], env)} (${python})`,
    `releng: ${await firstLine(NODE, [RELENG, '--version'], env)} at ${sourceBefore}` +
      (relengTool
        ? `, releng-tool: ${await firstLine(python, ['-m', 'releng_tool', '--version'], { ...env, PYTHONPATH: relengTool })}`
        : ', releng-tool: not given (--releng-tool DIR)'),
  ];
  log(machine.join('\n'));

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = join(REPO, 'bench', 'work', `run-${stamp}`);
  await mkdir(workDir, { recursive: true });
  const results: ScenarioResult[] = [];
  let version: VersionResult | undefined;
  try {
    for (const scenario of SCENARIOS) {
      if (!wanted.includes(scenario.id)) continue;
      results.push(await runScenario(scenario, workDir, options));
    }
    if (wanted.includes('version')) version = await timeVersion(options, options.reps ?? 20);
  } finally {
    await rm(options.timeDir, { recursive: true, force: true });
    // Generated native projects and snapshots hold .ts files that the
    // repository's tsconfig would otherwise pick up under bench/.
    if (!values.keep) {
      await rm(workDir, { recursive: true, force: true });
      if (snapshot && snapshotMade) await rm(snapshot, { recursive: true, force: true });
    } else log(`\nprojects kept in ${workDir}`);
  }

  const sourceAfter = await sourceState();
  if (sourceAfter !== sourceBefore) {
    machine.push(
      `WARNING: releng's sources changed during the run (now ${sourceAfter}); re-run for clean figures`,
    );
  }
  const commands = new Set<string>();
  for (const { tools } of results) {
    for (const t of tools) {
      const inv = invocation(t.tool, '<project>', options);
      commands.add(inv.display());
      commands.add(inv.display('clean'));
    }
  }
  const text = [
    machine.join('\n'),
    '',
    report(results, version),
    '',
    'commands (first run: after removing <project>/output; re-runs: right after it; clean: after them):',
    ...[...commands].map((c) => `  ${c}`),
  ].join('\n');
  process.stdout.write(`\n${text}\n`);
  if (values.json) {
    await writeFile(
      values.json,
      `${JSON.stringify({ machine, results, version, floors: floors(results, version) }, null, 2)}\n`,
    );
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`run: ${(err as Error).message}\n`);
  process.exitCode = 2;
}

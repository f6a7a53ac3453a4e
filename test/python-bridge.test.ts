import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type LogLevel,
  type OutputStream,
  type PyFunctionRef,
  PythonBridge,
  PythonError,
} from '../src/project/python/bridge.ts';
import { adoptWorker, startWorkerEarly, workerCommand } from '../src/project/python/prespawn.ts';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'releng-bridge-'));
let fileCounter = 0;

/** writes a file into a fresh directory and returns its path */
function write(name: string, text: string, dir?: string): string {
  const folder = dir ?? fs.mkdtempSync(path.join(tmpRoot, `t${++fileCounter}-`));
  const file = path.join(folder, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra };
}

interface Capture {
  stdout: string;
  stderr: string;
  logs: Array<[LogLevel, string]>;
  events: string[];
  onOutput: (chunk: Buffer, stream: OutputStream) => void;
  onLog: (level: LogLevel, message: string) => void;
}

function capture(): Capture {
  const c: Capture = {
    stdout: '',
    stderr: '',
    logs: [],
    events: [],
    onOutput: (chunk, stream) => {
      const text = chunk.toString('utf8');
      if (stream === 'stdout') c.stdout += text;
      else c.stderr += text;
      c.events.push(`${stream}:${text}`);
    },
    onLog: (level, message) => {
      c.logs.push([level, message]);
      c.events.push(`log:${level}:${message}`);
    },
  };
  return c;
}

/** stdout events and logs in order, consecutive stdout chunks merged (chunking varies) */
function mergedEvents(c: Capture): string[] {
  const order: string[] = [];
  for (const event of c.events.filter((e) => !e.startsWith('stderr:'))) {
    const last = order.length - 1;
    if (event.startsWith('stdout:') && order[last]?.startsWith('stdout:')) {
      order[last] += event.slice('stdout:'.length);
    } else order.push(event);
  }
  return order;
}

async function rejection(promise: Promise<unknown>): Promise<PythonError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PythonError, `expected a PythonError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the promise to reject');
}

after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

describe('python bridge', { timeout: 60_000 }, () => {
  let bridge: PythonBridge;

  before(async () => {
    bridge = await PythonBridge.start({ workers: 1 });
  });
  after(async () => {
    await bridge.close();
  });

  test('evalFile returns the definition values', async () => {
    const file = write(
      'libx',
      [
        '#!/usr/bin/env python',
        'import json',
        "LIBX_VERSION = '1.0'",
        "LIBX_DEPENDENCIES = ['liba', 'libb']",
        "LIBX_SITE = {'*': 'https://example.com', 'dev': None}",
        'LIBX_INTERNAL = True',
        'LIBX_MAX_JOBS = 4',
        'LIBX_NOTHING = None',
        'LIBX_TUPLE = (1, 2.5)',
        'LIBX_PATH = Path(ROOT_DIR) / "src"',
        "LIBX_FROM_ENV = MY_ENV + '!'",
        '_hidden = 1',
        'class Thing: pass',
        'obj = Thing()',
        '',
      ].join('\n'),
    );
    const values = await bridge.evalFile(file, {
      globals: { ROOT_DIR: '/root-dir', NJOBS: 2 },
      env: { MY_ENV: 'env-value' },
    });
    assert.deepEqual(values, {
      LIBX_VERSION: '1.0',
      LIBX_DEPENDENCIES: ['liba', 'libb'],
      LIBX_SITE: { '*': 'https://example.com', dev: null },
      LIBX_INTERNAL: true,
      LIBX_MAX_JOBS: 4,
      LIBX_NOTHING: null,
      LIBX_TUPLE: [1, 2.5],
      LIBX_PATH: '/root-dir/src',
      LIBX_FROM_ENV: 'env-value!',
    });
  });

  test("evalFiles: fresh scope per file, cwd per file, a failure is that file's result", async () => {
    const dirA = fs.mkdtempSync(path.join(tmpRoot, 'many-a-'));
    const dirB = fs.mkdtempSync(path.join(tmpRoot, 'many-b-'));
    const a = write(
      'a.rt',
      "A_VALUE = MY_ENV + ':' + os.path.basename(os.getcwd())\nleak = 1\n",
      dirA,
    );
    const b = write('b.rt', "B_VALUE = 2\nraise ValueError('bad b')\n", dirB);
    const c = write(
      'c.rt',
      "releng_config(packages=['x'])\nC_SEES = 'leak' in globals() or 'B_VALUE' in globals()\n",
      dirB,
    );
    const results = await bridge.evalFiles(
      [
        { file: a, cwd: dirA },
        { file: b, cwd: dirB },
        { file: c, cwd: dirB },
      ],
      { env: baseEnv({ MY_ENV: 'e' }) },
    );
    assert.equal(results.length, 3);
    assert.deepEqual(results[0], {
      ok: true,
      value: { A_VALUE: `e:${path.basename(dirA)}`, leak: 1 },
    });
    assert.equal(results[1]!.ok, false);
    const error = (results[1] as { error: PythonError }).error;
    assert.ok(error instanceof PythonError);
    assert.match(error.message, /bad b/);
    assert.equal(error.file, b);
    assert.equal(error.line, 2);
    assert.deepEqual(results[2], {
      ok: true,
      value: { C_SEES: false, __releng_config__: { packages: ['x'] } },
    });
  });

  test('runScripts: per-step output and logs, steps isolated, a failure stops the chain', async () => {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'chain-'));
    const marker = path.join(dir, 'third-ran');
    const one = write(
      'one.rt',
      [
        "print('one out')",
        "import sys; sys.stderr.write('one err\\n')",
        "note('one note')",
        "os.environ['LEAKED'] = 'yes'",
        "os.chdir('/')",
        '',
      ].join('\n'),
      dir,
    );
    const two = write(
      'two.rt',
      [
        "print('two out', os.environ.get('LEAKED'), os.getcwd() == MY_CWD)",
        "releng_execute(['sh', '-c', 'echo two child'])",
        '',
      ].join('\n'),
      dir,
    );
    const three = write('three.rt', "print('three')\nraise RuntimeError('three broke')\n", dir);
    const four = write('four.rt', `open(${JSON.stringify(marker)}, 'w').close()\n`, dir);
    const captures = [capture(), capture(), capture(), capture()];
    const promises = bridge.runScripts(
      [one, two, three, four].map((file, i) => ({
        file,
        cwd: dir,
        onOutput: captures[i]!.onOutput,
        onLog: captures[i]!.onLog,
      })),
      { env: baseEnv({ MY_CWD: dir }) },
    );
    const settled = await Promise.allSettled(promises);
    assert.deepEqual(
      settled.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'rejected'],
    );
    assert.equal(captures[0]!.stdout, 'one out\n');
    assert.equal(captures[0]!.stderr, 'one err\n');
    assert.deepEqual(captures[0]!.logs, [['note', 'one note']]);
    // os.environ and the working directory start fresh for every step
    assert.equal(captures[1]!.stdout, 'two out None True\ntwo child\n');
    assert.deepEqual(captures[1]!.logs, []);
    assert.equal(captures[2]!.stdout, 'three\n');
    const error = (settled[2] as PromiseRejectedResult).reason as PythonError;
    assert.ok(error instanceof PythonError);
    assert.match(error.message, /three broke/);
    assert.equal(error.file, three);
    assert.equal(error.line, 2);
    assert.match(String((settled[3] as PromiseRejectedResult).reason), /not run/);
    assert.equal(fs.existsSync(marker), false, 'a step after a failure never runs');
    assert.equal(captures[3]!.stdout, '');
  });

  test('releng_config(**kw) is captured', async () => {
    const file = write(
      'releng-tool.rt',
      "releng_config(packages=['libx', 'liby'], sysroot_prefix='/usr', default_internal=True)\n",
    );
    const values = await bridge.evalFile(file);
    assert.deepEqual(values.__releng_config__, {
      packages: ['libx', 'liby'],
      sysroot_prefix: '/usr',
      default_internal: true,
    });
  });

  test('a Python function round-trips through callFunction', async () => {
    const file = write(
      'releng-tool.py',
      [
        'def my_cache_ext(site):',
        "    if site.endswith('.tgz'):",
        "        return 'tgz'",
        '    return None',
        "packages = ['a']",
        'cache_ext = my_cache_ext',
        'scale = lambda x, y=2: {"v": x * y}',
        '',
      ].join('\n'),
    );
    const values = await bridge.evalFile(file);
    const ref = values.cache_ext as PyFunctionRef;
    assert.equal(typeof ref.$pyfunc, 'string');
    assert.equal(await bridge.callFunction(ref, ['https://x/y.tgz']), 'tgz');
    assert.equal(await bridge.callFunction(ref, ['https://x/y.zip']), null);
    assert.deepEqual(await bridge.callFunction(values.scale as PyFunctionRef, [21]), { v: 42 });
    const error = await rejection(bridge.callFunction(ref, [5]));
    assert.match(error.message, /^AttributeError/);
    assert.equal(error.file, file);
    assert.equal(error.line, 2);
  });

  test('a syntax error names the file and line', async () => {
    const file = write('liby', "LIBY_VERSION = '1.0'\n\nLIBY_NEEDS = ['a',\nLIBY_X = = 3\n");
    const error = await rejection(bridge.evalFile(file));
    assert.match(error.message, /^SyntaxError: /);
    assert.equal(error.file, file);
    assert.ok(error.line === 3 || error.line === 4, `line ${error.line}`);
    assert.doesNotMatch(error.message, /\n/);
  });

  test('an exception in a script names the line in the user file', async () => {
    const file = write(
      'liby-build.rt',
      ["print('building')", 'x = 1', 'os.path.join(None, "a")', "print('unreachable')", ''].join(
        '\n',
      ),
    );
    const out = capture();
    const error = await rejection(
      bridge.runScript(file, { env: baseEnv(), cwd: path.dirname(file), ...out }),
    );
    assert.match(error.message, /^TypeError: /);
    assert.equal(error.file, file);
    assert.equal(error.line, 3);
    assert.match(error.traceback, /liby-build\.rt", line 3/);
    assert.doesNotMatch(error.traceback, /releng_bridge\.py/);
    assert.equal(error.exitCode, undefined);
    assert.equal(out.stdout, 'building\n');

    const raising = write('raise.py', "def f():\n    raise ValueError('bad value')\n\nf()\n");
    const error2 = await rejection(bridge.runScript(raising, { env: baseEnv(), cwd: tmpRoot }));
    assert.equal(error2.message, 'ValueError: bad value');
    assert.equal(error2.line, 2);
  });

  test('exit codes: releng_exit(3), sys.exit(0), releng_exit(msg)', async () => {
    const three = write('exit3', "print('x')\nreleng_exit(3)\nprint('not reached')\n");
    const out = capture();
    const error = await rejection(
      bridge.runScript(three, { env: baseEnv(), cwd: tmpRoot, ...out }),
    );
    assert.equal(out.stdout, 'x\n');
    assert.equal(error.exitCode, 3);
    assert.equal(error.file, three);
    assert.equal(error.line, 2);

    // a success exit is reported too (exit code 0): it ends the whole run, as in releng-tool
    const zero = write('exit0', "import sys\nsys.exit(0)\nraise RuntimeError('not reached')\n");
    const ended = await rejection(bridge.runScript(zero, { env: baseEnv(), cwd: tmpRoot }));
    assert.equal(ended.exitCode, 0);
    assert.equal(ended.pythonType, 'SystemExit');
    const none = write('exitnone', 'releng_exit()\nraise RuntimeError("not reached")\n');
    const ended2 = await rejection(bridge.runScript(none, { env: baseEnv(), cwd: tmpRoot }));
    assert.equal(ended2.exitCode, 0);
    const builtin = write('exitbuiltin', 'exit()\nraise RuntimeError("not reached")\n');
    const ended3 = await rejection(bridge.runScript(builtin, { env: baseEnv(), cwd: tmpRoot }));
    assert.equal(ended3.exitCode, 0);

    const msg = write('exitmsg', "releng_exit('failed a release pre-check')\n");
    const error2 = await rejection(bridge.runScript(msg, { env: baseEnv(), cwd: tmpRoot }));
    assert.equal(error2.exitCode, 1);
    assert.equal(error2.message, 'failed a release pre-check');

    const sysExit = write('exit5', 'import sys\nsys.exit(5)\n');
    const error3 = await rejection(bridge.runScript(sysExit, { env: baseEnv(), cwd: tmpRoot }));
    assert.equal(error3.exitCode, 5);
  });

  test('print and releng_execute output arrive in order, before the promise resolves', async () => {
    const file = write(
      'libx-build',
      [
        "print('before')",
        "releng_execute(['sh', '-c', 'echo hi; echo err >&2'])",
        "print('after', end='')",
        "sys.stdout.write(' no newline')",
        '',
      ].join('\n'),
    );
    let settled = false;
    const late: string[] = [];
    const out = capture();
    const promise = bridge.runScript(file, {
      env: baseEnv(),
      cwd: path.dirname(file),
      onOutput: (chunk, stream) => {
        if (settled) late.push(chunk.toString());
        out.onOutput(chunk, stream);
      },
    });
    await promise;
    settled = true;
    assert.equal(out.stdout, 'before\nhi\nafter no newline');
    assert.equal(out.stderr, 'err\n');
    assert.doesNotMatch(out.stdout, /RLNG/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(late, []);

    // bulk output written just before the script ends is all delivered before it resolves
    const bulk = write(
      'bulk.rt',
      [
        "releng_execute(['sh', '-c', 'head -c 400000 /dev/zero | tr \"\\\\0\" a'])",
        "releng_execute(['sh', '-c', 'head -c 300000 /dev/zero | tr \"\\\\0\" b >&2'])",
        "sys.stdout.write('z' * 100000)",
        '',
      ].join('\n'),
    );
    for (let i = 0; i < 5; i++) {
      const big = capture();
      await bridge.runScript(bulk, { env: baseEnv(), cwd: tmpRoot, ...big });
      assert.equal(big.stdout.length, 500000);
      assert.equal(big.stdout, 'a'.repeat(400000) + 'z'.repeat(100000));
      assert.equal(big.stderr, 'b'.repeat(300000));
    }
  });

  test('log helpers go to onLog, in order with the output; debug only when enabled', async () => {
    const file = write(
      'logs.rt',
      [
        "log('one {}', 1)",
        "print('two')",
        "note('three')",
        "releng_execute(['echo', 'four'])",
        "warn('five $MY_VAR')",
        "debug('hidden')",
        "verbose('hidden too')",
        "err('six')",
        "success('seven')",
        "hint('eight')",
        '',
      ].join('\n'),
    );
    const out = capture();
    await bridge.runScript(file, { env: baseEnv({ MY_VAR: 'v' }), cwd: tmpRoot, ...out });
    assert.deepEqual(mergedEvents(out), [
      'log:log:one 1',
      'stdout:two\n',
      'log:note:three',
      'stdout:four\n',
      'log:warn:five v',
      'log:err:six',
      'log:success:seven',
      'log:hint:eight',
    ]);
  });

  test('env is visible as globals and os.environ and does not leak', async () => {
    const first = write(
      'first.rt',
      [
        "assert MY_FLAG == 'on', MY_FLAG",
        "assert os.environ['MY_FLAG'] == 'on'",
        "os.environ['LEAKED'] = 'yes'",
        "releng_env('LEAKED2', 'yes')",
        "os.environ.pop('PATH')",
        'import builtins',
        'builtins_ok = True',
        '',
      ].join('\n'),
    );
    await bridge.runScript(first, { env: baseEnv({ MY_FLAG: 'on' }), cwd: tmpRoot });
    const second = write(
      'second.rt',
      [
        "assert 'MY_FLAG' not in os.environ, 'MY_FLAG leaked into os.environ'",
        "assert 'LEAKED' not in os.environ, 'LEAKED leaked'",
        "assert 'LEAKED2' not in os.environ, 'LEAKED2 leaked'",
        "assert 'MY_FLAG' not in globals(), 'MY_FLAG leaked into globals'",
        "assert 'builtins_ok' not in globals()",
        "assert os.environ['OTHER'] == '1'",
        "assert OTHER == '1'",
        "assert 'PATH' in os.environ",
        '',
      ].join('\n'),
    );
    await bridge.runScript(second, { env: baseEnv({ OTHER: '1' }), cwd: tmpRoot });
    // the environment is exactly env for scripts, plus (as releng-tool) the
    // running script's own path
    const exact = write(
      'exact.rt',
      "assert sorted(os.environ) == ['ONLY', 'RELENG_SCRIPT', 'RELENG_SCRIPT_DIR'], sorted(os.environ)\n" +
        "assert os.environ['RELENG_SCRIPT'] == __file__\n",
    );
    await bridge.runScript(exact, { env: { ONLY: 'x' }, cwd: tmpRoot });
    // definitions see the worker environment plus env
    const def = write('def', "HOME_SEEN = 'HOME' in os.environ\nX = os.environ.get('X_VAR')\n");
    const values = await bridge.evalFile(def, { env: { X_VAR: 'x' } });
    assert.equal(values.X, 'x');
    assert.equal(values.HOME_SEEN, 'HOME' in process.env);
    const values2 = await bridge.evalFile(def);
    assert.equal(values2.X, null);
  });

  test('cwd is per request and restored afterwards', async () => {
    const dirA = fs.mkdtempSync(path.join(tmpRoot, 'cwd-a-'));
    const dirB = fs.mkdtempSync(path.join(tmpRoot, 'cwd-b-'));
    const file = write('cwd.rt', "CWD = os.getcwd()\nos.chdir('/')\n");
    assert.equal((await bridge.evalFile(file, { cwd: dirA })).CWD, fs.realpathSync(dirA));
    assert.equal((await bridge.evalFile(file, { cwd: dirB })).CWD, fs.realpathSync(dirB));
    assert.equal((await bridge.evalFile(file)).CWD, fs.realpathSync(process.cwd()));
    const script = write('cwd-build.rt', "open('marker', 'w').write(os.getcwd())\n");
    await bridge.runScript(script, { env: baseEnv(), cwd: dirA });
    assert.equal(fs.readFileSync(path.join(dirA, 'marker'), 'utf8'), fs.realpathSync(dirA));
  });

  test('directory globals support both / and +', async () => {
    const target = fs.mkdtempSync(path.join(tmpRoot, 'target-'));
    const file = write(
      'paths.rt',
      [
        "a = TARGET_DIR / 'x'",
        "b = TARGET_DIR + '/x'",
        'assert a == b, (a, b)',
        'assert type(a) is type(TARGET_DIR), type(a)',
        'assert isinstance(a, str) and type(b) is str',
        'assert TARGET_DIR == TARGET_DIR_STR',
        'assert TARGET_DIR == Path(TARGET_DIR_STR)',
        "assert os.path.join(TARGET_DIR, 'x') == a",
        "assert PREFIX / 'lib' == '/usr/lib'",
        "assert (TARGET_DIR / 'sub' / 'y.txt').name == 'y.txt'",
        "assert (TARGET_DIR / 'sub').parent == TARGET_DIR",
        "with open(TARGET_DIR / 'f.txt', 'w') as f: f.write('ok')",
        "releng_execute(['touch', TARGET_DIR / 'g.txt'])",
        "assert (TARGET_DIR / 'g.txt').exists()",
        'assert {TARGET_DIR: 1}[TARGET_DIR_STR] == 1',
        "assert '%s' % (TARGET_DIR / 'x') == b",
        '',
      ].join('\n'),
    );
    await bridge.runScript(file, {
      env: baseEnv(),
      cwd: tmpRoot,
      globals: { TARGET_DIR: target, TARGET_DIR_STR: target, PREFIX: '/usr' },
    });
    assert.equal(fs.readFileSync(path.join(target, 'f.txt'), 'utf8'), 'ok');
    assert.ok(fs.existsSync(path.join(target, 'g.txt')));
  });

  test('from releng import * works in included and imported files', async () => {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'include-'));
    write(
      'common.rt',
      [
        'from releng import *',
        'from releng_tool import releng_execute as rx',
        'def build_step(name):',
        "    note('step ' + name)",
        "    return rx(['true'])",
        "INCLUDED = 'yes'",
        '',
      ].join('\n'),
      dir,
    );
    write(
      'helpers/myhelpers.py',
      [
        'from releng import releng_execute, releng_expand, log',
        'def hello():',
        "    log('hello from module')",
        "    return releng_expand('$GREETING world')",
        '',
      ].join('\n'),
      dir,
    );
    const script = write(
      'libx-build.rt',
      [
        "releng_include('common.rt', source=True)",
        "assert build_step('a') is True",
        "assert INCLUDED == 'yes'",
        "releng_register_python_path(RELENG_SCRIPT_DIR / 'helpers')",
        'import myhelpers',
        "assert myhelpers.hello() == 'hi world', myhelpers.hello()",
        '',
      ].join('\n'),
      dir,
    );
    const out = capture();
    await bridge.runScript(script, { env: baseEnv({ GREETING: 'hi' }), cwd: dir, ...out });
    assert.deepEqual(out.logs, [
      ['note', 'step a'],
      ['log', 'hello from module'],
    ]);
    assert.ok(bridge.pythonPaths.includes(path.join(dir, 'helpers')));
  });

  test('a failing releng_execute names the command and its exit code', async () => {
    const file = write(
      'fail.rt',
      [
        "assert releng_execute(['sh', '-c', 'exit 4'], critical=False) is False",
        "rv, out = releng_execute_rv('sh', '-c', 'echo captured; exit 2')",
        "assert (rv, out) == (2, 'captured'), (rv, out)",
        "releng_execute(['sh', '-c', 'exit 7'])",
        "print('not reached')",
        '',
      ].join('\n'),
    );
    const out = capture();
    const error = await rejection(bridge.runScript(file, { env: baseEnv(), cwd: tmpRoot, ...out }));
    assert.match(error.message, /sh -c 'exit 7'/);
    assert.match(error.message, /\b7\b/);
    assert.equal(error.line, 4);
    assert.equal(error.file, file);
    assert.equal(error.exitCode, 7);
    assert.equal(out.stdout, '');
  });

  test('a script redirecting or closing its stdout/stderr does not break the worker', async () => {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'redirect-'));
    const file = write(
      'redirect.rt',
      [
        "print('before', flush=True)",
        "fd = os.open('out.log', os.O_WRONLY | os.O_CREAT)",
        'os.dup2(fd, 1)',
        'os.close(2)',
        "print('into the file', flush=True)",
        'sys.stdout.close()',
        '',
      ].join('\n'),
    );
    const out = capture();
    await bridge.runScript(file, { env: baseEnv(), cwd: dir, ...out });
    assert.equal(out.stdout, 'before\n');
    assert.equal(fs.readFileSync(path.join(dir, 'out.log'), 'utf8'), 'into the file\n');
    const next = write('next.rt', "print('out')\nprint('err', file=sys.stderr)\n");
    const out2 = capture();
    await bridge.runScript(next, { env: baseEnv(), cwd: dir, ...out2 });
    assert.equal(out2.stdout, 'out\n');
    assert.equal(out2.stderr, 'err\n');
  });

  test('file helpers behave as documented', async () => {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'helpers-'));
    const file = write(
      'files.rt',
      [
        "releng_mkdir('src', 'sub')",
        "assert releng_touch('src/sub/a.txt')",
        "releng_copy('src', 'dst')",
        "assert releng_exists('dst/sub/a.txt')",
        "releng_copy_into('src', 'nest', nested=True)",
        "assert releng_exists('nest', 'src', 'sub', 'a.txt')",
        "releng_copy('src/sub/a.txt', 'files/')",
        "assert os.path.isfile('files/a.txt')",
        "releng_move('files/a.txt', 'moved.txt')",
        "assert os.path.isfile('moved.txt') and not os.path.exists('files/a.txt')",
        "assert releng_symlink('moved.txt', 'links/l')",
        "assert os.readlink('links/l') == '../moved.txt'",
        "assert releng_remove('dst') and not os.path.exists('dst')",
        "assert releng_remove('does-not-exist')",
        "assert releng_copy('missing', 'x', critical=False, quiet=True) is False",
        'with releng_tmpdir() as t:',
        '    assert os.path.isdir(t)',
        '    saved = t',
        'assert not os.path.exists(saved)',
        "with releng_wd('deeper/wd'):",
        "    assert os.getcwd().endswith('deeper/wd')",
        "assert not os.getcwd().endswith('deeper/wd')",
        "assert releng_expand('$A-$" + "{B}-$MISSING.') == '1-2-.'",
        "assert releng_expand(['$A', {'k': '$B'}], kv={'B': 'b'}) == ['1', {'k': 'b'}]",
        "assert releng_env('A') == '1'",
        "releng_env('C', 'c')",
        "assert os.environ['C'] == 'c'",
        "assert releng_join('a', 'b') == 'a/b'",
        "assert releng_define('MY_DEFINE', 'dflt') == 'dflt' and MY_DEFINE == 'dflt'",
        "assert releng_require_version('1.0')",
        'assert releng_is_debug_mode() is False and releng_is_verbose_mode() is False',
        "assert releng_args == ['--custom'] and releng_version == '4.2.0'",
        'import releng',
        "assert all(hasattr(releng, n) for n in ['releng_cat', 'releng_ls', 'releng_move_into'])",
        '',
      ].join('\n'),
    );
    await bridge.runScript(file, {
      env: baseEnv({ A: '1', B: '2' }),
      cwd: dir,
      globals: { releng_args: ['--custom'], releng_version: '4.2.0' },
    });
  });
});

describe('python bridge pool', { timeout: 120_000 }, () => {
  test('two scripts that wait for each other complete on 2 workers', async () => {
    const bridge = await PythonBridge.start({ workers: 2 });
    try {
      const dir = fs.mkdtempSync(path.join(tmpRoot, 'rendezvous-'));
      const script = write(
        'wait.rt',
        [
          'import time',
          "open(os.path.join(SYNC_DIR, MINE), 'w').close()",
          'deadline = time.time() + 20',
          'while not os.path.exists(os.path.join(SYNC_DIR, OTHER)):',
          '    if time.time() > deadline:',
          "        releng_exit('timed out waiting for ' + OTHER)",
          '    time.sleep(0.01)',
          "print('done ' + MINE)",
          '',
        ].join('\n'),
      );
      const a = capture();
      const b = capture();
      await Promise.all([
        bridge.runScript(script, {
          env: baseEnv(),
          cwd: dir,
          globals: { SYNC_DIR: dir, MINE: 'a', OTHER: 'b' },
          ...a,
        }),
        bridge.runScript(script, {
          env: baseEnv(),
          cwd: dir,
          globals: { SYNC_DIR: dir, MINE: 'b', OTHER: 'a' },
          ...b,
        }),
      ]);
      assert.equal(a.stdout, 'done a\n');
      assert.equal(b.stdout, 'done b\n');
      assert.equal(bridge.spawnedCount, 2);
    } finally {
      await bridge.close();
    }
  });

  test('M requests are served by at most N processes', async () => {
    const bridge = await PythonBridge.start({ workers: 3 });
    try {
      const file = write('pid.rt', 'import time\ntime.sleep(0.01)\nPID = os.getpid()\nN = NUM\n');
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => bridge.evalFile(file, { globals: { NUM: i } })),
      );
      assert.deepEqual(
        results.map((r) => r.N),
        Array.from({ length: 40 }, (_, i) => i),
      );
      const pids = new Set(results.map((r) => r.PID));
      assert.ok(pids.size <= 3, `${pids.size} pids`);
      assert.ok(bridge.spawnedCount <= 3, `${bridge.spawnedCount} spawned`);
      assert.ok(!pids.has(process.pid));
    } finally {
      await bridge.close();
    }
  });

  test('a killed worker rejects its request and is replaced', async () => {
    const bridge = await PythonBridge.start({ workers: 1 });
    try {
      const dir = fs.mkdtempSync(path.join(tmpRoot, 'kill-'));
      const pidFile = path.join(dir, 'pid');
      const file = write(
        'sleep.rt',
        "print('started', flush=True)\nopen(PID_FILE, 'w').write(str(os.getpid()))\nimport time\ntime.sleep(60)\n",
      );
      const out = capture();
      const running = bridge.runScript(file, {
        env: baseEnv(),
        cwd: dir,
        globals: { PID_FILE: pidFile },
        ...out,
      });
      const deadline = Date.now() + 10_000;
      while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, 'utf8') === '') {
        assert.ok(Date.now() < deadline, 'script did not start');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.deepEqual(bridge.pids, [pid]);
      process.kill(pid, 'SIGKILL');
      const error = await rejection(running);
      assert.match(error.message, /worker exited unexpectedly.*SIGKILL/);
      assert.equal(error.file, file);
      assert.equal(out.stdout, 'started\n');
      // the pool recovers with a new process
      const values = await bridge.evalFile(write('after', 'PID = os.getpid()\n'));
      assert.notEqual(values.PID, pid);
      assert.equal(bridge.spawnedCount, 2);
    } finally {
      await bridge.close();
    }
  });

  test('output delayed in transit still arrives before the request resolves', {
    timeout: 30_000,
  }, async () => {
    // an interpreter wrapper whose stdout reaches us late: the result message (fd 3) arrives
    // long before the output, so only the end markers can tell that the output is complete
    const wrapper = write('slow-python', '#!/bin/sh\npython3 "$@" | { sleep 0.4; cat; }\n');
    fs.chmodSync(wrapper, 0o755);
    const bridge = await PythonBridge.start({ python: wrapper });
    try {
      const file = write('slow-out.rt', "print('one')\nlog('two')\nprint('three')\n");
      const out = capture();
      await bridge.runScript(file, { env: baseEnv(), cwd: tmpRoot, ...out });
      assert.deepEqual(mergedEvents(out), ['stdout:one\n', 'log:log:two', 'stdout:three\n']);
    } finally {
      await bridge.close();
    }
  });

  test('markers split across many small reads are recognised', { timeout: 30_000 }, async () => {
    // stdout and stderr are re-chunked into 3-byte pieces on their way to us
    const chopper = write(
      'chop.py',
      [
        'import os, sys, time',
        'fd = int(sys.argv[1])',
        "for chunk in iter(lambda: sys.stdin.buffer.read1(3), b''):",
        '    os.write(fd, chunk)',
        '    time.sleep(0.0005)',
        '',
      ].join('\n'),
    );
    const wrapper = write(
      'chopped-python',
      '#!/bin/sh\n' +
        `{ { python3 "$@" 4>&- | python3 ${chopper} 1 3>&- 4>&-; } 2>&1 1>&4 4>&- |` +
        ` python3 ${chopper} 2 3>&- 4>&-; } 4>&1\n`,
    );
    fs.chmodSync(wrapper, 0o755);
    const bridge = await PythonBridge.start({ python: wrapper });
    try {
      const file = write(
        'chopped.rt',
        [
          "print('one\\0two')",
          "log('three')",
          "sys.stdout.write('four')",
          "note('five')",
          "sys.stderr.write('err\\0x')",
          '',
        ].join('\n'),
      );
      for (let i = 0; i < 3; i++) {
        const out = capture();
        await bridge.runScript(file, { env: baseEnv(), cwd: tmpRoot, ...out });
        assert.equal(out.stdout, 'one\0two\nfour');
        assert.equal(out.stderr, 'err\0x');
        assert.deepEqual(out.logs, [
          ['log', 'three'],
          ['note', 'five'],
        ]);
        assert.deepEqual(mergedEvents(out), [
          'stdout:one\0two\n',
          'log:log:three',
          'stdout:four',
          'log:note:five',
        ]);
      }
    } finally {
      await bridge.close();
    }
  });

  test('debug and verbose messages are sent when enabled', async () => {
    const bridge = await PythonBridge.start({ debug: true, verbose: true });
    try {
      const file = write(
        'dbg.rt',
        "debug('d {}', 1)\nverbose('v')\nassert releng_is_debug_mode() and releng_is_verbose_mode()\n",
      );
      const out = capture();
      await bridge.runScript(file, { env: baseEnv(), cwd: tmpRoot, ...out });
      assert.deepEqual(out.logs, [
        ['debug', 'd 1'],
        ['verbose', 'v'],
      ]);
    } finally {
      await bridge.close();
    }
  });

  test('a missing interpreter is a clear error naming it', async () => {
    await assert.rejects(PythonBridge.start({ python: 'python3-does-not-exist' }), (error) => {
      assert.ok(error instanceof PythonError);
      assert.match(error.message, /python3-does-not-exist/);
      assert.match(error.message, /not found/);
      return true;
    });
  });

  test('a worker started early is adopted even when it was ready long before', async () => {
    const command = workerCommand('python3', 'w1', {});
    startWorkerEarly(command);
    // Long enough for python to start and say it is ready before anyone listens.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const bridge = await PythonBridge.start({ workers: 1 });
    try {
      assert.equal(bridge.spawnedCount, 1);
      const file = write('early.rt', 'EARLY = 40 + 2\n');
      assert.deepEqual(await bridge.evalFile(file), { EARLY: 42 });
      assert.equal(adoptWorker(command), undefined, 'handed over once');
    } finally {
      await bridge.close();
    }
  });

  test('an early worker that failed reports its own message when adopted', async () => {
    const broken = write('broken-python', '#!/bin/sh\necho "early python is broken" >&2\nexit 5\n');
    fs.chmodSync(broken, 0o755);
    startWorkerEarly(workerCommand(broken, 'w1', {}));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await assert.rejects(PythonBridge.start({ python: broken }), (error) => {
      assert.ok(error instanceof PythonError);
      assert.match(error.message, /exit code 5/);
      assert.match(error.message, /early python is broken/);
      return true;
    });
  });

  test('close() rejects queued requests and later calls', async () => {
    const bridge = await PythonBridge.start({ workers: 1 });
    const file = write('slow.rt', 'import time\ntime.sleep(0.2)\nV = 1\n');
    const first = bridge.evalFile(file);
    const queued = rejection(bridge.evalFile(file));
    const closing = bridge.close();
    assert.deepEqual(await first, { V: 1 });
    assert.equal((await queued).message, 'python bridge closed');
    await closing;
    await rejection(bridge.evalFile(file));
  });
});

describe('releng-tool extensions on the bridge', { timeout: 60_000 }, () => {
  let bridge: PythonBridge;

  before(async () => {
    bridge = await PythonBridge.start({ workers: 3 });
  });
  after(async () => {
    await bridge.close();
  });

  test('listeners, injected globals (global and per package) and extension types, on one worker', async () => {
    const dir = path.dirname(
      path.dirname(
        write(
          'ext_t/__init__.py',
          `class Pkg:
    def configure(self, name, opts):
        return True

    def build(self, name, opts):
        return name + ':' + opts.name + ':' + str(opts.build_dir)

    def install(self, name, opts):
        return True


def releng_setup(app):
    app.require_version('1.0')
    app.connect('config-loaded', lambda env: env.update(helper=lambda: 'from-ext'))
    app.connect('package-build-started', on_build)
    app.add_package_type('ext-pkg', Pkg)


def on_build(env):
    env['stage_note'] = 'note-' + env['PKG_NAME']
`,
        ),
      ),
    );
    write('ext_new/__init__.py', "def releng_setup(app):\n    app.require_version('999')\n", dir);
    write('ext_nosetup/__init__.py', 'x = 1\n', dir);
    bridge.pinToOneWorker();
    const loaded = await bridge.loadExtensions(['ext_t', 'ext_new', 'ext_nosetup', 'ext_missing'], {
      version: '4.2.0',
      root: dir,
      cwd: dir,
    });
    assert.deepEqual(loaded.types, { extract: [], fetch: [], package: ['ext-pkg'] });
    assert.equal(loaded.errors.length, 3, loaded.errors.join('\n'));
    assert.match(
      loaded.errors[0]!,
      /not supported with this version: ext_new[\s\S]*requires 999, has 4\.2\.0/,
    );
    assert.match(loaded.errors[1]!, /does not have a setup method: ext_nosetup/);
    assert.match(loaded.errors[2]!, /unable to find extension: ext_missing/);

    await bridge.emitEvent('config-loaded', { env: baseEnv(), cwd: dir });
    await bridge.emitEvent('package-build-started', { env: baseEnv({ PKG_NAME: 'a' }), cwd: dir });
    const script = write('s.py', "print(helper(), globals().get('stage_note'))\n", dir);
    // at once: a pool would spread them over workers; pinned, all see the listeners' globals
    const outputs = await Promise.all(
      ['a', 'b', 'a'].map(async (pkg) => {
        const c = capture();
        await bridge.runScript(script, { env: baseEnv({ PKG_NAME: pkg }), cwd: dir, ...c });
        return c.stdout.trim();
      }),
    );
    assert.deepEqual(outputs, ['from-ext note-a', 'from-ext None', 'from-ext note-a']);
    assert.equal(bridge.pids.length, 1, 'one worker served them all');

    const value = await bridge.callExtension(
      'package',
      'ext-pkg',
      'build',
      { name: 'a', build_dir: dir },
      { env: baseEnv({ PKG_NAME: 'a' }), cwd: dir },
    );
    assert.equal(value, `ext-pkg:a:${dir}`);
  });
});

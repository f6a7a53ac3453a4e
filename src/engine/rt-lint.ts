/**
 * The `lint` / `<pkg>-lint` actions of a releng-tool project: releng-tool
 * 4.x's lint rules (RT100–RT116, RT200, RT300), checked by rt_lint.py on the
 * project file and the package definitions releng loaded. Imported only by
 * those actions, so other runs never start it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spdxDeprecations } from '../licenses/spdx.ts';
import type { ProjectModel } from '../project/model.ts';
import { lintMaxVersion } from '../project/releng-tool/lint-version.ts';
import { RelengError } from '../util/errors.ts';

const LINT_SCRIPT = fileURLToPath(new URL('../project/python/rt_lint.py', import.meta.url));

/** One issue found, where releng-tool reports it (line from 1, column from 0). */
export interface LintIssue {
  code: number;
  file: string;
  line: number;
  col: number;
  message: string;
  notes: string[];
}

export interface LintOptions {
  /** The python3 the bridge uses (`--python`). */
  python?: string;
  /** Where the report goes. */
  print: (text: string) => void;
  /** `--json`: one `{"type":"lint-issue",…}` line per issue instead of text. */
  json?: boolean;
  warn: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The project's extra licenses/exceptions: a list of names, or a map of name → title. */
function extraNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.keys(value);
  return [];
}

/**
 * Checks a releng-tool project's files against releng-tool's lint rules:
 * the project file, then each package's definition (in the order given).
 * Returns the issues; throws when python cannot run or a file does not parse.
 */
export async function lintRelengToolProject(
  project: ProjectModel,
  packages: readonly string[],
  options: Pick<LintOptions, 'python' | 'warn' | 'env'>,
): Promise<LintIssue[]> {
  const spdx = spdxDeprecations();
  for (const id of extraNames(project.options.extraLicenses)) spdx.licenses[id] = false;
  for (const id of extraNames(project.options.extraLicenseExceptions)) spdx.exceptions[id] = false;
  const request = {
    maxVersion:
      lintMaxVersion(project.options.lintMaxVersion, options.env ?? process.env, options.warn) ??
      null,
    config: project.configFile,
    packages: packages.map((name) => {
      const pkg = project.packageDefs.get(name)!;
      return {
        name,
        file: pkg.definitionFile,
        type: pkg.type,
        vcsType: pkg.vcsType,
        license: pkg.license,
      };
    }),
    licenses: spdx.licenses,
    exceptions: spdx.exceptions,
  };
  const python = options.python ?? 'python3';
  const { code, stdout, stderr } = await runPython(python, JSON.stringify(request));
  let reply: { issues?: LintIssue[]; error?: string } | undefined;
  try {
    reply = JSON.parse(stdout) as typeof reply;
  } catch {
    reply = undefined;
  }
  if (code !== 0 || !reply) {
    throw new RelengError(`lint: ${python} ${LINT_SCRIPT} failed (exit code ${code})`, {
      logTail: stderr.trim().split('\n').slice(-10),
      hint: 'releng lints releng-tool projects with python 3.9 or newer (--python to choose one)',
    });
  }
  if (reply.error) {
    throw new RelengError(`lint: cannot parse ${reply.error}`, {
      hint: 'fix the syntax error and lint again',
    });
  }
  return reply.issues ?? [];
}

/** One issue as printed: code and message, `--> file:line:col`, its notes. */
export function formatIssue(issue: LintIssue): string {
  const code = `RT${String(issue.code).padStart(3, '0')}`;
  const notes = issue.notes.map((n) => `  ${n}\n`).join('');
  return `${code} ${issue.message}\n  --> ${issue.file}:${issue.line}:${issue.col}\n${notes}\n`;
}

/**
 * The lint action of a releng-tool project: prints each issue, then a
 * summary; throws (exit code 1) when there is any issue, as releng-tool
 * exits non-zero then.
 */
export async function runRelengToolLint(
  project: ProjectModel,
  packages: readonly string[],
  options: LintOptions,
): Promise<void> {
  const issues = await lintRelengToolProject(project, packages, options);
  for (const issue of issues) {
    options.print(
      options.json
        ? `${JSON.stringify({ type: 'lint-issue', ...issue, code: `RT${String(issue.code).padStart(3, '0')}` })}\n`
        : formatIssue(issue),
    );
  }
  if (issues.length > 0) {
    throw new RelengError(
      `lint: ${issues.length} issue${issues.length === 1 ? '' : 's'} found (RT codes above)`,
      {
        hint: "fix them, or end a line with '# noqa' to accept it; lint_max_version limits the rules checked",
      },
    );
  }
}

function runPython(
  python: string,
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // -B: nothing written next to the sources
    const child = spawn(python, ['-B', LINT_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err) =>
      reject(
        new RelengError(`lint: cannot run ${python}: ${err.message}`, {
          hint: 'install python3, or name an interpreter with --python',
        }),
      ),
    );
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
    );
    child.stdin.end(input);
  });
}

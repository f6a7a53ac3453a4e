/**
 * `releng release …`: plan a release (version, file edits, changelog,
 * commit, tag) and apply it. The main CLI hands over the words after
 * `releng` when the first one is `release` (src/cli/command-groups.ts).
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { reportError } from '../cli/errors.ts';
import { relengVersion } from '../cli/main.ts';
import { faultPoint } from '../repository/recovery.ts';
import type { Signer } from '../repository/signing/index.ts';
import { RelengError } from '../util/errors.ts';
import { applyPlan, inspectRelease, type ReleaseContext, rollBack } from './apply.ts';
import { fill, type ResolvedReleaseConfig } from './config.ts';
import { gatherFacts } from './facts.ts';
import {
  assertNotRunning,
  type ReleaseJournal,
  readReleaseJournal,
  writeReleaseJournal,
} from './journal.ts';
import {
  formatPlan,
  makePlan,
  type Refusal,
  type ReleasePlan,
  tagGlob,
  versionOfTag,
} from './plan.ts';
import { loadConfig, projectPackages } from './project.ts';
import { makeDist, type PublishContext, taggedCommit, uploadDist } from './publish.ts';
import { DEFAULT_SECRET_VARS, releaseSecretNames, withoutVars } from './secrets.ts';
import { Git } from './vcs.ts';

export const RELEASE_HELP = `releng release — version bump, changelog, commit and tag (docs/release.md)

  releng release plan [VERSION]      print what a release would do (file diffs, commit, tag)
  releng release apply [VERSION]     do it; finishes an interrupted release first
  releng release dist [VERSION]      (re)make the release folder of a tagged version
  releng release upload [VERSION]    upload it to release.uploads (idempotent)
  releng release abort               roll an interrupted release back (files, untagged commit)
  releng release status              say whether an interrupted release is pending

  VERSION: X.Y.Z[-pre] | auto (default: from Conventional Commits) | major | minor | patch |
           premajor | preminor | prepatch | prerelease | calver (YEAR.MONTH.N)
  Options: -R, --root-dir DIR      project folder (default: the current folder; also -C/--root)
           --dry-run               apply: print the plan only
           --preid ID              pre-release identifier for pre* steps (rc, beta, …)
           --current-version V     when neither a tag nor a file states it
           --branch B              allowed release branch (repeatable; default main, master)
           --tag-format F          tag name with {version} (default v{version})
           --no-changelog          do not write CHANGELOG.md
           --gpg-sign [--gpg-key ID] [--gpg-home DIR]   sign commit and tag with gpg
           --key FILE [--passphrase-env VAR]            sign with a releng OpenPGP key
           --push REMOTE           push the branch and the tag afterwards
           --json                  results and errors as JSON
`;

/** Where the command writes (tests pass their own). */
export interface ReleaseCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const OPTIONS = {
  root: { type: 'string', short: 'C' },
  // The main CLI's and `releng root`'s spelling of the same option.
  'root-dir': { type: 'string', short: 'R' },
  'dry-run': { type: 'boolean' },
  preid: { type: 'string' },
  'current-version': { type: 'string' },
  branch: { type: 'string', multiple: true },
  'tag-format': { type: 'string' },
  'no-changelog': { type: 'boolean' },
  'gpg-sign': { type: 'boolean' },
  'gpg-key': { type: 'string' },
  'gpg-home': { type: 'string' },
  key: { type: 'string' },
  'passphrase-env': { type: 'string' },
  push: { type: 'string' },
  json: { type: 'boolean' },
  werror: { type: 'boolean', short: 'W' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `releng release …`; resolves to the exit code. */
export async function runReleaseCommand(
  argv: readonly string[],
  io: ReleaseCliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const env = io.env ?? process.env;
  const json = argv.includes('--json');
  try {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [cmd, version, ...extra] = positionals;
    if (values.help || cmd === undefined || cmd === 'help') {
      io.stdout.write(RELEASE_HELP);
      return values.help || cmd === 'help' ? 0 : 2;
    }
    if (!['plan', 'apply', 'dist', 'upload', 'abort', 'status'].includes(cmd))
      throw new RelengError(`unknown release command "${cmd}"`, {
        hint: 'one of plan, apply, dist, upload, abort, status; see `releng release --help`',
      });
    if (extra.length > 0) throw new RelengError(`unexpected words: ${extra.join(' ')}`);
    const root = resolve(io.cwd ?? process.cwd(), values['root-dir'] ?? values.root ?? '.');
    // Git, gpg, pip and the bundles' builds never see a secret (see releaseSecretNames).
    const gitEnv = (names: readonly string[]) =>
      withoutVars(values['gpg-home'] ? { ...env, GNUPGHOME: values['gpg-home'] } : env, names);
    const git = new Git(root, gitEnv(DEFAULT_SECRET_VARS));
    const top = await git.topLevel();
    if (top === undefined)
      throw new RelengError(`${root} is not in a git repository`, {
        hint: 'releases are made from git',
      });
    const gitDir = await git.gitDir();
    const config = await loadConfig(root, top, values);
    const out = (text: string) => io.stdout.write(text);
    const ctx: ReleaseContext = {
      git: new Git(top, gitEnv(releaseSecretNames(config))),
      root: top,
      gitDir,
      log: (line) => (json ? undefined : io.stderr.write(`${line}\n`)),
      openSigner: async () => {
        const { openSigner } = await import('../repository/signing/index.ts');
        const sign = config.sign as { key: string; passphraseEnv?: string };
        const passEnv = sign.passphraseEnv;
        return openSigner({
          keyFile: resolve(root, sign.key),
          passphrase: passEnv ? env[passEnv] : undefined,
          werror: values.werror,
        });
      },
    };
    const publishing = publishContext(root, ctx, config, env, values.werror);
    ctx.publish = async (plan, commit) => {
      const dist = await makeDist(publishing, plan.next, plan.tag, commit);
      faultPoint('release-after-dist');
      await uploadDist(publishing, dist, plan.next);
    };
    const pending = await readReleaseJournal(gitDir);
    if (pending && cmd !== 'status' && cmd !== 'plan' && !values['dry-run'])
      assertNotRunning(pending, gitDir);
    if (cmd === 'dist' || cmd === 'upload') {
      if (pending)
        throw new RelengError(`an interrupted release of ${pending.plan.next} is pending`, {
          hint: '`releng release apply` finishes it (and makes its release folder)',
        });
      const v = version ?? (await lastReleaseVersion(ctx.git, config));
      const tag = fill(config.tagFormat, v);
      const commit = await taggedCommit(ctx.git, tag);
      const dist = await makeDist(publishing, v, tag, commit);
      const reports = cmd === 'upload' ? await uploadDist(publishing, dist, v) : [];
      out(
        json
          ? `${JSON.stringify({ event: `release-${cmd}`, version: v, dir: dist.dir, files: dist.files, uploads: reports })}\n`
          : `${cmd === 'dist' ? 'release folder' : 'uploaded'} ${v}: ${dist.dir}\n`,
      );
      return 0;
    }
    if (cmd === 'status') {
      if (!pending) {
        out(
          json
            ? `${JSON.stringify({ event: 'release-status', pending: false })}\n`
            : 'no release in progress\n',
        );
        return 0;
      }
      const stage = await inspectRelease(ctx, pending.plan);
      out(
        json
          ? `${JSON.stringify({ event: 'release-status', pending: true, version: pending.plan.next, tag: pending.plan.tag, stage: stage.stage })}\n`
          : `an interrupted release of ${pending.plan.next} (${pending.plan.tag}) stopped at: ${stage.stage}\n`,
      );
      return 0;
    }
    if (cmd === 'abort') {
      if (!pending) throw new RelengError('no interrupted release to roll back');
      await rollBack(ctx, pending.plan);
      out(
        json
          ? `${JSON.stringify({ event: 'release-aborted', version: pending.plan.next })}\n`
          : `rolled back the release of ${pending.plan.next}\n`,
      );
      return 0;
    }
    if (pending) {
      // Never a second plan on top of a half-done one: the journal's plan is finished first.
      if (cmd === 'plan' || values['dry-run']) {
        const stage = await inspectRelease(ctx, pending.plan);
        out(
          `an interrupted release is pending (stopped at: ${stage.stage}); \`releng release apply\` finishes it, \`releng release abort\` rolls it back\n`,
        );
        out(formatPlan(pending.plan));
        return 0;
      }
      ctx.log(`finishing the interrupted release of ${pending.plan.next}`);
      await writeReleaseJournal(gitDir, pending);
      return report(await applyPlan(ctx, pending), pending.plan, json, out);
    }
    const facts = await gatherFacts(ctx.git, top, config, env);
    const plan = makePlan(config, facts, {
      version: version ?? 'auto',
      preid: values.preid,
      currentVersion: values['current-version'],
      push: values.push,
    });
    if (cmd === 'plan' || values['dry-run']) {
      out(json ? `${JSON.stringify({ event: 'release-plan', plan })}\n` : formatPlan(plan));
      return plan.refusals.length > 0 ? 1 : 0;
    }
    if (plan.refusals.length > 0) {
      const [first, ...others] = plan.refusals as [Refusal, ...Refusal[]];
      throw new RelengError(`refusing to release: ${first.message}`, {
        hint: [first.hint, ...others.map((r) => r.message)].filter(Boolean).join('; '),
      });
    }
    const journal: ReleaseJournal = { format: 1, plan };
    await writeReleaseJournal(gitDir, journal);
    faultPoint('release-after-journal');
    return report(await applyPlan(ctx, journal), plan, json, out);
  } catch (err) {
    // node:util parseArgs reports a bad option as a TypeError with an ERR_PARSE_ARGS_* code.
    const usage =
      err instanceof TypeError &&
      String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
    return reportError(
      usage
        ? new RelengError((err as Error).message, { hint: 'see `releng release --help`' })
        : err,
      {
        json,
        color: false,
        cwd: io.cwd ?? process.cwd(),
        stdout: io.stdout,
        stderr: io.stderr,
      },
    );
  }
}

/** The version of the last release tag reachable from HEAD. */
async function lastReleaseVersion(git: Git, config: ResolvedReleaseConfig): Promise<string> {
  const tag = await git.lastTag(tagGlob(config.tagFormat));
  const v = tag === undefined ? undefined : versionOfTag(tag, config.tagFormat);
  if (v === undefined)
    throw new RelengError('no release tag is reachable from HEAD', {
      hint: 'name the version: releng release dist 1.2.0',
    });
  return v;
}

/** Publishing of the project at `root`: its packages for the SBOM, the signer of SHA256SUMS. */
function publishContext(
  root: string,
  ctx: ReleaseContext,
  config: ResolvedReleaseConfig,
  env: NodeJS.ProcessEnv,
  werror: boolean | undefined,
): PublishContext {
  const sign = config.sign;
  return {
    git: ctx.git,
    root,
    subdir: relative(ctx.root, root),
    config,
    env: ctx.git.env,
    uploadEnv: env,
    log: ctx.log,
    relengVersion: relengVersion(),
    project: async () => projectPackages(root, relengVersion()),
    signer:
      sign === false
        ? undefined
        : 'key' in sign
          ? (ctx.openSigner as () => Promise<Signer>)
          : async () => {
              const { openSigner } = await import('../repository/signing/index.ts');
              const gpgKey = sign.gpgKey ?? (await ctx.git.config('user.signingkey'));
              if (!gpgKey)
                throw new RelengError('signing SHA256SUMS with gpg needs a key id', {
                  hint: 'pass --gpg-key ID (or set git config user.signingkey)',
                });
              return openSigner({ backend: 'gpg', gpgKey, gpgHome: sign.gpgHome, werror });
            },
  };
}

function report(
  commit: string,
  plan: ReleasePlan,
  json: boolean,
  out: (t: string) => void,
): number {
  out(
    json
      ? `${JSON.stringify({ event: 'released', version: plan.next, tag: plan.tag, commit })}\n`
      : `released ${plan.next}: ${plan.tag} on ${commit.slice(0, 12)}\n`,
  );
  return 0;
}

import { join, resolve } from 'node:path';
import type { ProjectDirs, ProjectModel } from '../project/model.ts';
import { nowMs } from '../util/clock.ts';
import { asRelengError, RelengError } from '../util/errors.ts';
import type { EventSink } from './events.ts';
import { secret } from './secrets.ts';

/**
 * The release steps after post-processing: the project's outputs (packages
 * and archives) and the repositories they are published into.
 */

/** What the release steps need from the run. */
export interface ReleaseContext {
  project: ProjectModel;
  dirs: ProjectDirs;
  sink: EventSink;
  /** Template variables: releng's run variables, the project's environment, KEY=VALUE words. */
  variables: Record<string, string>;
  /** The run's --werror: a warning while publishing (e.g. a key file others can read) fails it. */
  werror?: boolean;
}

/**
 * The project's `outputs` (packages and archives), written after
 * post-processing into the images directory. Each entry is a packaging
 * description (docs/outputs.md); `sysroot` picks the tree it packages
 * (`target` by default, or `staging`, `host`, `images`).
 */
export async function writeProjectOutputs(ctx: ReleaseContext): Promise<void> {
  const outputs = (ctx.project.options.outputs as Array<Record<string, unknown>> | undefined) ?? [];
  const rootBuilt = await recipePackages(ctx);
  if (outputs.length === 0) {
    await publishRepositories(ctx, rootBuilt, rootBuilt);
    return;
  }
  const allWritten: string[] = [...rootBuilt];
  const { writeOutputs } = await import('../outputs/index.ts');
  const sysroots: Record<string, string> = {
    target: ctx.dirs.target,
    staging: ctx.dirs.staging,
    host: ctx.dirs.host,
    images: ctx.dirs.images,
  };
  ctx.sink({ type: 'stage-start', pkg: 'outputs', stage: 'package' });
  const started = nowMs();
  for (const [index, entry] of outputs.entries()) {
    const { sysroot = 'target', ...description } = entry;
    const sourceDir = sysroots[String(sysroot)];
    if (!sourceDir) {
      throw new RelengError(
        `outputs[${index}].sysroot must be one of ${Object.keys(sysroots).join(', ')}`,
        {
          file: ctx.project.configFile,
        },
      );
    }
    try {
      const written = await writeOutputs(description as never, {
        sourceDir,
        imagesDir: ctx.dirs.images,
        descriptionDir: ctx.project.root,
        // Only what the project controls (not the caller's whole environment),
        // so the same project gives the same packages on any machine.
        variables: ctx.variables,
      });
      for (const file of written) {
        ctx.sink({ type: 'log', level: 'note', message: `wrote ${file}` });
      }
      allWritten.push(...written);
    } catch (err) {
      throw asRelengError(err, { file: ctx.project.configFile, stage: 'outputs' });
    }
  }
  ctx.sink({
    type: 'stage-end',
    pkg: 'outputs',
    stage: 'package',
    durationMs: nowMs() - started,
  });
  await publishRepositories(ctx, allWritten, rootBuilt);
}

/**
 * The packages the project's `debian-source`/`rpm-spec` packages built in
 * roots (src/recipes/published.ts): published with the `outputs` ones.
 */
async function recipePackages(ctx: ReleaseContext): Promise<string[]> {
  if (!ctx.project.options.repositories) return [];
  const { recordedArtifacts } = await import('../recipes/published.ts');
  const { files, missing } = await recordedArtifacts(
    ctx.dirs.build,
    ctx.dirs.images,
    ctx.project.packages,
  );
  for (const name of missing)
    ctx.sink({
      type: 'log',
      level: 'warn',
      message: `${name} was built in a root but is no longer in ${ctx.dirs.images}; not published (rebuild the package)`,
    });
  return files;
}

/**
 * The project's `repositories`: the .deb outputs and root-built packages go
 * into APT ones, the .rpm ones (not source rpms) into YUM ones, then each is published (signed when a key is given).
 * A failure leaves the published repository as it was.
 */
async function publishRepositories(
  ctx: ReleaseContext,
  written: readonly string[],
  rootBuilt: readonly string[],
): Promise<void> {
  const repos = ctx.project.options.repositories as Array<Record<string, unknown>> | undefined;
  if (!repos || repos.length === 0) return;
  const { openSigner } = await import('../repository/signing/index.ts');
  for (const [index, repo] of repos.entries()) {
    const type = repo.type;
    if (type !== 'apt' && type !== 'yum') {
      throw new RelengError(`repositories[${index}].type must be "apt" or "yum"`, {
        file: ctx.project.configFile,
      });
    }
    const dir = resolve(ctx.project.root, String(repo.dir ?? join(ctx.dirs.output, 'repos', type)));
    // Binary repositories: source rpms (a root build's .src.rpm) stay in the images folder.
    const files = written.filter((f) =>
      type === 'apt' ? f.endsWith('.deb') : f.endsWith('.rpm') && !f.endsWith('.src.rpm'),
    );
    let signer: Awaited<ReturnType<typeof openSigner>> | undefined;
    if (repo.signingKey || repo.gpgKey) {
      const passphraseEnv = repo.passphraseEnv as string | undefined;
      signer = await openSigner({
        keyFile: repo.signingKey ? resolve(ctx.project.root, String(repo.signingKey)) : undefined,
        gpgKey: repo.gpgKey as string | undefined,
        passphrase: passphraseEnv ? secret(passphraseEnv) : undefined,
        warn: (message) => ctx.sink({ type: 'log', level: 'warn', message }),
        werror: ctx.werror,
      });
    } else if (!repo.unsigned) {
      throw new RelengError(`repositories[${index}] (${type}) has no signingKey or gpgKey`, {
        file: ctx.project.configFile,
        hint: 'generate one with "releng key generate", or set unsigned: true for a test repository',
      });
    }
    ctx.sink({ type: 'stage-start', pkg: `${type} repository`, stage: 'package' });
    const started = nowMs();
    try {
      if (type === 'apt') {
        const { aptRepository } = await import('../repository/apt/index.ts');
        const apt = await aptRepository(dir, {
          suite: repo.suite as string | undefined,
          codename: repo.codename as string | undefined,
          components: repo.component ? [String(repo.component)] : undefined,
          layout: repo.flat ? 'flat' : undefined,
        });
        await apt.add(files, {
          component: repo.component as string | undefined,
          replace: Boolean(repo.replace),
        });
        await apt.publish({ signer, unsigned: !signer });
      } else {
        if (signer) {
          // Root-built rpms come unsigned: they get the repository key's header signature
          // (in the images folder too), as dnf's gpgcheck=1 wants.
          const { signRootBuiltRpm } = await import('../recipes/sign.ts');
          for (const f of files)
            if (rootBuilt.includes(f)) await signRootBuiltRpm(f, signer, join(dir, 'Packages'));
        }
        const { updateYumRepository } = await import('../repository/yum/index.ts');
        await updateYumRepository(dir, {
          add: files,
          replace: Boolean(repo.replace),
          signer,
          unsigned: !signer,
        });
      }
    } catch (err) {
      throw asRelengError(err, { file: ctx.project.configFile, stage: 'repositories' });
    }
    ctx.sink({
      type: 'log',
      level: 'note',
      message: `published ${files.length} package(s) to ${dir}`,
    });
    ctx.sink({
      type: 'stage-end',
      pkg: `${type} repository`,
      stage: 'package',
      durationMs: nowMs() - started,
    });
  }
}

/** dnf against a scratch install root, for the YUM repository tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type RunResult, tempDir } from '../pkgsign/helpers.ts';
import { runAsync } from '../repository-apt/helpers.ts';

export interface DnfOptions {
  /** gpgkey= file (armored public key); omitted: no key configured. */
  key?: string;
  gpgcheck?: boolean;
  repoGpgcheck?: boolean;
}

/**
 * `dnf install` of `packages` from the repository at `baseurl` into a fresh
 * empty root, with gpgcheck=1 repo_gpgcheck=1 skip_if_unavailable=False by
 * default. Returns dnf's result and the root.
 */
export async function dnfInstall(
  baseurl: string,
  packages: string[],
  opts: DnfOptions = {},
): Promise<RunResult & { root: string; output: string }> {
  const dir = tempDir('releng-dnf-');
  const root = path.join(dir, 'root');
  const reposd = path.join(dir, 'repos.d');
  mkdirSync(root);
  mkdirSync(reposd);
  const gpg = opts.gpgcheck === false ? 0 : 1;
  const repoGpg = opts.repoGpgcheck === false ? 0 : 1;
  const conf = path.join(dir, 'dnf.conf');
  writeFileSync(
    conf,
    `[main]\ngpgcheck=${gpg}\nrepo_gpgcheck=${repoGpg}\nskip_if_unavailable=False\nreposdir=${reposd}\ncachedir=${path.join(dir, 'cache')}\nlogdir=${dir}\npersistdir=${path.join(dir, 'persist')}\nkeepcache=0\ninstall_weak_deps=False\n`,
  );
  writeFileSync(
    path.join(reposd, 'releng-test.repo'),
    `[releng-test]\nname=releng test\nbaseurl=${baseurl}\nenabled=1\ngpgcheck=${gpg}\nrepo_gpgcheck=${repoGpg}\nskip_if_unavailable=False\n${opts.key ? `gpgkey=file://${opts.key}\n` : ''}metadata_expire=0\n`,
  );
  const r = await runAsync('dnf', [
    '-y',
    '-c',
    conf,
    '--installroot',
    root,
    `--setopt=reposdir=${reposd}`,
    '--releasever=1',
    '--disablerepo=*',
    '--enablerepo=releng-test',
    'install',
    ...packages,
  ]);
  return { ...r, root, output: `${r.stdout}\n${r.stderr}` };
}

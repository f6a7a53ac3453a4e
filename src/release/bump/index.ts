/** Version-bump formats: one module each, registered here by name. */
import { debianChangelogFormat } from './debian-changelog.ts';
import { pyprojectFormat, setupCfgFormat } from './ini-like.ts';
import { packageJsonFormat } from './package-json.ts';
import { patternFormat } from './pattern.ts';
import { relengConfigFormat } from './releng-config.ts';
import { rpmSpecFormat } from './rpm-spec.ts';
import type { BumpFormat } from './types.ts';

export type { BumpContext, BumpFormat } from './types.ts';

/** Every format, by the name a `files` entry gives. */
export const BUMP_FORMATS: Readonly<Record<string, BumpFormat>> = {
  pattern: patternFormat,
  'package.json': packageJsonFormat,
  'pyproject.toml': pyprojectFormat,
  'setup.cfg': setupCfgFormat,
  'releng.config.ts': relengConfigFormat,
  'debian/changelog': debianChangelogFormat,
  'rpm-spec': rpmSpecFormat,
};

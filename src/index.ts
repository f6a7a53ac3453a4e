/** Public API of releng for project files and programs that embed it. */
export type { InstallType, StageContext } from './project/model.ts';
export type {
  PackageConfig,
  ProjectConfig,
  StageHook,
  StageOptions,
} from './project/native/config.ts';
export { definePackage, defineProject } from './project/native/config.ts';

/** Native config file names, in lookup order (kept apart: finding a project loads nothing else). */
export const NATIVE_CONFIG_NAMES = [
  'releng.config.ts',
  'releng.config.mts',
  'releng.config.js',
  'releng.config.mjs',
];

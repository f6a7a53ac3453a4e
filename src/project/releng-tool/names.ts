/** File names of releng-tool projects (kept apart so finding a project loads no Python machinery). */

/** Config names in releng-tool's lookup order (4.x first, then the guide's). */
export const RELENG_TOOL_CONFIG_NAMES = [
  'releng-tool.rt',
  'releng-tool.py',
  'releng-tool',
  'releng.rt',
  'releng.py',
  'releng',
];

/** Project post-build script names, 4.x first. */
export const POST_BUILD_NAMES = [
  'releng-tool-post-build.rt',
  'releng-tool-post-build.py',
  'releng-tool-post-build',
  'post.rt',
  'post.py',
  'post',
  // older releng-tool names, still run (deprecated)
  'releng-post-build.rt',
  'releng-post-build.py',
  'releng-post-build',
  'releng-post.rt',
  'releng-post.py',
  'releng-post',
];

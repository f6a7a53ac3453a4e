import { readdir } from 'node:fs/promises';

/** Names of packages that have a folder in any package directory (for suggestions). */
export async function packageFolderNames(packageDirs: string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of packageDirs) {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) names.add(entry.name);
    }
  }
  return [...names];
}

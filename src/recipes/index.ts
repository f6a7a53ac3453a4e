/** Recipes by layout: one registration line per recipe module, loaded on use. */
import type { Layout, Recipe } from './types.ts';

const RECIPES: Array<{ layouts: readonly Layout[]; load: () => Promise<Recipe> }> = [
  {
    layouts: ['dsc', 'debian-tree'],
    load: async () => (await import('./debian-source.ts')).debianSource,
  },
  {
    layouts: ['srpm', 'rpm-standard', 'rpm-two-repo'],
    load: async () => (await import('./rpm-spec.ts')).rpmSpec,
  },
];

/** The recipe for a layout. */
export async function recipeFor(layout: Layout): Promise<Recipe | undefined> {
  const entry = RECIPES.find((r) => r.layouts.includes(layout));
  return entry ? entry.load() : undefined;
}

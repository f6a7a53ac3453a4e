/**
 * `pkgdepend resolve`: the `depend fmri=__TBD …` actions `generate` wrote,
 * resolved together against the packages being published: each becomes
 * `depend fmri=<package> type=require` on the package delivering one of the
 * candidate paths (following links: the link's package and its target's),
 * `require-any` when several packages could, none when the package
 * satisfies it itself. A require-any whose member is also required is
 * dropped; the result is sorted as pkgdepend sorts it. Dependencies that no
 * package satisfies are errors naming the manifest and the reason.
 *
 * Packages from outside the build (`external`, read from a repository by
 * external.ts) are looked at only for a dependency the build's own
 * packages do not satisfy, as pkgdepend looks at its image's packages.
 *
 * Not done: resolving against an installed image, variants.
 */
import { posix } from 'node:path';
import { RelengError } from '../../util/errors.ts';
import { type Action, type AttrValue, actionToString, attr, attrList, cmpStr } from '../action.ts';
import type { Manifest } from '../manifest.ts';

/** pkg(5)'s short FMRI: `pkg:/name@release-branch` (`pkg://pub/…` kept; no build release or timestamp). */
export function shortFmri(fmri: string): string {
  const pub = /^pkg:\/\/([^/]*)\//.exec(fmri)?.[1];
  const scheme = pub ? `pkg://${pub}/` : 'pkg:/';
  let s = fmri
    .replace(/^pkg:\/\/[^/]*\//, '')
    .replace(/^pkg:\//, '')
    .replace(/^\/+/, '');
  const at = s.indexOf('@');
  if (at === -1) return `${scheme}${s}`;
  const name = s.slice(0, at);
  let ver = s.slice(at + 1).replace(/:.*$/, '');
  const dash = ver.indexOf('-');
  const branch = dash === -1 ? '' : ver.slice(dash + 1);
  ver = dash === -1 ? ver : ver.slice(0, dash);
  const release = ver.replace(/,.*$/, '');
  s = `${name}@${release}${branch ? `-${branch}` : ''}`;
  return `${scheme}${s}`;
}

/** The resolved dependencies of one manifest. */
export interface Resolved {
  manifest: Manifest;
  /** Its depend actions after resolution, sorted. */
  depends: Action[];
  errors: RelengError[];
}

interface Delivery {
  pkg: string;
  kind: 'file' | 'link';
  target?: string;
}

function pkgOf(m: Manifest): string {
  const set = m.actions.find(
    (a) => a.action.name === 'set' && a.action.attrs.get('name') === 'pkg.fmri',
  );
  if (!set) {
    throw new RelengError(`${m.file}: no pkg.fmri: the manifest cannot be resolved against`, {
      file: m.file,
      hint: 'add set name=pkg.fmri value=pkg:/NAME@VERSION',
    });
  }
  return shortFmri(attr(set.action, 'value') as string);
}

/**
 * Which packages deliver `path` (`out`), following links; the packages of the links
 * followed go to `links` (each is required on its own, as pkgdepend does).
 */
function providers(
  path: string,
  index: Map<string, Delivery[]>,
  links: Set<string>,
  depth = 0,
): string[] {
  if (depth > 20) return [];
  const out: string[] = [];
  const parts = path.split('/');
  for (let i = parts.length; i > 0; i--) {
    const head = parts.slice(0, i).join('/');
    const ds = index.get(head);
    if (!ds) continue;
    for (const d of ds) {
      if (d.kind === 'file' && i === parts.length) out.push(d.pkg);
      else if (d.kind === 'link') {
        const t = d.target ?? '';
        const resolved = posix
          .normalize(t.startsWith('/') ? t : posix.join(posix.dirname(head), t))
          .replace(/^\/+/, '');
        const further = providers([resolved, ...parts.slice(i)].join('/'), index, links, depth + 1);
        if (further.length > 0) {
          links.add(d.pkg);
          out.push(...further);
        }
      }
    }
    if (out.length > 0) return out;
  }
  return out;
}

/** Which package delivers each path of the manifests (FMRIs in `pkgs`, in the same order). */
function deliveries(
  manifests: readonly Manifest[],
  pkgs: readonly string[],
): Map<string, Delivery[]> {
  const index = new Map<string, Delivery[]>();
  manifests.forEach((m, i) => {
    for (const { action } of m.actions) {
      const p = attr(action, 'path');
      if (p === undefined) continue;
      let d: Delivery | undefined;
      if (action.name === 'file' || action.name === 'hardlink' || action.name === 'dir')
        d = { pkg: pkgs[i] as string, kind: 'file' };
      else if (action.name === 'link')
        d = { pkg: pkgs[i] as string, kind: 'link', target: attr(action, 'target') ?? '' };
      if (!d) continue;
      const list = index.get(p);
      if (list) list.push(d);
      else index.set(p, [d]);
    }
  });
  return index;
}

/**
 * Resolves the manifests together; `external` packages (a repository's)
 * satisfy what the manifests themselves do not, named without publisher
 * as pkgdepend names the packages of its image.
 */
export function resolveDepends(
  manifests: readonly Manifest[],
  external: readonly Manifest[] = [],
): Resolved[] {
  const pkgs = manifests.map(pkgOf);
  const index = deliveries(manifests, pkgs);
  const extIndex = deliveries(
    external,
    external.map((m) => pkgOf(m).replace(/^pkg:\/\/[^/]*\//, 'pkg:/')),
  );
  return manifests.map((m, i) => {
    const self = pkgs[i] as string;
    const errors: RelengError[] = [];
    const out: Action[] = [];
    const required = new Set<string>();
    const anys: string[][] = [];
    for (const a of m.actions) {
      if (a.action.name !== 'depend') continue;
      if (attr(a.action, 'fmri') !== '__TBD') {
        out.push(a.action);
        if (attr(a.action, 'type') === 'require') required.add(attr(a.action, 'fmri') as string);
        continue;
      }
      const full = attrList(a.action, 'pkg.debug.depend.fullpath');
      const paths =
        full.length > 0
          ? full
          : attrList(a.action, 'pkg.debug.depend.file').flatMap((f) =>
              attrList(a.action, 'pkg.debug.depend.path').map((p) =>
                posix.normalize(posix.join(p, f)),
              ),
            );
      const viaLinks = new Set<string>();
      const lookIn = (idx: Map<string, Delivery[]>) =>
        [...new Set(paths.sort(cmpStr).flatMap((p) => providers(p, idx, viaLinks)))].sort(cmpStr);
      let found = lookIn(index);
      if (found.length === 0 && external.length > 0) found = lookIn(extIndex);
      for (const l of viaLinks) if (l !== self) required.add(l);
      if (found.includes(self)) continue;
      if (found.length === 0) {
        const reason = attr(a.action, 'pkg.debug.depend.reason') ?? '?';
        errors.push(
          new RelengError(
            `${m.file}:${a.line}: unresolved dependency of ${reason} on ${paths.join(' or ')}: no package being published${external.length > 0 ? ' or listed from the repository' : ''} delivers it`,
            {
              file: m.file,
              line: a.line,
              hint: 'publish the package delivering it together with this one, or declare the dependency explicitly',
            },
          ),
        );
        continue;
      }
      if (found.length === 1) required.add(found[0] as string);
      else anys.push(found);
    }
    for (const f of required) {
      if (!out.some((d) => attr(d, 'type') === 'require' && attr(d, 'fmri') === f)) {
        out.push({
          name: 'depend',
          attrs: new Map<string, AttrValue>([
            ['fmri', f],
            ['type', 'require'],
          ]),
        });
      }
    }
    const seenAny = new Set<string>();
    for (const any of anys) {
      if (any.some((f) => required.has(f))) continue;
      const k = any.join(' ');
      if (seenAny.has(k)) continue;
      seenAny.add(k);
      out.push({
        name: 'depend',
        attrs: new Map<string, AttrValue>([
          ['fmri', any],
          ['type', 'require-any'],
        ]),
      });
    }
    // Ordered by package name (publisher aside), as pkgdepend writes them.
    const stem = (d: Action): string =>
      (attrList(d, 'fmri')[0] ?? '').replace(/^pkg:\/\/[^/]*\//, '').replace(/^pkg:\//, '');
    const depends = out
      .map((d) => ({ d, k: stem(d), s: actionToString(d) }))
      .sort((x, y) => cmpStr(x.k, y.k) || cmpStr(x.s, y.s))
      .filter((x, j, arr) => j === 0 || arr[j - 1]?.s !== x.s)
      .map((x) => x.d);
    return { manifest: m, depends, errors };
  });
}

/** The few fields of an rpm spec file the recipes need, read without rpm. */
import { RelengError } from '../util/errors.ts';
import { checkFileName } from './common.ts';

/** The fields of a spec file the recipes read (macros %{name} and %{version} expanded). */
export interface SpecInfo {
  name: string;
  version: string;
  /** Source and Patch file names (basenames). */
  sources: string[];
  buildRequires: string[];
}

/** Expands %{name}, %{version} and simple %global/%define macros of a spec. */
function expand(value: string, macros: Map<string, string>): string {
  let out = value;
  for (let i = 0; i < 5 && /%\{\??[A-Za-z_]\w*\}/.test(out); i++)
    out = out.replace(/%\{(\?)?([A-Za-z_]\w*)\}/g, (m, opt, n) => macros.get(n) ?? (opt ? '' : m));
  return out;
}

/** Reads a spec's name, version, sources and build requirements. */
export function readSpec(text: string, file: string): SpecInfo {
  const macros = new Map<string, string>();
  const sources: string[] = [];
  const buildRequires: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('%description') || line.startsWith('%prep')) break;
    const def = /^%(?:global|define)\s+(\w+)\s+(.+)$/.exec(line);
    if (def) macros.set(def[1]!, expand(def[2]!.trim(), macros));
    const tag = /^([A-Za-z]+\d*)\s*:\s*(.+)$/.exec(line);
    if (!tag) continue;
    const key = tag[1]!.toLowerCase();
    const value = expand(tag[2]!.trim(), macros);
    if (key === 'name' || key === 'version') macros.set(key, value);
    else if (/^(source|patch)\d*$/.test(key)) sources.push(value.replace(/^.*\//, ''));
    else if (key === 'buildrequires')
      buildRequires.push(...value.split(/,\s*|\s+(?=[A-Za-z])/).filter(Boolean));
  }
  const name = macros.get('name');
  const version = macros.get('version');
  if (!name || !version)
    throw new RelengError(`${file}: no Name or Version tag`, {
      file,
      hint: 'an rpm spec needs Name: and Version: before %description',
    });
  for (const s of sources)
    if (s.includes('%'))
      throw new RelengError(`${file}: cannot expand the macros in source "${s}"`, {
        file,
        hint: 'use %{name}, %{version} or %global macros in Source/Patch tags',
      });
  // Both name files (the log, the tarball prefix): plain names only.
  checkFileName(name, file);
  checkFileName(version, file);
  return { name, version, sources: sources.map((s) => checkFileName(s, file)), buildRequires };
}

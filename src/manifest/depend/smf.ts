/**
 * pkgdepend's SMF dependencies: a service manifest delivered under
 * `lib/svc/manifest` or `var/svc/manifest` whose instances depend on other
 * services (`<dependency type="service" grouping="require_all">`) depends on
 * the manifest files delivering those services — found among the manifests
 * of this machine (`/lib/svc/manifest`, `/var/svc/manifest`) and of the proto
 * areas (the first proto area wins), as pkgdepend looks for them. The
 * package gets `set name=org.opensolaris.smf.fmri` with the services and
 * instances its manifests declare.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cmpStr } from '../action.ts';
import { descendants, parseXml, type XmlElement } from './xml.ts';

/** Where SMF manifests are delivered (prefixes of the install path, as pkgdepend checks them). */
export const SMF_LOCATIONS = ['lib/svc/manifest', 'var/svc/manifest'];
const DTD = '/usr/share/lib/xml/dtd/service_bundle.dtd.1';

/** What one manifest declares: FMRI → manifest file, and instance FMRI → FMRIs it requires. */
export interface SmfInfo {
  /** In declaration order: each service, its instances, then its default instance. */
  fmriFile: Map<string, string>;
  deps: Map<string, string[]>;
}

/** Whether `path` is an SMF manifest pkgdepend would read (its document type names SMF's DTD). */
export function isSmfManifest(text: string): boolean {
  return parseXml(text)?.doctype?.systemId === DTD;
}

function requiredServices(deps: readonly XmlElement[]): string[] {
  const out: string[] = [];
  for (const d of deps) {
    const fmris = descendants(d, 'service_fmri');
    if (
      fmris.length > 0 &&
      d.attrs.get('type') === 'service' &&
      d.attrs.get('grouping') === 'require_all' &&
      d.attrs.get('delete') !== 'true'
    )
      for (const f of fmris) {
        const v = f.attrs.get('value');
        if (v) out.push(v);
      }
  }
  return out;
}

/** Reads the services of one manifest file; undefined when it is not an SMF manifest. */
export function parseSmfManifest(text: string, file: string): SmfInfo | undefined {
  const doc = parseXml(text);
  if (doc?.doctype?.systemId !== DTD) return undefined;
  const fmriFile = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const service of descendants(
    { tag: '', attrs: new Map(), children: [doc.root] },
    'service',
  )) {
    const name = service.attrs.get('name') ?? '';
    // pkgdepend skips a service without a name, and one whose name starts with '/'.
    if (!name || name.startsWith('/')) continue;
    const svc = `svc:/${name}`;
    const fmris = [svc];
    const svcDeps = requiredServices(service.children.filter((c) => c.tag === 'dependency'));
    const createDefault = descendants(service, 'create_default_instance').length > 0;
    let duplicateDefault = false;
    for (const inst of descendants(service, 'instance')) {
      const iname = inst.attrs.get('name') ?? '';
      if (!iname) continue;
      if (iname === 'default' && createDefault) duplicateDefault = true;
      const fmri = `${svc}:${iname}`;
      deps.set(fmri, [...svcDeps, ...requiredServices(descendants(inst, 'dependency'))]);
      fmris.push(fmri);
    }
    if (createDefault && !duplicateDefault) {
      fmris.push(`${svc}:default`);
      deps.set(`${svc}:default`, svcDeps);
    }
    deps.set(svc, svcDeps);
    for (const f of fmris) if (!fmriFile.has(f)) fmriFile.set(f, file);
  }
  return { fmriFile, deps };
}

/** An SMF FMRI split as pkgdepend splits it; throws for other forms. */
function splitFmri(fmri: string): { service: string; instance?: string } {
  const a = fmri.split(':');
  if (a[0] === 'svc' && a.length === 2) return { service: a[1] as string };
  if (a[0] === 'svc' && a.length === 3) return { service: a[1] as string, instance: a[2] };
  throw new Error('FMRI does not appear to be valid');
}

/** Instances matching an FMRI: the instance itself, or every instance of a service. */
function search<T>(fmri: string, dict: ReadonlyMap<string, T>): T[] {
  const { service, instance } = splitFmri(fmri);
  if (instance !== undefined) return dict.has(fmri) ? [dict.get(fmri) as T] : [];
  const prefix = `svc:${service}:`;
  return [...dict].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
}

/** The files SMF manifests are looked for in, in reading order: this machine's, then the proto areas' (the first last). */
function smfPlaces(protoDirs: readonly string[]): string[] {
  const places = SMF_LOCATIONS.map((l) => join('/', l));
  for (const p of [...protoDirs].reverse()) for (const l of SMF_LOCATIONS) places.push(join(p, l));
  return places;
}

/** Every regular file under `dir` (sorted, depth first) with its text. */
function* filesUnder(dir: string): Generator<[string, string]> {
  let names: string[];
  try {
    names = readdirSync(dir).sort(cmpStr);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) yield* filesUnder(p);
    else if (st.isFile()) {
      try {
        yield [p, readFileSync(p, 'utf8')];
      } catch {}
    }
  }
}

/** The files (path, text) whose services generate may look up: an input of the pipeline's generate step. */
export function smfSources(protoDirs: readonly string[]): [string, string][] {
  return smfPlaces(protoDirs).flatMap((p) => [...filesUnder(p)]);
}

/** The services known on this machine and in the proto areas (later reads win, the first proto area last). */
export class SmfCatalog {
  readonly fmriFile = new Map<string, string>();
  readonly deps = new Map<string, string[]>();

  /** Reads the manifests of `/` and the proto areas. */
  constructor(protoDirs: readonly string[]) {
    for (const [p, text] of smfSources(protoDirs)) {
      const info = parseSmfManifest(text, p);
      if (!info) continue;
      for (const [k, v] of info.fmriFile) this.fmriFile.set(k, v);
      for (const [k, v] of info.deps) this.deps.set(k, v);
    }
  }
}

/** What one delivered manifest depends on. */
export interface SmfDeps {
  /** Each dependency: one manifest file, or several (a service several files deliver instances of). */
  files: (string | string[])[];
  /** The FMRIs the manifest declares (for org.opensolaris.smf.fmri). */
  fmris: string[];
  errors: string[];
}

/**
 * The manifest files the services of `localFile` (an SMF manifest) require,
 * as pkgdepend finds them: for each instance, each required FMRI is looked up
 * in the file itself and in `catalog`.
 */
export function smfDependencies(info: SmfInfo, localFile: string, catalog: SmfCatalog): SmfDeps {
  const errors: string[] = [];
  const out = new Map<string, string | string[]>();
  for (const fmri of info.fmriFile.keys()) {
    let instance: string | undefined;
    try {
      instance = splitFmri(fmri).instance;
    } catch (e) {
      errors.push(`Problem resolving ${fmri}: ${(e as Error).message}`);
      continue;
    }
    if (instance === undefined) continue;
    let needs = search(fmri, info.deps);
    if (needs.length === 0) needs = search(fmri, catalog.deps);
    const wanted = new Set(needs.length === 1 ? (needs[0] as string[]) : []);
    for (const dep of wanted) {
      let files: string[];
      try {
        files = [...new Set([...search(dep, info.fmriFile), ...search(dep, catalog.fmriFile)])];
        if (files.length === 0) throw new Error('cannot resolve FMRI to a delivered file');
      } catch (e) {
        errors.push(
          `Unable to generate SMF dependency on ${dep} declared in ${localFile} by ${fmri}: ${(e as Error).message}`,
        );
        continue;
      }
      if (files.length === 1) out.set(files[0] as string, files[0] as string);
      else {
        const sorted = files.sort(cmpStr);
        if (splitFmri(dep).instance !== undefined)
          errors.push(
            `Unable to generate SMF dependency on the service FMRI ${dep} declared in ${localFile} by ${fmri}. SMF dependencies should always resolve to SMF instances rather than SMF services and multiple files deliver instances of this service: ${sorted.join(', ')}`,
          );
        out.set(JSON.stringify(sorted), sorted);
      }
    }
  }
  return { files: [...out.values()], fmris: [...info.fmriFile.keys()], errors };
}

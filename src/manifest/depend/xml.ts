/**
 * A small, strict XML reader for SMF service manifests: elements, attributes,
 * the document type's system identifier. A document that is not well formed
 * gives `undefined`, as pkgdepend then does not treat the file as a manifest
 * (its XML parser, expat, refuses it).
 */

/** An element: its tag, attributes and child elements (text is dropped). */
export interface XmlElement {
  tag: string;
  attrs: Map<string, string>;
  children: XmlElement[];
}

/** A parsed document. */
export interface XmlDocument {
  root: XmlElement;
  /** The DOCTYPE's SYSTEM identifier, when there is a DOCTYPE. */
  doctype?: { name: string; systemId: string | null };
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class XmlSyntax extends Error {}

/** Parses `text`; undefined when it is not well-formed XML. */
export function parseXml(text: string): XmlDocument | undefined {
  try {
    return parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof XmlSyntax) return undefined;
    throw e;
  }
}

function parse(s: string): XmlDocument {
  let i = 0;
  const entities = new Map(Object.entries(PREDEFINED));
  const fail = (why: string): never => {
    throw new XmlSyntax(`${why} at offset ${i}`);
  };
  const skipWs = () => {
    while (i < s.length && ' \t\r\n'.includes(s[i] as string)) i++;
  };
  const readName = (): string => {
    const m = NAME.exec(s.slice(i, i + 256));
    if (!m) fail('name expected');
    i += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const until = (end: string): string => {
    const j = s.indexOf(end, i);
    if (j < 0) fail(`${end} expected`);
    const out = s.slice(i, j);
    i = j + end.length;
    return out;
  };
  const quoted = (): string => {
    const q = s[i];
    if (q !== '"' && q !== "'") fail('quote expected');
    i++;
    return until(q as string);
  };
  const decode = (v: string): string =>
    v.replace(/&([^;&]*);|&/g, (all, ref: string | undefined) => {
      if (ref === undefined) fail('bare &');
      const r = ref as string;
      if (r.startsWith('#x')) return String.fromCodePoint(Number.parseInt(r.slice(2), 16));
      if (r.startsWith('#')) return String.fromCodePoint(Number.parseInt(r.slice(1), 10));
      const e = entities.get(r);
      if (e === undefined) fail(`undefined entity ${all}`);
      return e as string;
    });
  const misc = (): boolean => {
    skipWs();
    if (s.startsWith('<!--', i)) {
      i += 4;
      until('-->');
      return true;
    }
    if (s.startsWith('<?', i)) {
      i += 2;
      until('?>');
      return true;
    }
    return false;
  };
  let doctype: XmlDocument['doctype'];
  while (misc()) {}
  if (s.startsWith('<!DOCTYPE', i)) {
    i += 9;
    skipWs();
    const name = readName();
    skipWs();
    let systemId: string | null = null;
    if (s.startsWith('SYSTEM', i)) {
      i += 6;
      skipWs();
      systemId = quoted();
    } else if (s.startsWith('PUBLIC', i)) {
      i += 6;
      skipWs();
      quoted();
      skipWs();
      systemId = quoted();
    }
    skipWs();
    if (s[i] === '[') {
      const subset = until(']');
      for (const m of subset.matchAll(/<!ENTITY\s+([^\s%]+)\s+("([^"]*)"|'([^']*)')\s*>/g))
        entities.set(m[1] as string, m[3] ?? m[4] ?? '');
      skipWs();
    }
    if (s[i] !== '>') fail('> expected after DOCTYPE');
    i++;
    doctype = { name, systemId };
    while (misc()) {}
  }
  const element = (): XmlElement => {
    if (s[i] !== '<') fail('element expected');
    i++;
    const tag = readName();
    const attrs = new Map<string, string>();
    for (;;) {
      const before = i;
      skipWs();
      if (s.startsWith('/>', i)) {
        i += 2;
        return { tag, attrs, children: [] };
      }
      if (s[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('space expected between attributes');
      const k = readName();
      skipWs();
      if (s[i] !== '=') fail('= expected');
      i++;
      skipWs();
      const raw = quoted();
      if (raw.includes('<')) fail('< in attribute value');
      if (attrs.has(k)) fail(`attribute ${k} repeated`);
      attrs.set(k, decode(raw).replace(/[\t\r\n]/g, ' '));
    }
    const children: XmlElement[] = [];
    for (;;) {
      if (i >= s.length) fail(`</${tag}> expected`);
      if (s.startsWith('</', i)) {
        i += 2;
        const end = readName();
        if (end !== tag) fail(`</${tag}> expected, found </${end}>`);
        skipWs();
        if (s[i] !== '>') fail('> expected');
        i++;
        return { tag, attrs, children };
      }
      if (s.startsWith('<!--', i)) {
        i += 4;
        until('-->');
      } else if (s.startsWith('<![CDATA[', i)) {
        i += 9;
        until(']]>');
      } else if (s.startsWith('<?', i)) {
        i += 2;
        until('?>');
      } else if (s[i] === '<') children.push(element());
      else {
        const j = s.indexOf('<', i);
        decode(s.slice(i, j < 0 ? s.length : j));
        i = j < 0 ? s.length : j;
      }
    }
  };
  const root = element();
  while (misc()) {}
  skipWs();
  if (i < s.length) fail('content after the root element');
  return doctype ? { root, doctype } : { root };
}

/** Every element below `e` (not `e` itself) with this tag, in document order, as DOM's getElementsByTagName. */
export function descendants(e: XmlElement, tag: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (x: XmlElement) => {
    for (const c of x.children) {
      if (c.tag === tag) out.push(c);
      walk(c);
    }
  };
  walk(e);
  return out;
}

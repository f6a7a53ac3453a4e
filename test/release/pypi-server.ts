/**
 * A small PyPI-compatible index for the tests, on 127.0.0.1: the legacy
 * upload API (multipart POST, `:action=file_upload`, Basic auth; the same
 * file again accepted, a different one under the same name refused, as
 * warehouse does) and a PEP 503 simple index that pip installs from. Debian
 * 12 ships no pypiserver; twine is the reference client.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One well-formed upload (accepted or refused as existing): the form fields as sent (files aside). */
export interface ReceivedUpload {
  file: string;
  fields: Record<string, string[]>;
  /** The User-Agent that sent it (twine names itself). */
  agent: string;
}

const normalize = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');

export async function startPypiServer(user: string, password: string) {
  const files = new Map<string, { project: string; bytes: Buffer; sha256: string }>();
  const uploads: ReceivedUpload[] = [];
  const server = createServer(async (req, res) => {
    const send = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/legacy/') {
      const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      if (req.headers.authorization !== expected)
        return send(403, 'Invalid or non-existent authentication information.');
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      let form: FormData;
      try {
        form = await new Request('http://x/', {
          method: 'POST',
          headers: { 'content-type': String(req.headers['content-type']) },
          body: Buffer.concat(chunks),
        }).formData();
      } catch {
        return send(400, 'Invalid multipart body');
      }
      if (form.get(':action') !== 'file_upload') return send(400, 'Unsupported :action');
      const content = form.get('content');
      const name = form.get('name');
      const version = form.get('version');
      if (
        !(content instanceof File) ||
        typeof name !== 'string' ||
        typeof version !== 'string' ||
        !form.get('metadata_version')
      )
        return send(400, 'Missing content, name, version or metadata_version');
      const bytes = Buffer.from(await content.arrayBuffer());
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (form.get('sha256_digest') !== sha256)
        return send(
          400,
          'The digest supplied does not match a digest calculated from the uploaded file.',
        );
      const filename = content.name;
      if (!normalize(filename).startsWith(`${normalize(name)}-`) || !filename.includes(version))
        return send(400, `Start filename for ${name} ${version} with the project name and version`);
      const fields: Record<string, string[]> = {};
      for (const [k, v] of form) if (typeof v === 'string') fields[k] = [...(fields[k] ?? []), v];
      uploads.push({ file: filename, fields, agent: String(req.headers['user-agent'] ?? '') });
      const existing = files.get(filename);
      if (existing) {
        if (existing.sha256 === sha256) return send(200, 'OK: identical file already exists');
        return send(400, 'File already exists.');
      }
      files.set(filename, { project: normalize(name), bytes, sha256 });
      return send(200, 'OK');
    }
    if (req.method === 'GET' && path.startsWith('/simple/')) {
      const project = path.slice('/simple/'.length).replace(/\/$/, '');
      const links = [...files].filter(([, f]) => f.project === normalize(project));
      if (links.length === 0) return send(404, 'Not Found');
      const body = links
        .map(
          ([n, f]) =>
            `<a href="/packages/${encodeURIComponent(n)}#sha256=${f.sha256}">${n}</a><br/>`,
        )
        .join('\n');
      return send(200, `<!DOCTYPE html><html><body>\n${body}\n</body></html>\n`, 'text/html');
    }
    if (req.method === 'GET' && path.startsWith('/packages/')) {
      const f = files.get(decodeURIComponent(path.slice('/packages/'.length)));
      if (!f) return send(404, 'Not Found');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(f.bytes);
    }
    send(404, 'Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    uploads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `ar` container of .deb files (common format, names without a trailing `/`, like dpkg-deb). */

/** The archive magic. */
export const AR_MAGIC = Buffer.from('!<arch>\n', 'ascii');

/** A 60-byte member header. */
export function arHeader(name: string, size: number, mtime: number): Buffer {
  if (name.length > 15) throw new Error(`ar member name too long: ${name}`);
  const h =
    name.padEnd(16) +
    String(mtime).padEnd(12) +
    '0'.padEnd(6) +
    '0'.padEnd(6) +
    '100644'.padEnd(8) +
    String(size).padEnd(10) +
    '`\n';
  return Buffer.from(h, 'ascii');
}

/** Padding after a member of `size` bytes (members are 2-byte aligned). */
export function arPad(size: number): Buffer {
  return size % 2 === 1 ? Buffer.from('\n') : Buffer.alloc(0);
}

/**
 * Byte helpers shared by the in-memory transports (internal: not exported
 * from `weft/testing`).
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * `data` as bytes: a string is encoded as UTF-8, a `Uint8Array` is copied
 * (so a caller reusing its buffer cannot change what was "sent").
 *
 * @throws {TypeError} for anything else, as Twisted's transports do.
 */
export function toBytes(data: unknown, where: string): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data.slice();
  throw new TypeError(`${where}: data must be a Uint8Array or a string, not ${typeName(data)}`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? ctor.name : 'object';
}

/**
 * Byte helpers shared across weft's layers (internal: not exported from
 * `weft`).
 *
 * @module
 */

/**
 * The arrays joined into one, in order: the only array itself when there is
 * one (not a copy), a new array otherwise (empty for none).
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

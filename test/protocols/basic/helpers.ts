// Shared helpers of the framing tests: byte literals and chunkings.
import { concatBytes } from '../../../src/core/bytes.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes from a hex literal; spaces are ignored (`hex('0d 0a')`). */
export function hex(digits: string): Uint8Array {
  const clean = digits.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The UTF-8 bytes of `s`. */
export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** `b` decoded as UTF-8 (for readable assertions). */
export function text(b: Uint8Array): string {
  return decoder.decode(b);
}

/** `data` cut into chunks of `size` bytes (the last may be shorter). */
export function chunksOf(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** Calls `check` with `data` cut every way by size: chunks of 1, 2, ... `data.length` bytes. */
export function forEachChunking(
  data: Uint8Array,
  check: (chunks: Uint8Array[], size: number) => void,
): void {
  for (let size = 1; size <= Math.max(1, data.length); size++) check(chunksOf(data, size), size);
}

/** The arrays joined. */
export const join: (parts: readonly Uint8Array[]) => Uint8Array = concatBytes;

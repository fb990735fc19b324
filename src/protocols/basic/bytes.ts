/**
 * Byte helpers shared by the framers (internal: not exported from
 * `weft/protocols/basic`).
 *
 * @module
 */
import { concatBytes } from '../../core/bytes.js';

/** The empty array every framer starts from (never written to). */
export const EMPTY: Uint8Array = new Uint8Array(0);

const encoder = new TextEncoder();

/** `data` as bytes: a string is encoded as UTF-8, a `Uint8Array` is returned as it is. */
export function asBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/**
 * `src[from:to]` as a plain `Uint8Array` view sharing `src`'s memory: what
 * `subarray` returns, without its species lookup (on a Node `Buffer`,
 * `subarray` constructs a `Buffer` through `Symbol.species`, several times
 * the cost of this constructor call).
 */
export function view(src: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(src.buffer, src.byteOffset + from, to - from);
}

/**
 * The chunks a framer was fed and has not consumed yet, in order, each read
 * once: the current chunk with a read offset, then the chunks fed after it.
 * Chunks are kept by reference (a framer never writes to them), so feeding
 * is O(1) and a frame that lies within one chunk is handed out as a view.
 */
export class ChunkQueue {
  /** The chunk being read. */
  current: Uint8Array = EMPTY;
  /** Offset of the first unread byte of {@link ChunkQueue.current}. */
  offset = 0;
  readonly #later: Uint8Array[] = [];
  #laterHead = 0;

  /** Appends `data` (kept by reference). */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.offset >= this.current.length && this.#laterHead === this.#later.length) {
      this.current = data;
      this.offset = 0;
    } else {
      this.#later.push(data);
    }
  }

  /** Moves to the next chunk once the current one is read; false when there is none. */
  advance(): boolean {
    if (this.#laterHead === this.#later.length) {
      this.current = EMPTY;
      this.offset = 0;
      if (this.#later.length > 0) this.#later.length = this.#laterHead = 0;
      return false;
    }
    this.current = this.#later[this.#laterHead] as Uint8Array;
    this.#later[this.#laterHead++] = EMPTY;
    this.offset = 0;
    return true;
  }

  /** How many unread bytes are queued. */
  get length(): number {
    let n = this.current.length - this.offset;
    for (let i = this.#laterHead; i < this.#later.length; i++)
      n += (this.#later[i] as Uint8Array).length;
    return n;
  }

  /** The unread bytes (prefixed by `before`), removed from the queue. */
  takeAll(before: Uint8Array = EMPTY): Uint8Array {
    const parts: Uint8Array[] = [];
    if (before.length > 0) parts.push(before);
    if (this.offset < this.current.length) parts.push(this.current.subarray(this.offset));
    for (let i = this.#laterHead; i < this.#later.length; i++)
      parts.push(this.#later[i] as Uint8Array);
    this.current = EMPTY;
    this.offset = 0;
    this.#later.length = this.#laterHead = 0;
    if (parts.length === 0) return EMPTY;
    // `before` may be a view of storage its owner reuses: never hand it out as it is.
    return parts.length === 1 && parts[0] === before ? before.slice() : concatBytes(parts);
  }
}

/**
 * An owned, growable byte buffer for the bytes of an unfinished frame that
 * spans chunks. Growth doubles the capacity, so collecting a long line fed
 * one byte at a time costs O(n), not O(n²).
 */
export class ByteAccumulator {
  #bytes: Uint8Array = EMPTY;
  /** How many bytes are held. */
  length = 0;

  /** Appends `src[from:to]`. */
  append(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    const needed = this.length + n;
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2, 64));
      grown.set(this.#bytes.subarray(0, this.length));
      this.#bytes = grown;
    }
    this.#bytes.set(src.subarray(from, to), this.length);
    this.length = needed;
  }

  /** The byte at `index` (which must be below `length`). */
  at(index: number): number {
    return this.#bytes[index] as number;
  }

  /** A copy of the first `n` bytes followed by `src[from:to]`. */
  copyWith(n: number, src: Uint8Array, from: number, to: number): Uint8Array {
    const out = new Uint8Array(n + to - from);
    out.set(this.#bytes.subarray(0, n));
    out.set(src.subarray(from, to), n);
    return out;
  }

  /** A view of the bytes held (valid until the next change). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.length);
  }

  /** Empties the buffer, keeping small storage for reuse. */
  clear(): void {
    this.length = 0;
    if (this.#bytes.length > 64 * 1024) this.#bytes = EMPTY;
  }
}

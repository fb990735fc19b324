/**
 * `IntNFramer`: the pure length-prefix parser under the `Int*StringReceiver`s.
 *
 * @module
 */
import { ChunkQueue, view } from './bytes.js';
import { LengthLimitExceededError, StringTooLongError } from './errors.js';
import type { Framer } from './framer.js';

/** Options of {@link IntNFramer}. */
export interface IntNFramerOptions {
  /**
   * Bytes in the big-endian unsigned length prefix: 1, 2 and 4 are Twisted's
   * `Int8`, `Int16` and `Int32`; any size from 1 to 6 works. Default 4.
   */
  readonly prefixLength?: number;
  /** The longest string accepted, in bytes. Default 99999, as Twisted. */
  readonly maxLength?: number;
}

/**
 * Splits a stream of length-prefixed strings: each is a big-endian unsigned
 * integer of `prefixLength` bytes giving the length, then that many bytes.
 * Pure: no transport, no reactor.
 *
 * A prefix over `maxLength` throws {@link LengthLimitExceededError} before
 * any of the string is buffered; the framer then stays failed (the stream
 * cannot be resynchronised): it drops what it is fed and returns no more
 * frames. So it holds at most `prefixLength + maxLength` bytes of an
 * unfinished string (allocated once, at its exact size, when the prefix is
 * read) plus the chunks fed and not yet pulled; a string lying within one
 * fed chunk is a plain `Uint8Array` view sharing its memory.
 *
 * Other encodings of the length (little-endian, varints) need a framer of
 * their own; this one and its tests are the pattern to follow.
 *
 * @example
 * ```ts
 * const framer = new IntNFramer({ prefixLength: 2 });
 * const frames = framer.push(Uint8Array.of(0x00, 0x02, 0x68, 0x69)); // 'hi' as bytes
 * ```
 */
export class IntNFramer implements Framer {
  /** Bytes in the length prefix. */
  readonly prefixLength: number;
  /** The longest string accepted, in bytes; may be changed between calls. */
  maxLength: number;
  /** The prefix bytes read so far, when the prefix spans chunks. */
  readonly #prefix: Uint8Array;
  #prefixFilled = 0;
  /** The unfinished string, when it spans chunks (null while reading a prefix). */
  #frame: Uint8Array | null = null;
  #filled = 0;
  #error: LengthLimitExceededError | null = null;
  readonly #chunks = new ChunkQueue();

  /** @throws {RangeError} if `prefixLength` is not an integer from 1 to 6. */
  constructor(options: IntNFramerOptions = {}) {
    const prefixLength = options.prefixLength ?? 4;
    checkPrefixLength(prefixLength);
    this.prefixLength = prefixLength;
    this.maxLength = options.maxLength ?? 99999;
    this.#prefix = new Uint8Array(prefixLength);
  }

  /** The error that stopped the framer, or null while it works. */
  get error(): LengthLimitExceededError | null {
    return this.#error;
  }

  /** {@inheritDoc Framer.bufferedLength} */
  get bufferedLength(): number {
    return this.#prefixFilled + this.#filled + this.#chunks.length;
  }

  /** Queues `data` after the bytes already fed (O(1)); dropped once the framer has failed. */
  feed(data: Uint8Array): void {
    if (this.#error === null) this.#chunks.push(data);
  }

  /** {@inheritDoc Framer.push} */
  push(data: Uint8Array): Uint8Array[] {
    this.feed(data);
    const frames: Uint8Array[] = [];
    for (let frame = this.next(); frame !== undefined; frame = this.next()) frames.push(frame);
    return frames;
  }

  /**
   * The next string, or `undefined` until more bytes are fed (and forever
   * once failed).
   *
   * @throws {LengthLimitExceededError} when a prefix announces more than `maxLength`.
   */
  next(): Uint8Array | undefined {
    const chunks = this.#chunks;
    const p = this.prefixLength;
    for (;;) {
      const chunk = chunks.current;
      const start = chunks.offset;
      const available = chunk.length - start;
      if (available === 0) {
        if (!chunks.advance()) return undefined;
        continue;
      }
      if (this.#frame === null) {
        let length: number;
        let body: number;
        if (this.#prefixFilled === 0 && available >= p) {
          length = readLength(chunk, start, p);
          body = start + p;
        } else {
          const n = Math.min(p - this.#prefixFilled, available);
          this.#prefix.set(chunk.subarray(start, start + n), this.#prefixFilled);
          this.#prefixFilled += n;
          chunks.offset = start + n;
          if (this.#prefixFilled < p) continue;
          this.#prefixFilled = 0;
          length = readLength(this.#prefix, 0, p);
          body = start + n;
        }
        if (length > this.maxLength) this.#fail(length);
        if (chunk.length - body >= length) {
          // The whole string is in this chunk: hand out a view.
          chunks.offset = body + length;
          return view(chunk, body, body + length);
        }
        chunks.offset = body;
        this.#frame = new Uint8Array(length);
        this.#filled = 0;
        continue;
      }
      const frame = this.#frame;
      const n = Math.min(frame.length - this.#filled, available);
      frame.set(chunk.subarray(start, start + n), this.#filled);
      this.#filled += n;
      chunks.offset = start + n;
      if (this.#filled === frame.length) {
        this.#frame = null;
        this.#filled = 0;
        return frame;
      }
    }
  }

  /** `payload` with its length prefix, as one array. @throws {StringTooLongError} */
  encode(payload: Uint8Array): Uint8Array {
    return encodeIntN(payload, this.prefixLength);
  }

  #fail(length: number): never {
    this.#frame = null;
    this.#filled = 0;
    this.#prefixFilled = 0;
    this.#chunks.takeAll();
    this.#error = new LengthLimitExceededError(length, this.maxLength);
    throw this.#error;
  }
}

/** @throws {RangeError} unless `prefixLength` is an integer from 1 to 6. */
export function checkPrefixLength(prefixLength: number): void {
  if (!Number.isInteger(prefixLength) || prefixLength < 1 || prefixLength > 6) {
    throw new RangeError(
      `prefixLength must be an integer from 1 to 6, not ${String(prefixLength)}`,
    );
  }
}

function readLength(bytes: Uint8Array, at: number, p: number): number {
  let length = 0;
  for (let i = 0; i < p; i++) length = length * 256 + (bytes[at + i] as number);
  return length;
}

/**
 * `payload` prefixed with its length as a big-endian unsigned integer of
 * `prefixLength` bytes.
 *
 * @throws {StringTooLongError} if the length does not fit in the prefix.
 */
export function encodeIntN(payload: Uint8Array, prefixLength: number): Uint8Array {
  const limit = 2 ** (8 * prefixLength);
  if (payload.length >= limit) throw new StringTooLongError(payload.length, limit - 1);
  const out = new Uint8Array(prefixLength + payload.length);
  let length = payload.length;
  for (let i = prefixLength - 1; i >= 0; i--) {
    out[i] = length % 256;
    length = Math.floor(length / 256);
  }
  out.set(payload, prefixLength);
  return out;
}

/**
 * `NetstringFramer`: the pure netstring parser under `NetstringReceiver`.
 *
 * @module
 */
import { ChunkQueue, EMPTY, view } from './bytes.js';
import { NetstringParseError, type NetstringParseErrorReason } from './errors.js';
import type { Framer } from './framer.js';

/** Options of {@link NetstringFramer}. */
export interface NetstringFramerOptions {
  /** The longest payload accepted, in bytes. Default 99999, as Twisted. */
  readonly maxLength?: number;
}

const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

/** Where the parser is: reading the decimal length, the payload and comma, or stopped by an error. */
type State = 'length' | 'payload' | 'failed';

/**
 * Parses netstrings (`<decimal length>:<payload>,`, see
 * https://cr.yp.to/proto/netstrings.txt). Pure: no transport, no reactor.
 *
 * As Twisted's `NetstringReceiver`: the length has no leading zero (`0:,` is
 * the empty string, `01:` is refused), a length over `maxLength` is refused
 * as soon as its digits show it (before any payload is buffered), and the
 * payload must be followed by `,`. Any of these throws
 * {@link NetstringParseError}; the framer then stays failed (a netstring
 * stream cannot be resynchronised): it drops what it is fed and returns no
 * more frames. It holds at most `maxLength + 1` bytes of an unfinished
 * payload plus the chunks fed and not yet pulled; a payload lying within one
 * fed chunk is a plain `Uint8Array` view sharing its memory.
 *
 * @example
 * ```ts
 * const framer = new NetstringFramer({ maxLength: 1000 });
 * const frames = framer.push(new TextEncoder().encode('5:hello,0:,'));
 * // frames: 'hello' and '' as bytes
 * ```
 */
export class NetstringFramer implements Framer {
  /** The longest payload accepted, in bytes; may be changed between calls. */
  maxLength: number;
  #state: State = 'length';
  #digits = 0;
  #length = 0;
  /** The unfinished payload and its comma, when it spans chunks. */
  #payload: Uint8Array = EMPTY;
  #filled = 0;
  #error: NetstringParseError | null = null;
  readonly #chunks = new ChunkQueue();

  constructor(options: NetstringFramerOptions = {}) {
    this.maxLength = options.maxLength ?? 99999;
  }

  /** The error that stopped the framer, or null while it works. */
  get error(): NetstringParseError | null {
    return this.#error;
  }

  /** {@inheritDoc Framer.bufferedLength} */
  get bufferedLength(): number {
    return this.#filled + this.#chunks.length;
  }

  /** Queues `data` after the bytes already fed (O(1)); dropped once the framer has failed. */
  feed(data: Uint8Array): void {
    if (this.#state !== 'failed') this.#chunks.push(data);
  }

  /** {@inheritDoc Framer.push} */
  push(data: Uint8Array): Uint8Array[] {
    this.feed(data);
    const frames: Uint8Array[] = [];
    for (let frame = this.next(); frame !== undefined; frame = this.next()) frames.push(frame);
    return frames;
  }

  /**
   * The next payload, or `undefined` until more bytes are fed (and forever
   * once failed).
   *
   * @throws {NetstringParseError} when the bytes are not a netstring.
   */
  next(): Uint8Array | undefined {
    const chunks = this.#chunks;
    for (;;) {
      const chunk = chunks.current;
      if (chunks.offset >= chunk.length && !chunks.advance()) return undefined;
      if (this.#state === 'length') {
        this.#readLength(chunks.current);
      } else if (this.#state === 'payload') {
        const frame = this.#readPayload(chunks.current);
        if (frame !== undefined) return frame;
      } else {
        return undefined;
      }
    }
  }

  /** Reads length digits up to the colon; leaves the state at 'payload' once it is read. */
  #readLength(chunk: Uint8Array): void {
    const chunks = this.#chunks;
    let i = chunks.offset;
    const maxDigits = String(this.maxLength).length;
    while (i < chunk.length) {
      const byte = chunk[i++] as number;
      if (byte >= ZERO && byte <= NINE) {
        if (this.#digits > 0 && this.#length === 0) this.#fail('missing-length');
        this.#length = this.#length * 10 + (byte - ZERO);
        this.#digits += 1;
        // Checked at every digit, so the number never grows past maxLength * 10 + 9.
        if (this.#digits > maxDigits || this.#length > this.maxLength) this.#fail('too-long');
      } else if (byte === COLON && this.#digits > 0) {
        chunks.offset = i;
        this.#state = 'payload';
        return;
      } else {
        this.#fail('missing-length');
      }
    }
    chunks.offset = i;
  }

  /** Reads the payload and comma; the payload once whole, else undefined (chunk used up). */
  #readPayload(chunk: Uint8Array): Uint8Array | undefined {
    const chunks = this.#chunks;
    const start = chunks.offset;
    const need = this.#length + 1;
    if (this.#filled === 0 && chunk.length - start >= need) {
      // The whole payload is in this chunk: hand out a view.
      chunks.offset = start + need;
      if (chunk[start + need - 1] !== COMMA) this.#fail('missing-comma');
      this.#reset();
      return view(chunk, start, start + need - 1);
    }
    if (this.#filled === 0) this.#payload = new Uint8Array(need);
    const n = Math.min(need - this.#filled, chunk.length - start);
    this.#payload.set(chunk.subarray(start, start + n), this.#filled);
    this.#filled += n;
    chunks.offset = start + n;
    if (this.#filled < need) return undefined;
    const payload = this.#payload;
    if (payload[need - 1] !== COMMA) this.#fail('missing-comma');
    this.#reset();
    return payload.subarray(0, need - 1);
  }

  #reset(): void {
    this.#state = 'length';
    this.#digits = 0;
    this.#length = 0;
    this.#payload = EMPTY;
    this.#filled = 0;
  }

  #fail(reason: NetstringParseErrorReason): never {
    this.#reset();
    this.#state = 'failed';
    this.#chunks.takeAll();
    this.#error = new NetstringParseError(reason, this.maxLength);
    throw this.#error;
  }
}

/** `payload` as a netstring: its decimal length, `:`, the payload, `,`. */
export function formatNetstring(payload: Uint8Array): Uint8Array {
  const length = String(payload.length);
  const out = new Uint8Array(length.length + payload.length + 2);
  for (let i = 0; i < length.length; i++) out[i] = length.charCodeAt(i);
  out[length.length] = COLON;
  out.set(payload, length.length + 1);
  out[out.length - 1] = COMMA;
  return out;
}

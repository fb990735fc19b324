/**
 * `LineFramer`: the pure line splitter under `LineReceiver` and
 * `LineOnlyReceiver`.
 *
 * @module
 */
import { asBytes, ByteAccumulator, ChunkQueue, EMPTY, view } from './bytes.js';
import { LineTooLongError } from './errors.js';
import type { Framer } from './framer.js';

/** Options of {@link LineFramer}. */
export interface LineFramerOptions {
  /** What ends a line (a string is encoded as UTF-8). Default `'\r\n'`; must not be empty. */
  readonly delimiter?: Uint8Array | string;
  /** The longest line accepted, in bytes, without its delimiter. Default 16384, as Twisted. */
  readonly maxLength?: number;
}

/**
 * Splits a byte stream into delimited lines. Pure: no transport, no reactor.
 *
 * The limit is highly recommended for untrusted input, and the framer
 * enforces it as Twisted's `LineReceiver` does: a delimited line longer than
 * `maxLength` is refused, and so are `maxLength + delimiter.length` bytes
 * with no delimiter (a line of exactly `maxLength` bytes whose delimiter is
 * still arriving is fine). Either way {@link LineTooLongError} is thrown and
 * everything held is discarded; the framer goes on with the next bytes fed.
 * So between calls it holds at most `maxLength + delimiter.length - 1` bytes
 * of an unfinished line, plus the chunks fed and not yet pulled.
 *
 * How it scans: `indexOf` for the delimiter's first byte, then a check of
 * the rest (for one- and two-byte delimiters such as `\n` and CRLF, inline);
 * each byte is scanned once (a line's start is never re-read when more bytes
 * arrive). Lines lying within one fed chunk are plain `Uint8Array` views
 * sharing its memory (also when the chunk is a Node `Buffer`: the view is
 * made with the `Uint8Array` constructor, several times cheaper than
 * `Buffer#subarray`); only a line spanning chunks is copied.
 *
 * ```
 *   tail (owned copy)      current chunk (by reference)       later chunks
 *  [ unfinished line ]  [ ....consumed....|offset  ...  ]  [ ... ] [ ... ]
 *   never holds a whole delimiter
 * ```
 *
 * @example
 * ```ts
 * const framer = new LineFramer({ delimiter: '\n', maxLength: 1024 });
 * const decoder = new TextDecoder();
 * framer.push(new TextEncoder().encode('one\ntw')); // [ 'one' as bytes ]
 * const lines = framer.push(new TextEncoder().encode('o\n')).map((l) => decoder.decode(l));
 * // lines: ['two']
 * ```
 */
export class LineFramer implements Framer {
  /** The longest line accepted, in bytes; may be changed between calls. */
  maxLength: number;
  #delimiter: Uint8Array = EMPTY;
  /** The delimiter's first byte. */
  #first = 0;
  /**
   * How {@link LineFramer.next} scans: -1 for a one-byte delimiter, the second
   * byte of a two-byte one, 0x100 for a longer one.
   */
  #second = -1;
  /** The value `delimiter` was last given (before encoding), so {@link LineFramer.follow} can skip re-encoding it. */
  #delimiterSource: Uint8Array | string;
  /** The start of an unfinished line that spans chunks; never holds a whole delimiter. */
  readonly #tail = new ByteAccumulator();
  readonly #chunks = new ChunkQueue();

  /** @throws {RangeError} if the delimiter is empty. */
  constructor(options: LineFramerOptions = {}) {
    this.#delimiterSource = options.delimiter ?? '\r\n';
    this.#setDelimiter(checkedDelimiter(this.#delimiterSource));
    this.maxLength = options.maxLength ?? 16384;
  }

  /**
   * Adopts a receiver's current `delimiter` and `MAX_LENGTH` (which user code
   * may change between calls): the delimiter is re-encoded, and the held
   * bytes re-read, only when it is not the value given last time. Returns
   * the framer.
   *
   * @throws {RangeError} when the new delimiter is empty.
   */
  follow(delimiter: Uint8Array | string, maxLength: number): this {
    if (delimiter !== this.#delimiterSource) this.delimiter = delimiter;
    this.maxLength = maxLength;
    return this;
  }

  /**
   * What ends a line. Setting it (a string is encoded as UTF-8) re-reads the
   * bytes held with the new delimiter.
   *
   * @throws {RangeError} when set to an empty delimiter.
   */
  get delimiter(): Uint8Array {
    return this.#delimiter;
  }

  set delimiter(value: Uint8Array | string) {
    this.#setDelimiter(checkedDelimiter(value));
    this.#delimiterSource = value;
    // The tail was scanned for the old delimiter only: queue everything again.
    if (this.#tail.length > 0) {
      const all = this.#chunks.takeAll(this.#tail.view().slice());
      this.#tail.clear();
      this.#chunks.push(all);
    }
  }

  #setDelimiter(delimiter: Uint8Array): void {
    this.#delimiter = delimiter;
    this.#first = delimiter[0] as number;
    this.#second =
      delimiter.length === 1 ? -1 : delimiter.length === 2 ? (delimiter[1] as number) : 0x100;
  }

  /** {@inheritDoc Framer.bufferedLength} */
  get bufferedLength(): number {
    return this.#tail.length + this.#chunks.length;
  }

  /** {@inheritDoc Framer.feed} */
  feed(data: Uint8Array): void {
    this.#chunks.push(data);
  }

  /**
   * The next line without its delimiter (possibly empty), or `undefined`
   * until more bytes are fed.
   *
   * @throws {LineTooLongError} when a line passes the limit; everything held
   *   is discarded.
   */
  next(): Uint8Array | undefined {
    // The hot path, small enough to be inlined into a receiver's loop: no
    // unfinished line held, and a whole line within the current chunk, handed
    // out as a view. Everything else goes to #nextSlow.
    if (this.#tail.length === 0) {
      const chunks = this.#chunks;
      const chunk = chunks.current;
      const start = chunks.offset;
      const at =
        this.#second < 0
          ? chunk.indexOf(this.#first, start)
          : this.#second <= 0xff
            ? indexOfPair(chunk, this.#first, this.#second, start)
            : indexOfDelimiter(chunk, this.#delimiter, start);
      if (at >= 0 && at - start <= this.maxLength) {
        chunks.offset = at + this.#delimiter.length;
        return view(chunk, start, at);
      }
    }
    return this.#nextSlow();
  }

  /** {@link LineFramer.next} from the start: the tail, chunk boundaries, and the limit. */
  #nextSlow(): Uint8Array | undefined {
    const chunks = this.#chunks;
    if (this.#tail.length === 0) {
      const chunk = chunks.current;
      const start = chunks.offset;
      const at = indexOfDelimiter(chunk, this.#delimiter, start);
      if (at >= 0) {
        chunks.offset = at + this.#delimiter.length;
        return this.#checked(view(chunk, start, at));
      }
    }
    for (;;) {
      const line = this.#fromCurrent(chunks.current);
      if (line !== undefined) return line;
      if (!chunks.advance()) return undefined;
    }
  }

  /** {@inheritDoc Framer.push} */
  push(data: Uint8Array): Uint8Array[] {
    this.feed(data);
    const lines: Uint8Array[] = [];
    for (let line = this.next(); line !== undefined; line = this.next()) lines.push(line);
    return lines;
  }

  /** Removes and returns every byte held, in order (Twisted's `clearLineBuffer`). */
  takeBuffered(): Uint8Array {
    const tail = this.#tail.length > 0 ? this.#tail.view().slice() : EMPTY;
    this.#tail.clear();
    return this.#chunks.takeAll(tail);
  }

  /** The next line from the tail and `chunk`, or undefined once `chunk` is used up. */
  #fromCurrent(chunk: Uint8Array): Uint8Array | undefined {
    const chunks = this.#chunks;
    const delimiter = this.#delimiter;
    const dlen = delimiter.length;
    const start = chunks.offset;
    const tail = this.#tail;
    const tailLength = tail.length;
    if (tailLength > 0) {
      // A delimiter may begin in the tail's last dlen - 1 bytes and end in this chunk.
      for (let k = Math.max(0, tailLength - dlen + 1); k < tailLength; k++) {
        const inTail = tailLength - k;
        if (chunk.length - start < dlen - inTail) break; // and so would every later k
        if (straddles(tail, k, inTail, chunk, start, delimiter)) {
          chunks.offset = start + dlen - inTail;
          const line = tail.view().slice(0, k);
          tail.clear();
          return this.#checked(line);
        }
      }
    }
    const at = indexOfDelimiter(chunk, delimiter, start);
    if (at >= 0) {
      chunks.offset = at + dlen;
      if (tailLength === 0) return this.#checked(view(chunk, start, at));
      const line = tail.copyWith(tailLength, chunk, start, at);
      tail.clear();
      return this.#checked(line);
    }
    if (tailLength + chunk.length - start >= this.maxLength + dlen) {
      const all = this.takeBuffered();
      throw new LineTooLongError(all, all, this.maxLength);
    }
    tail.append(chunk, start, chunk.length);
    chunks.offset = chunk.length;
    return undefined;
  }

  /** `line`, unless it is over the limit: then everything is discarded and thrown. */
  #checked(line: Uint8Array): Uint8Array {
    if (line.length <= this.maxLength) return line;
    const rest = this.takeBuffered();
    const discarded = new Uint8Array(line.length + this.#delimiter.length + rest.length);
    discarded.set(line);
    discarded.set(this.#delimiter, line.length);
    discarded.set(rest, line.length + this.#delimiter.length);
    throw new LineTooLongError(line, discarded, this.maxLength);
  }
}

function checkedDelimiter(value: Uint8Array | string): Uint8Array {
  const bytes = asBytes(value);
  if (bytes.length === 0) throw new RangeError('A line delimiter must not be empty');
  return bytes;
}

/** Whether `tail[k:]` followed by `chunk[start:]` begins with `delimiter`. */
function straddles(
  tail: ByteAccumulator,
  k: number,
  inTail: number,
  chunk: Uint8Array,
  start: number,
  delimiter: Uint8Array,
): boolean {
  for (let j = 0; j < inTail; j++) if (tail.at(k + j) !== delimiter[j]) return false;
  for (let j = inTail; j < delimiter.length; j++) {
    if (chunk[start + j - inTail] !== delimiter[j]) return false;
  }
  return true;
}

/**
 * The index of the first `first` followed by `second` in `chunk` at or after
 * `from`, or -1 (a two-byte delimiter such as CRLF).
 */
function indexOfPair(chunk: Uint8Array, first: number, second: number, from: number): number {
  const last = chunk.length - 2;
  for (;;) {
    const at = chunk.indexOf(first, from);
    if (at < 0 || at > last) return -1;
    if (chunk[at + 1] === second) return at;
    from = at + 1;
  }
}

/**
 * The index of the first whole `delimiter` in `chunk` at or after `from`, or
 * -1. `indexOf` finds candidates for the first byte (a native scan, no JS
 * loop per byte); the rest of the delimiter is compared only there.
 */
export function indexOfDelimiter(chunk: Uint8Array, delimiter: Uint8Array, from: number): number {
  const first = delimiter[0] as number;
  const dlen = delimiter.length;
  if (dlen === 1) return chunk.indexOf(first, from);
  const last = chunk.length - dlen;
  while (from <= last) {
    const at = chunk.indexOf(first, from);
    if (at < 0 || at > last) return -1;
    let j = 1;
    while (j < dlen && chunk[at + j] === delimiter[j]) j++;
    if (j === dlen) return at;
    from = at + 1;
  }
  return -1;
}

/**
 * AMP boxes and their wire format: a pure serializer and a pure, bounded
 * parser (no transport, no reactor).
 *
 * ```
 * box   = pair* 00 00
 * pair  = <uint16 BE n, 1..255> <n key bytes> <uint16 BE m> <m value bytes>
 * ```
 *
 * @module
 */
import { MalformedAmpBox, MAX_KEY_LENGTH, MAX_VALUE_LENGTH, TooLong } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `_ask`: the tag of a command that wants an answer. */
export const ASK = '_ask';
/** `_answer`: the tag of the command a successful answer is for. */
export const ANSWER = '_answer';
/** `_error`: the tag of the command an error answer is for. */
export const ERROR = '_error';
/** `_command`: the command's name. */
export const COMMAND = '_command';
/** `_error_code`: an error answer's code (`UNKNOWN`, `UNHANDLED` or a declared code). */
export const ERROR_CODE = '_error_code';
/** `_error_description`: an error answer's text, UTF-8. */
export const ERROR_DESCRIPTION = '_error_description';

/**
 * One AMP box: keys (text, sent as UTF-8; in practice ASCII) to byte values.
 *
 * Serialized with its keys sorted by their bytes, as Twisted does; a
 * receiver accepts any order.
 *
 * @example
 * ```ts
 * const box = AmpBox.of({ _command: 'Sum', _ask: '1', a: '13', b: '81' });
 * box.getString('a'); // '13'
 * ```
 */
export class AmpBox extends Map<string, Uint8Array> {
  /** A box from text or byte values (text is encoded as UTF-8). */
  static of(entries: Readonly<Record<string, string | Uint8Array>>): AmpBox {
    const box = new this();
    for (const [key, value] of Object.entries(entries)) box.setValue(key, value);
    return box;
  }

  /** Sets `key` to `value` (text is encoded as UTF-8). */
  setValue(key: string, value: string | Uint8Array): this {
    return this.set(key, typeof value === 'string' ? encoder.encode(value) : value);
  }

  /** The value of `key` decoded as UTF-8 (invalid bytes become U+FFFD), or `undefined`. */
  getString(key: string): string | undefined {
    const value = this.get(key);
    return value === undefined ? undefined : decoder.decode(value);
  }

  /**
   * The box's wire bytes, keys sorted by bytes.
   *
   * @throws {TooLong} (with `isLocal` true) when a key is empty or longer than
   *   255 bytes, or a value longer than 65,535.
   */
  serialize(): Uint8Array {
    const pairs: [Uint8Array, Uint8Array, string][] = [];
    let size = 2;
    for (const [key, value] of this) {
      const k = encoder.encode(key);
      if (k.length > MAX_KEY_LENGTH || k.length === 0) throw new TooLong(true, true, k.length);
      if (value.length > MAX_VALUE_LENGTH) throw new TooLong(false, true, value.length, key);
      pairs.push([k, value, key]);
      size += 4 + k.length + value.length;
    }
    pairs.sort((x, y) => compareBytes(x[0], y[0]));
    const out = new Uint8Array(size);
    let at = 0;
    for (const [k, v] of pairs) {
      at = putString(out, at, k);
      at = putString(out, at, v);
    }
    // The last two bytes are already zero: the empty key that ends the box.
    return out;
  }
}

/**
 * A box that closes the connection once sent (Twisted's `QuitBox`): fatal
 * and unknown errors are answered with one.
 */
export class QuitBox extends AmpBox {}

function putString(out: Uint8Array, at: number, s: Uint8Array): number {
  out[at] = s.length >>> 8;
  out[at + 1] = s.length & 0xff;
  out.set(s, at + 2);
  return at + 2 + s.length;
}

/** Byte-wise order, as Python sorts `bytes`. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Options of {@link BoxParser}. */
export interface BoxParserOptions {
  /**
   * The most bytes one box may take on the wire, its end marker included
   * (default 16 MiB). Twisted has no such limit; weft has one so that a
   * peer streaming keys that never end a box cannot grow memory without
   * bound. A larger box is a protocol error.
   */
  readonly maxBoxLength?: number;
}

/** What the parser waits for next. */
type ParserState = 'key-length' | 'key' | 'value-length' | 'value';

/**
 * Splits a byte stream into {@link AmpBox}es. Pure: no transport, no reactor.
 *
 * Memory is bounded: besides the boxes it returns, it holds at most one
 * partial box, itself at most `maxBoxLength` bytes. Chunks are kept as they
 * come until the next length or body is complete, so each byte is copied
 * once however finely the stream is cut.
 *
 * ```
 *  state:  key-length --n=0--> (box done) --> key-length
 *              |n in 1..255            ^
 *              v                       |
 *             key --> value-length --> value
 * ```
 *
 * An empty box (`00 00` alone) is returned as it is: rejecting it is the
 * dispatcher's business ({@link NoEmptyBoxes}), as in Twisted.
 */
export class BoxParser {
  /** The most bytes one box may take (see {@link BoxParserOptions.maxBoxLength}). */
  readonly maxBoxLength: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #state: ParserState = 'key-length';
  /** Bytes the current state needs before it can move on. */
  #needed = 2;
  #key = '';
  #box = new AmpBox();
  /** Bytes of the current box consumed so far. */
  #boxLength = 0;
  /** While `onBox` runs: the bytes being parsed, where that box ended, and whether they were taken. */
  #live: { bytes: Uint8Array; at: number; taken: boolean } | null = null;

  constructor(options?: BoxParserOptions) {
    this.maxBoxLength = options?.maxBoxLength ?? 16 * 1024 * 1024;
  }

  /** How many bytes of an unfinished box are held (0 between boxes). */
  get pending(): number {
    return this.#boxLength + this.#buffered;
  }

  /**
   * Feeds bytes; returns the boxes they complete, in order.
   *
   * @throws {TooLong} when a key length prefix is 0x100 or more
   *   (`isLocal` false).
   * @throws {MalformedAmpBox} when a box grows past `maxBoxLength`.
   * After either, the parser is unusable: close the connection.
   */
  push(data: Uint8Array): AmpBox[] {
    const boxes: AmpBox[] = [];
    this.pushEach(data, (box) => {
      boxes.push(box);
      return true;
    });
    return boxes;
  }

  /**
   * Feeds bytes, handing each box to `onBox` as soon as it is complete;
   * `onBox` returns false to stop parsing there (the connection switches
   * to TLS or to another protocol): the bytes after that box stay unparsed,
   * for {@link BoxParser.remainder}. Returns false if `onBox` stopped it.
   *
   * @throws as {@link BoxParser.push}, and whatever `onBox` throws (the
   *   parser is then unusable).
   */
  pushEach(data: Uint8Array, onBox: (box: AmpBox) => boolean): boolean {
    if (this.#buffered + data.length < this.#needed) {
      if (data.length > 0) this.#chunks.push(data);
      this.#buffered += data.length;
      this.#checkBoxLength(this.#buffered);
      return true;
    }
    const bytes = this.#take(data);
    const done: AmpBox[] = [];
    let at = 0;
    let going = true;
    while (going && bytes.length - at >= this.#needed) {
      at = this.#step(bytes, at, done);
      const box = done.pop();
      if (box === undefined) continue;
      const live = { bytes, at, taken: false };
      this.#live = live;
      try {
        going = onBox(box);
      } finally {
        this.#live = null;
      }
      if (live.taken) {
        this.#chunks = [];
        this.#buffered = 0;
        return false;
      }
    }
    const rest = bytes.length - at;
    this.#chunks = rest === 0 ? [] : [bytes.slice(at)];
    this.#buffered = rest;
    if (going) this.#checkBoxLength(rest);
    return going;
  }

  /**
   * Takes the bytes not parsed yet, leaving the parser empty: what follows
   * the last box handed out, when the connection stops carrying boxes. From
   * inside `pushEach`'s `onBox`, these are the bytes after that box, and
   * parsing stops there.
   *
   * @throws {MalformedAmpBox} if part of a box was already parsed (its
   *   first keys cannot be given back: the peer sent a partial box where it
   *   should have sent nothing).
   */
  remainder(): Uint8Array {
    const live = this.#live;
    if (live !== null) {
      live.taken = true;
      return live.bytes.subarray(live.at);
    }
    if (this.#boxLength > 0) {
      throw new MalformedAmpBox(
        `part of a box (${String(this.pending)} bytes) arrived before the connection switched`,
      );
    }
    const rest = this.#take(new Uint8Array(0));
    this.#chunks = [];
    this.#buffered = 0;
    return rest;
  }

  /** The buffered chunks and `data` as one array. */
  #take(data: Uint8Array): Uint8Array {
    if (this.#chunks.length === 0) return data;
    const all = new Uint8Array(this.#buffered + data.length);
    let at = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    all.set(data, at);
    return all;
  }

  /** Consumes what the current state needs from `bytes` at `at`; returns the new offset. */
  #step(bytes: Uint8Array, at: number, boxes: AmpBox[]): number {
    const n = this.#needed;
    switch (this.#state) {
      case 'key-length': {
        const length = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
        this.#boxLength += 2;
        if (length === 0) {
          boxes.push(this.#box);
          this.#box = new AmpBox();
          this.#boxLength = 0;
          return at + 2;
        }
        if (length > MAX_KEY_LENGTH) throw new TooLong(true, false, length);
        this.#state = 'key';
        this.#needed = length;
        return at + 2;
      }
      case 'key':
        this.#key = decoder.decode(bytes.subarray(at, at + n));
        this.#state = 'value-length';
        this.#needed = 2;
        break;
      case 'value-length':
        this.#state = 'value';
        this.#needed = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
        break;
      case 'value':
        this.#box.set(this.#key, bytes.slice(at, at + n));
        this.#state = 'key-length';
        this.#needed = 2;
        break;
    }
    this.#boxLength += n;
    this.#checkBoxLength(0);
    return at + n;
  }

  #checkBoxLength(extra: number): void {
    const length = this.#boxLength + extra;
    if (length > this.maxBoxLength) {
      throw new MalformedAmpBox(
        `box longer than ${String(this.maxBoxLength)} bytes (${String(length)} so far)`,
      );
    }
  }
}

/**
 * The complete boxes in `data` (Twisted's `amp.parseString`); trailing bytes
 * of an unfinished box are ignored, as Twisted does.
 *
 * @throws {TooLong} when a key length prefix is over 255.
 */
export function parseBoxes(data: Uint8Array): AmpBox[] {
  return new BoxParser({ maxBoxLength: Infinity }).push(data);
}

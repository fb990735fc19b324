/**
 * What every framer in `weft/protocols/basic` offers: a pure splitter of a
 * byte stream into frames, with no transport and no reactor, so that the
 * receivers (and adapters to async iterables or Observables) share one
 * parser per wire format.
 *
 * @module
 */

/**
 * A pure, incremental splitter of a byte stream into frames (tokio's
 * `Decoder`, split in two steps so a caller can stop between frames).
 *
 * {@link Framer.feed} only queues bytes (by reference: the caller must not
 * change them afterwards); {@link Framer.next} parses on demand and returns
 * one frame at a time, so a caller that pauses, or switches to another
 * parser, leaves the rest queued in order. Frames lying within one fed chunk
 * are views sharing its memory, not copies, and always plain `Uint8Array`s
 * (never `Buffer`s, even when `Buffer`s are fed): keep a frame only as long
 * as its chunk is not reused, or copy it with `slice()`.
 *
 * Bounded: apart from the chunks fed and not yet pulled through
 * {@link Framer.next}, a framer never holds more than its limit plus one
 * frame header (the delimiter, the length prefix, the netstring length and
 * comma). A frame that would exceed the limit is refused as soon as that is
 * known, with a {@link FramingError} subclass.
 */
export interface Framer {
  /** Queues `data` after the bytes already fed. O(1): nothing is parsed yet. */
  feed(data: Uint8Array): void;
  /**
   * The next complete frame, or `undefined` until more bytes are fed.
   *
   * @throws {FramingError} when the bytes do not frame (the subclass says why).
   */
  next(): Uint8Array | undefined;
  /**
   * Feeds `data` and returns every frame now complete, in order.
   *
   * @throws {FramingError} as {@link Framer.next}; frames completed before the
   *   error are lost with it, so use `feed`/`next` to keep them.
   */
  push(data: Uint8Array): Uint8Array[];
  /** How many bytes are held (queued or part of an unfinished frame). */
  readonly bufferedLength: number;
}

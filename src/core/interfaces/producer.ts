/**
 * Producers and consumers: how data flows with back-pressure (Twisted's
 * `IProducer`, `IPushProducer`, `IPullProducer`, `IConsumer`).
 *
 * @module
 */

/** Something that produces data for a consumer. */
export interface IProducer {
  /**
   * Stop producing for good: the consumer is gone (the connection closed, or
   * it asked to stop). Called at most once; no further calls follow.
   */
  stopProducing(): void;
}

/**
 * A producer that writes whenever it has data, until told to pause
 * ("streaming" producer). It starts unpaused.
 */
export interface IPushProducer extends IProducer {
  /**
   * Stop writing until {@link IPushProducer.resumeProducing}: the consumer's
   * buffer is full. For a transport: stop reading from the peer.
   */
  pauseProducing(): void;
  /**
   * Start writing again. Called only to undo a previous
   * {@link IPushProducer.pauseProducing}.
   */
  resumeProducing(): void;
}

/**
 * A producer that writes only when asked ("non-streaming" producer): once
 * at registration and again each time the consumer's buffer empties.
 */
export interface IPullProducer extends IProducer {
  /** Write one chunk now (synchronously), or unregister when done. */
  resumeProducing(): void;
}

/**
 * Something that consumes data: takes writes and lets one producer at a
 * time pace them. Every transport is one.
 */
export interface IConsumer {
  /**
   * Registers `producer`. With `streaming` true it is an
   * {@link IPushProducer}, paused when the consumer's buffer passes its
   * high-water mark and resumed once it drains; with `streaming` false it is
   * an {@link IPullProducer}, asked for data while the buffer has room. On an
   * already-closed consumer, `producer.stopProducing()` is called at once.
   *
   * @throws {InvalidStateError} if one is already registered.
   */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  /** Unregisters the current producer (a consumer waiting to close may then close). */
  unregisterProducer(): void;
  /** Queues `data` (a string is sent as UTF-8). */
  write(data: Uint8Array | string): void;
}

/** Whether `value` has the methods of an {@link IPushProducer}. */
export function isPushProducer(value: unknown): value is IPushProducer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IPushProducer).pauseProducing === 'function' &&
    typeof (value as IPushProducer).resumeProducing === 'function' &&
    typeof (value as IPushProducer).stopProducing === 'function'
  );
}

/**
 * Errors of the RxJS adapters.
 *
 * @module
 */
import { nameError } from '../../src/core/brand.js';
import { QueueOverflow } from '../../src/core/errors.js';

/** Which way the data was going when a buffer overflowed. */
export type OverflowDirection = 'input' | 'output';

/**
 * A bounded buffer between a connection and RxJS overflowed, under the
 * `'error'` policy: received data an Observable's subscriber did not take
 * fast enough (`direction: 'input'`), or writes a {@link TransportObserver}
 * had to hold while the transport was paused (`direction: 'output'`). The
 * connection is aborted with it. A `QueueOverflow`, so code that catches
 * weft's other bounded queues catches this too.
 */
export class BufferOverflowError extends QueueOverflow {
  /** The limit that was passed: items (framed input), or bytes (raw input and output). */
  readonly limit: number;
  /** Which buffer overflowed. */
  readonly direction: OverflowDirection;

  constructor(direction: OverflowDirection, limit: number, unit: 'bytes' | 'items') {
    super(
      `The ${direction} buffer passed its limit of ${String(limit)} ${unit}: ` +
        (direction === 'input'
          ? 'the subscriber did not keep up with the connection'
          : 'the Observable outran the transport'),
    );
    this.limit = limit;
    this.direction = direction;
  }
}
nameError(BufferOverflowError, 'BufferOverflowError');

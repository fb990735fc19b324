/**
 * Errors of the Node streams adapters.
 *
 * @module
 */
import { nameError } from '../../src/core/brand.js';
import { WeftError } from '../../src/core/errors.js';

/**
 * A stream was still being sent when its consumer stopped it
 * (`stopProducing`: the connection closed, or the consumer gave up): what
 * `sendReadable`'s Deferred fails with (Twisted's `FileSender` fails
 * with a plain exception there).
 */
export class ConsumerStoppedError extends WeftError {
  constructor(message?: string) {
    super(message ?? 'The consumer asked the producer to stop before the stream ended');
  }
}
nameError(ConsumerStoppedError, 'ConsumerStoppedError');

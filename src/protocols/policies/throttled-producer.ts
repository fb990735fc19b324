/**
 * `ThrottledProducer`: the producer a `ThrottlingProtocol` registers with
 * its transport in place of the application's, so that write throttling
 * and the transport's own back-pressure can both pause it without undoing
 * each other.
 *
 * @module
 * @internal
 */
import type { IPullProducer, IPushProducer } from '../../core/interfaces/producer.js';

/**
 * Stands between a transport and the producer registered with a
 * `ThrottlingProtocol`.
 *
 * A push producer is paused while the transport has asked for a pause *or*
 * writes are throttled, and resumed only when neither holds, so a throttle
 * ending never resumes a producer whose transport buffer is still full (and
 * the transport draining never ends a throttle early). Twisted's
 * `ThrottlingProtocol` pauses and resumes the one producer from both sides,
 * and calls a pull producer's missing `pauseProducing`.
 *
 * A pull producer has no pause: while writes are throttled, the transport's
 * requests for more data are held back, and one is passed on when the
 * throttle ends.
 */
export class ThrottledProducer implements IPushProducer, IPullProducer {
  /** The application's producer. */
  readonly producer: IPushProducer | IPullProducer;
  /** Whether it is a push producer. */
  readonly streaming: boolean;

  #consumerPaused = false;
  #throttled = false;
  #producerPaused = false;
  #demandHeld = false;

  constructor(producer: IPushProducer | IPullProducer, streaming: boolean) {
    this.producer = producer;
    this.streaming = streaming;
  }

  /** From the transport: its buffer is full. */
  pauseProducing(): void {
    this.#consumerPaused = true;
    if (this.streaming) this.#update();
  }

  /** From the transport: its buffer has drained (push), or it wants data (pull). */
  resumeProducing(): void {
    this.#consumerPaused = false;
    if (this.streaming) {
      this.#update();
    } else if (this.#throttled) {
      this.#demandHeld = true;
    } else {
      this.producer.resumeProducing();
    }
  }

  /** From the transport: the connection is gone. */
  stopProducing(): void {
    this.producer.stopProducing();
  }

  /** Writes are over their limit: pause (push) or hold requests (pull). */
  throttle(): void {
    this.#throttled = true;
    if (this.streaming) this.#update();
  }

  /** Writes are allowed again. */
  unthrottle(): void {
    this.#throttled = false;
    if (this.streaming) {
      this.#update();
    } else if (this.#demandHeld) {
      this.#demandHeld = false;
      this.producer.resumeProducing();
    }
  }

  #update(): void {
    const pause = this.#consumerPaused || this.#throttled;
    if (pause === this.#producerPaused) return;
    this.#producerPaused = pause;
    const producer = this.producer as IPushProducer;
    if (pause) producer.pauseProducing();
    else producer.resumeProducing();
  }
}

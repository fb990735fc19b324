/**
 * `PausableReceiver`: Twisted's pause semantics, shared by the framing
 * receivers that buffer frames.
 *
 * @module
 */
import type { IPushProducer } from '../../core/interfaces/producer.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { Protocol } from '../../core/protocol.js';
import { EMPTY } from './bytes.js';

/**
 * A protocol that is also the push producer of what it delivers: while
 * {@link PausableReceiver.paused}, frames already received are held (in
 * order) and the transport stops reading; resuming delivers them. The base of
 * `LineReceiver`, `NetstringReceiver` and `IntNStringReceiver`, whose
 * `dataReceived` checks `paused` before each frame.
 */
export abstract class PausableReceiver<T extends ITransport = ITransport>
  extends Protocol<T>
  implements IPushProducer
{
  /** Whether delivery is paused ({@link PausableReceiver.pauseProducing}). */
  paused = false;

  /** Stops delivering frames and pauses the transport (stops reading). */
  pauseProducing(): void {
    this.paused = true;
    this.transport.pauseProducing();
  }

  /** Resumes the transport and delivers the frames held while paused. */
  resumeProducing(): void {
    this.paused = false;
    this.transport.resumeProducing();
    this.dataReceived(EMPTY);
  }

  /** Stops delivering for good and stops the transport. */
  stopProducing(): void {
    this.paused = true;
    this.transport.stopProducing();
  }
}

/**
 * The state a `for await` loop over a connection keeps, shared by
 * `IterableProtocol` (chunks) and `FrameIterableProtocol` (frames): water
 * marks, whether the transport is paused, the one waiting `next()`, and how
 * the loop ends. Internal: not exported from `weft/adapters/promise`.
 *
 * @module
 */
import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import type { ITransport } from '../../src/core/interfaces/transport.js';
import type { IterableProtocolOptions } from './iterable-protocol.js';

/** The `next()` a loop is waiting in. */
export interface LoopWaiter {
  /** Settles that `next()` with a value or the end. */
  resolve(result: IteratorResult<Uint8Array>): void;
  /** Makes that `next()` throw. */
  reject(error: unknown): void;
}

/** The end of a loop (`done: true`). */
export const DONE: IteratorResult<Uint8Array> = { value: undefined, done: true };

/**
 * Flow control and ending for one loop over one protocol's transport. The
 * protocol keeps its own buffer and tells this object how many bytes it
 * holds; this object pauses and resumes `protocol.transport` and settles the
 * waiting `next()` when the connection ends.
 */
export class LoopFlow {
  /** Buffered bytes above which the transport is paused. */
  readonly highWaterMark: number;
  /** Buffered bytes at or below which a paused transport may be resumed. */
  readonly lowWaterMark: number;
  /** Whether leaving the loop early closes the connection. */
  readonly closeOnReturn: boolean;
  /** Whether the transport is paused by this loop. */
  paused = false;
  /** The `next()` waiting for data, if any. */
  waiter: LoopWaiter | null = null;
  /** Whether input is still flowing, ended by the peer (half-close), or the connection is gone. */
  input: 'flowing' | 'eof' | 'lost' = 'flowing';
  /** The loop is over: nothing more is delivered. */
  returned = false;
  /** Why the connection was lost, once it was. */
  #reason: Failure | null = null;
  readonly #protocol: { readonly transport: ITransport };
  readonly #name: string;
  readonly #returnOnFinish: boolean;

  /**
   * @param protocol - whose `transport` is paused, resumed and closed.
   * @param name - the class name, for the one-loop error.
   * @param returnOnFinish - whether reaching the end also marks the loop
   *   returned (later `next()` calls then give `done` instead of the end again).
   */
  constructor(
    protocol: { readonly transport: ITransport },
    name: string,
    options: IterableProtocolOptions,
    returnOnFinish: boolean,
  ) {
    this.#protocol = protocol;
    this.#name = name;
    this.#returnOnFinish = returnOnFinish;
    this.highWaterMark = options.highWaterMark ?? 65_536;
    this.lowWaterMark = options.lowWaterMark ?? Math.floor(this.highWaterMark / 4);
    this.closeOnReturn = options.closeOnReturn ?? true;
  }

  /** Pauses the transport if `buffered` bytes are past the high-water mark and it is not paused. */
  pauseAbove(buffered: number): void {
    if (!this.paused && buffered > this.highWaterMark) {
      this.paused = true;
      this.#protocol.transport.pauseProducing();
    }
  }

  /** Resumes the paused transport. */
  resume(): void {
    this.paused = false;
    this.#protocol.transport.resumeProducing();
  }

  /** Whether there is a transport still worth talking to. */
  connected(): boolean {
    // `transport` is unset only if the loop ends before the connection was made.
    return (
      this.input !== 'lost' && (this.#protocol.transport as ITransport | undefined) !== undefined
    );
  }

  /** Ends the loop from our side: resumes a paused transport and, if `close`, closes it. */
  leave(close: boolean): void {
    if (this.connected()) {
      if (this.paused) this.resume();
      if (close) this.#protocol.transport.loseConnection();
    }
  }

  /** A `next()` that waits for data; rejects if another `next()` is already waiting. */
  wait(): Promise<IteratorResult<Uint8Array>> {
    if (this.waiter !== null) {
      return Promise.reject(new TypeError(`${this.#name}: one next() at a time (one loop)`));
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The input ended: `reason` null for the peer's half-close, else the connection was lost. */
  end(reason: Failure | null): void {
    this.input = reason === null ? 'eof' : 'lost';
    this.#reason = reason;
    const waiter = this.waiter;
    if (waiter === null) return;
    this.waiter = null;
    this.finish().then(
      (result) => {
        waiter.resolve(result);
      },
      (e: unknown) => {
        waiter.reject(e);
      },
    );
  }

  /** What `next()` gives once everything received was read and the input has ended. */
  finish(): Promise<IteratorResult<Uint8Array>> {
    if (this.#returnOnFinish) this.returned = true;
    const reason = this.#reason;
    if (reason === null) return Promise.resolve(DONE); // half-closed: the peer finished sending
    if (reason.check(ConnectionDone) !== null) return Promise.resolve(DONE);
    return Promise.reject(reason.value);
  }
}

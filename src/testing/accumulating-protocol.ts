/**
 * `AccumulatingProtocol`: a protocol that records what happens to it
 * (Twisted's `twisted.internet.testing.AccumulatingProtocol`).
 *
 * @module
 */
import { Deferred } from '../core/defer.js';
import type { Failure } from '../core/failure.js';
import type { ITransport } from '../core/interfaces/transport.js';
import { Protocol } from '../core/protocol.js';
import { concatBytes } from '../core/bytes.js';

/**
 * What a factory may carry to learn when an {@link AccumulatingProtocol} it
 * built is connected: the Deferred is fired (with the protocol) by the first
 * such protocol's `connectionMade`, then set to `null`.
 */
export interface AccumulatingProtocolFactory {
  protocolConnectionMade: Deferred<AccumulatingProtocol> | null;
}

function notifier(factory: unknown): AccumulatingProtocolFactory | null {
  if (typeof factory !== 'object' || factory === null) return null;
  const d = (factory as Partial<AccumulatingProtocolFactory>).protocolConnectionMade;
  return d instanceof Deferred ? (factory as AccumulatingProtocolFactory) : null;
}

/**
 * A protocol that collects the bytes delivered to it and records its
 * connection and disconnection, optionally firing Deferreds on each. For
 * tests; not for implementation code.
 *
 * If its `factory` has a `protocolConnectionMade` Deferred (see
 * {@link AccumulatingProtocolFactory}), `connectionMade` fires it with this
 * protocol and clears it, so only the first connection fires it.
 *
 * @typeParam T - the transport type, as for `Protocol`.
 *
 * @example
 * ```ts
 * import { assert } from 'vitest';
 *
 * const proto = new AccumulatingProtocol();
 * proto.closedDeferred = new Deferred();
 * proto.makeConnection(new StringTransport());
 * proto.dataReceived(new Uint8Array([1, 2]));
 * proto.connectionLost(new Failure(new ConnectionDone()));
 * assert.deepEqual(proto.data, new Uint8Array([1, 2]));
 * ```
 */
export class AccumulatingProtocol<T extends ITransport = ITransport> extends Protocol<T> {
  /** Whether `connectionMade` has been called. */
  made = false;
  /** Whether `connectionLost` has been called. */
  closed = false;
  /** The reason given to `connectionLost`, or `null` before it. */
  closedReason: Failure | null = null;
  /** If set, fired with `undefined` (then cleared) by `connectionLost`. */
  closedDeferred: Deferred<void> | null = null;

  #chunks: Uint8Array[] = [];

  /** Every byte passed to `dataReceived`, in order. Assign to reset it. */
  get data(): Uint8Array {
    if (this.#chunks.length === 0) return new Uint8Array(0);
    const joined = concatBytes(this.#chunks);
    this.#chunks = [joined];
    return joined.slice();
  }

  set data(value: Uint8Array) {
    this.#chunks = value.length === 0 ? [] : [value.slice()];
  }

  /** {@link AccumulatingProtocol.data} decoded as UTF-8. */
  dataString(): string {
    return new TextDecoder().decode(this.data);
  }

  /** Attaches `transport` and calls `connectionMade`, as every protocol does. */
  override makeConnection(transport: T): void {
    super.makeConnection(transport);
  }

  /** Sets `made` and fires the factory's `protocolConnectionMade`, if it has one. */
  override connectionMade(): void {
    this.made = true;
    const factory = notifier(this.factory);
    const d = factory?.protocolConnectionMade;
    if (factory !== null && d != null) {
      factory.protocolConnectionMade = null;
      d.callback(this);
    }
  }

  /** Appends `data` to {@link AccumulatingProtocol.data}. */
  override dataReceived(data: Uint8Array): void {
    if (data.length > 0) this.#chunks.push(data.slice());
  }

  /** Sets `closed` and `closedReason`, and fires `closedDeferred` if set. */
  override connectionLost(reason: Failure): void {
    this.closed = true;
    this.closedReason = reason;
    const d = this.closedDeferred;
    if (d !== null) {
      this.closedDeferred = null;
      d.callback(undefined);
    }
  }
}

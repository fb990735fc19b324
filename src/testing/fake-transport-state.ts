/**
 * The wire side of one {@link FakeTransport} end: what is queued, how far its
 * close has got, and the steps an `IOPump` round takes. Internal to
 * `weft/testing`; the transport owns one and keeps it private.
 *
 * @module
 */
import type { IAddress } from '../core/address.js';
import { ConnectionAborted, ConnectionDone, ConnectionLost } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import { isHalfCloseableProtocol } from '../core/interfaces/protocol.js';
import { Logger } from '../core/logger.js';
import { concatBytes } from '../core/bytes.js';
import type { FakeTransport } from './fake-transport.js';

const log = new Logger('weft.testing.iosim');

/**
 * The connection state of one end of an in-memory connection, driven by its
 * {@link FakeTransport} (from the protocol's calls) and by the pump.
 *
 * @internal
 */
export class FakeTransportState {
  /** The transport this state belongs to. */
  readonly transport: FakeTransport<IAddress>;
  /** The bytes written and not yet pumped, one array per write. */
  stream: Uint8Array[] = [];
  /** The total length of {@link FakeTransportState.stream}, in bytes. */
  streamLength = 0;
  /** The other end's state, once linked by the pump. */
  peer: FakeTransportState | null = null;
  readonly #onConnectionLost: ((reason: Failure) => void) | undefined;
  // Closing, for one end. Each step is one pump, and only on a pump that moved no bytes:
  //
  //   open ─ loseConnection() ─► closeRequested ─ stream empty, no producer ─► finSent ─► disconnected
  //    │   (stops reading)             ▲                 (peer told: FIN)        (own connectionLost)
  //    ├─ abortConnection() ───────────┘ stream dropped; the FIN is a reset, sent even to a paused peer
  //    ├─ peer's FIN arrives ─► disconnected (ConnectionDone), or readClosed if half-closeable
  //    └─ a callback throws ──► disconnected (that exception); a clean FIN is still owed to the peer
  //
  // closeRequested: this end no longer reads; finSent: its close was reported to the peer;
  // disconnected: its protocol has had connectionLost.
  /** This end no longer reads (`loseConnection`, `abortConnection`, or gone). */
  closeRequested = false;
  /** `abortConnection()` was called. */
  aborted = false;
  /** This end's close was reported to the peer. */
  finSent = false;
  /** This end's protocol has had `connectionLost`. */
  disconnected = false;
  // Half-close state: writeShutRequested (loseWriteConnection) then writeDisconnected once the
  // peer was told; readClosed once the peer half-closed and readConnectionLost was delivered.
  /** `loseWriteConnection()` was called. */
  writeShutRequested = false;
  /** The peer was told of this end's half-close. */
  writeDisconnected = false;
  /** The peer half-closed and `readConnectionLost` was delivered. */
  readClosed = false;
  /** This end has paused reading. */
  readPaused = false;

  /**
   * @param transport - the transport this state belongs to.
   * @param onConnectionLost - called after the protocol's `connectionLost`.
   */
  constructor(
    transport: FakeTransport<IAddress>,
    onConnectionLost: ((reason: Failure) => void) | undefined,
  ) {
    this.transport = transport;
    this.#onConnectionLost = onConnectionLost;
  }

  /**
   * One round: bytes both ways (client's first) and producers' turns; if no
   * bytes moved, the first pending close event.
   */
  static pumpOnce(server: FakeTransportState, client: FakeTransportState): boolean {
    const toServer = client.#takeOutgoing();
    const toClient = server.#takeOutgoing();
    const clientProduced = client.#serviceProducer();
    const serverProduced = server.#serviceProducer();
    if (toServer !== null) server.#receive(toServer);
    if (toClient !== null) client.#receive(toClient);
    if (toServer !== null || toClient !== null) return true;
    // Close events, one per round, so a test can watch them arrive: first a close reported to
    // a peer, then a closing end learning that its own close completed. They are not held back
    // by producer activity alone: a producer writing into a dead connection must hear of it.
    const closed =
      server.#sendFinIfDue() ||
      client.#sendFinIfDue() ||
      server.#finishCloseIfDue() ||
      client.#finishCloseIfDue();
    return closed || clientProduced || serverProduced;
  }

  /** Whether a write now is queued (see the class notes of {@link FakeTransport}). */
  acceptsWrites(): boolean {
    if (this.disconnected || this.aborted || this.writeDisconnected) return false;
    // While closing, a registered producer may still finish its output (the close waits for it).
    if (this.closeRequested || this.writeShutRequested) return this.transport.producer !== null;
    return true;
  }

  /** Drops everything queued. */
  clearStream(): void {
    this.stream = [];
    this.streamLength = 0;
  }

  /** What the pump should move to the peer now: null if nothing, or if the peer is not reading. */
  #takeOutgoing(): Uint8Array | null {
    const peer = this.peer;
    if (this.stream.length === 0 || peer === null) return null;
    if (peer.disconnected || peer.closeRequested || peer.readClosed) {
      // The peer stopped reading for good: what was in flight is lost, as on a socket.
      this.clearStream();
      return null;
    }
    if (peer.readPaused) return null;
    const data = concatBytes(this.stream);
    this.clearStream();
    return data;
  }

  /**
   * With the buffer drained, gives the producer its turn: resumes a push
   * producer this transport paused, or asks a pull producer for more.
   * Returns whether that changed anything.
   */
  #serviceProducer(): boolean {
    const transport = this.transport;
    const producer = transport.producer;
    if (producer === null || this.disconnected || this.stream.length > 0) return false;
    if (transport.streamingProducer) {
      if (!transport.producerPaused) return false;
      transport.producerPaused = false;
      this.guard('resumeProducing', () => {
        producer.resumeProducing();
      });
      return true;
    }
    this.guard('resumeProducing', () => {
      producer.resumeProducing();
    });
    return this.stream.length > 0 || transport.producer !== producer;
  }

  #receive(data: Uint8Array): void {
    if (this.disconnected || this.closeRequested || this.readClosed) return;
    this.guard('dataReceived', () => {
      this.transport.protocol.dataReceived(data);
    });
  }

  /** What is due to be reported to the peer: a full close, a half-close, or nothing. */
  #finDue(): 'full' | 'half' | null {
    const peer = this.peer;
    if (this.finSent || peer === null) return null;
    if (this.aborted) return 'full';
    // A clean close travels behind the data, so it waits while the peer is not reading.
    if (peer.readPaused && !peer.closeRequested && !peer.disconnected) return null;
    if (this.disconnected) return 'full';
    if (this.stream.length > 0 || this.transport.producer !== null) return null;
    if (this.closeRequested) return 'full';
    if (this.writeShutRequested && !this.writeDisconnected) return 'half';
    return null;
  }

  /** Reports a due close to the peer; returns whether any protocol was called. */
  #sendFinIfDue(): boolean {
    const due = this.#finDue();
    const peer = this.peer;
    if (due === null || peer === null) return false;
    if (due === 'half') {
      this.writeDisconnected = true;
      const protocol = this.transport.protocol;
      if (isHalfCloseableProtocol(protocol)) {
        this.guard('writeConnectionLost', () => {
          protocol.writeConnectionLost();
        });
      }
      peer.#receiveFin(false);
      return true;
    }
    this.finSent = true;
    if (peer.disconnected) return false;
    peer.#receiveFin(this.aborted);
    return true;
  }

  /** The peer closed (`reset`: aborted). */
  #receiveFin(reset: boolean): void {
    if (this.disconnected) return;
    if (this.closeRequested) {
      // Both ends closing: this end's own close completes.
      this.connectionLost(this.ownReason());
    } else if (reset) {
      this.connectionLost(new Failure(new ConnectionLost('Connection lost')));
    } else if (!this.readClosed) {
      const protocol = this.transport.protocol;
      if (isHalfCloseableProtocol(protocol)) {
        this.readClosed = true;
        this.guard('readConnectionLost', () => {
          protocol.readConnectionLost();
        });
      } else {
        this.connectionLost(new Failure(new ConnectionDone('Connection done')));
      }
    }
  }

  /** A closing end whose close the peer has been told of now gets its own connectionLost. */
  #finishCloseIfDue(): boolean {
    if (!this.finSent || this.disconnected || !this.closeRequested) return false;
    this.connectionLost(this.ownReason());
    return true;
  }

  /** The reason this end's own close gives: `ConnectionAborted` or `ConnectionDone`. */
  ownReason(): Failure {
    return new Failure(
      this.aborted ? new ConnectionAborted() : new ConnectionDone('Connection done'),
    );
  }

  /** Runs a callback into this end's protocol or producer; if it throws, this end closes with it. */
  guard(callback: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      log.failure('Unhandled error in {callback} of {transport}; closing the connection', e, {
        callback,
        transport: this.transport.toString(),
      });
      this.connectionLost(Failure.from(e));
    }
  }

  /** The connection is gone for this end: stop the producer, then tell the protocol (once). */
  connectionLost(reason: Failure): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.closeRequested = true;
    this.clearStream();
    const transport = this.transport;
    const producer = transport.producer;
    transport.unregisterProducer();
    if (producer !== null) {
      try {
        producer.stopProducing();
      } catch (e) {
        log.failure('Error in stopProducing of the producer of {transport}', e, {
          transport: transport.toString(),
        });
      }
    }
    try {
      transport.protocol.connectionLost(reason);
    } catch (e) {
      log.failure('Error in connectionLost of {transport}', e, { transport: transport.toString() });
    }
    this.#onConnectionLost?.(reason);
  }
}

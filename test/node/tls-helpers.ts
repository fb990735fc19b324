// Shared by the TLS tests: a recorder that also records the TLS handshake.
import type { IHandshakeListener, ITLSTransport } from '../../src/core/interfaces/index.js';
import { later, Recorder } from './socket-helpers.js';

/** A recorder that also records `handshakeCompleted` (as 'handshake' in `events`). */
export class TLSRecorder extends Recorder<ITLSTransport> implements IHandshakeListener {
  readonly #handshake = later();

  get handshake(): Promise<undefined> {
    return this.#handshake.promise;
  }

  handshakeCompleted(): void {
    this.events.push('handshake');
    this.#handshake.resolve(undefined);
  }
}

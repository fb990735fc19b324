/** Connecting a weft AMP client to a peer over TCP, for the interop tests. */
import {
  ClientFactory,
  Deferred,
  type Failure,
  type IAddress,
  type IConnector,
} from '../../src/index.js';
import type { NodeReactor } from '../../src/node/index.js';
import type { AMP } from '../../src/protocols/amp/index.js';

/** A client factory that hands over the connected protocol. */
class OneShot<P extends AMP> extends ClientFactory<P> {
  readonly connected = new Deferred<P>();
  readonly #make: () => P;

  constructor(make: () => P) {
    super();
    this.noisy = false;
    this.#make = make;
  }

  override buildProtocol(_addr: IAddress): P {
    const p = this.#make();
    const made = p.connectionMade.bind(p);
    p.connectionMade = () => {
      made();
      this.connected.callback(p);
    };
    return p;
  }

  override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    this.connected.errback(reason);
  }
}

/** Connects `make()` to 127.0.0.1:`port`; resolves once connected. */
export function connectAMP<P extends AMP>(
  reactor: NodeReactor,
  port: number,
  make: () => P,
): Promise<P> {
  const factory = new OneShot(make);
  reactor.connectTCP('127.0.0.1', port, factory, { timeout: 10 });
  return factory.connected.asPromise();
}

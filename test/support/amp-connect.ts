/** Connecting weft AMP clients and servers over TCP on 127.0.0.1, for the socket and interop tests. */
import {
  ClientFactory,
  Deferred,
  Factory,
  IPv4Address,
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

/** Listens on 127.0.0.1 port 0 with `make()` for each connection; `accepted` is the first one. */
export async function listenAMP<P extends AMP>(
  reactor: NodeReactor,
  make: () => P,
): Promise<{ port: number; accepted: Promise<P> }> {
  const accepted = new Deferred<P>();
  const factory = new (class extends Factory<P> {
    override buildProtocol(): P {
      const p = make();
      if (!accepted.called) accepted.callback(p);
      return p;
    }
  })();
  factory.noisy = false;
  const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  const host = port.getHost();
  if (!(host instanceof IPv4Address)) throw new TypeError('expected an IPv4 port');
  return { port: host.port, accepted: accepted.asPromise() };
}

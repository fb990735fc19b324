/**
 * The weft side of bench/echo.ts: the Twisted echo server (a `Protocol` whose `dataReceived`
 * writes the data back, built by `Factory.forProtocol`, listening with `reactor.listenTCP`), run
 * as its own process (see bench/echo-server-control.ts).
 */
import { IPv4Address } from '../src/core/address.js';
import { Factory, Protocol } from '../src/core/protocol.js';
import { reactor } from '../src/node/reactor.js';

import { requestedPort, serveControl } from './echo-server-control.js';

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

const factory = Factory.forProtocol(Echo);
factory.noisy = false;

const port = await reactor.listenTCP(requestedPort(process.argv), factory, {
  interface: '127.0.0.1',
  backlog: 511,
});
const host = port.getHost();
if (!(host instanceof IPv4Address)) throw new TypeError(`listening on ${host.toString()}?`);
serveControl(host.port, () => {
  void port.stopListening();
});

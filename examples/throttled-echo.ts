// example: server
// The echo server of echo-server.ts behind three policies from weft/protocols/policies
// (docs/policies.md): at most 4 connections per client host, reads limited to 64 KiB/s over all
// connections together (echoes slow down with them), and connections closed after 60 s without
// traffic.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/throttled-echo.js`, then
// send it a large file, `head -c 1000000 /dev/urandom | nc 127.0.0.1 8000 | wc -c`: the echo
// takes about 15 s instead of a blink. A fifth simultaneous connection from the same host is
// closed at once. PORT chooses the port (default 8000; 0 picks a free one) and INTERFACE the
// address to bind (default: every IPv4 interface). Once listening it prints `listening on
// <port>`; Ctrl-C (SIGINT) or SIGTERM stops the reactor, prints `stopped` and exits with status 0.
import { Factory, IPv4Address, IPv6Address, Protocol, reactor } from '../src/index.js';
import {
  LimitConnectionsByPeer,
  ThrottlingFactory,
  TimeoutFactory,
} from '../src/protocols/policies/index.js';

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

// Outermost first: a refused peer never reaches the inner policies (docs/policies.md, "Composing
// wrappers"). The throttle and the timeout use the global reactor's clock.
const factory = new LimitConnectionsByPeer(
  new TimeoutFactory(new ThrottlingFactory(Factory.forProtocol(Echo), { readLimit: 64 * 1024 }), {
    timeoutPeriod: 60,
  }),
  { maxConnectionsPerPeer: 4 },
);

const port = await reactor.listenTCP(Number(process.env.PORT ?? 8000), factory, {
  interface: process.env.INTERFACE ?? '',
});
const host = port.getHost();
const portNumber = host instanceof IPv4Address || host instanceof IPv6Address ? host.port : NaN;
reactor.callWhenRunning(() => {
  console.log(`listening on ${portNumber}`);
});
void reactor.run().addCallback(() => {
  console.log('stopped');
});

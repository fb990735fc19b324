// example: server
// The echo server from README.md (Twisted's echoserv.py): every byte a client sends comes back.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/echo-server.js`, then
// talk to it with examples/echo-client.ts, `nc 127.0.0.1 8000` or `telnet 127.0.0.1 8000`.
// PORT chooses the port (default 8000; 0 picks a free one) and INTERFACE the address to bind
// (default: every IPv4 interface). Once listening it prints `listening on <port>`; Ctrl-C
// (SIGINT) or SIGTERM stops the reactor, which closes the port and every connection, prints
// `stopped` and lets the process exit with status 0.
import { Factory, IPv4Address, IPv6Address, Protocol, reactor } from '../src/index.js';

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport.write(data);
  }
}

const port = await reactor.listenTCP(Number(process.env.PORT ?? 8000), Factory.forProtocol(Echo), {
  interface: process.env.INTERFACE ?? '',
});
// `IListeningPort.getHost()` is any `IAddress`; a TCP port's is an IPv4 or IPv6 address.
const host = port.getHost();
const portNumber = host instanceof IPv4Address || host instanceof IPv6Address ? host.port : NaN;
// Printed once the reactor runs, so whoever waits for this line can already send SIGTERM.
reactor.callWhenRunning(() => {
  console.log(`listening on ${portNumber}`);
});
// run() installs the SIGINT/SIGTERM handlers and keeps the process alive until one arrives;
// its Deferred fires once shutdown has closed the port and every connection.
void reactor.run().addCallback(() => {
  console.log('stopped');
});

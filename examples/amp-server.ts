// example: server
// An AMP server (Twisted's ampserver.py): answers Sum and Divide, with Divide declaring a
// ZERO_DIVISION error, so a Twisted client (or examples/amp-client.ts) can call it.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/amp-server.js`, then
// call it with examples/amp-client.ts or from Python with twisted.protocols.amp (see docs/amp.md).
// PORT chooses the port (default 1234; 0 picks a free one) and INTERFACE the address to bind
// (default: every IPv4 interface). Once listening it prints `listening on <port>`; Ctrl-C
// (SIGINT) or SIGTERM stops the reactor, which closes the port and every connection, prints
// `stopped` and lets the process exit with status 0.
import { Factory, IPv4Address, IPv6Address, reactor } from '../src/index.js';
import { AMP, command, Float, Integer } from '../src/protocols/amp/index.js';

/** Raised by Divide's responder; travels as the code ZERO_DIVISION. */
class ZeroDivision extends Error {}

const Sum = command({
  name: 'Sum',
  arguments: { a: new Integer(), b: new Integer() },
  response: { total: new Integer() },
});

const Divide = command({
  name: 'Divide',
  arguments: { numerator: new Integer(), denominator: new Integer() },
  response: { result: new Float() },
  errors: { ZERO_DIVISION: ZeroDivision },
});

/** One per connection: registers the responders. */
class MathServer extends AMP {
  constructor() {
    super();
    this.respond(Sum, ({ a, b }) => ({ total: a + b }));
    this.respond(Divide, ({ numerator, denominator }) => {
      if (denominator === 0) throw new ZeroDivision('division by zero');
      return { result: numerator / denominator };
    });
  }
}

const port = await reactor.listenTCP(
  Number(process.env.PORT ?? 1234),
  Factory.forProtocol(MathServer),
  {
    interface: process.env.INTERFACE ?? '',
  },
);
const host = port.getHost();
const portNumber = host instanceof IPv4Address || host instanceof IPv6Address ? host.port : NaN;
reactor.callWhenRunning(() => {
  console.log(`listening on ${portNumber}`);
});
void reactor.run().addCallback(() => {
  console.log('stopped');
});

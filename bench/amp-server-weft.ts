/**
 * The weft AMP server bench/amp.ts measures: answers Sum on 127.0.0.1, port 0; prints
 * `listening on <port>`; runs until SIGTERM.
 */
import { Factory, IPv4Address, reactor } from '../src/index.js';
import { AMP, command, Integer } from '../src/protocols/amp/index.js';

const Sum = command({
  name: 'Sum',
  arguments: { a: new Integer(), b: new Integer() },
  response: { total: new Integer() },
});

class Server extends AMP {
  constructor() {
    super();
    this.respond(Sum, ({ a, b }) => ({ total: a + b }));
  }
}

const factory = Factory.forProtocol(Server);
factory.noisy = false;
const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
const host = port.getHost();
reactor.callWhenRunning(() => {
  console.log(`listening on ${host instanceof IPv4Address ? host.port : NaN}`);
});
void reactor.run();

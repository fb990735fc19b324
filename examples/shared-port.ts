// example: server
// One port, three protocols, one process, one loop: the first bytes of each connection decide
// who serves it (weft/protocols/policies's SniffingFactory). A request line ("GET /...") goes to
// an Express app hosted on weft (weft/adapters/node's NodeServerFactory); an AMP box (a 2-byte
// key length: 0x00, then 1-255) goes to the AMP server of examples/amp-server.ts (Sum, Divide);
// anything else goes to a line protocol that sends every line back upper-cased. A client that
// says nothing for a second is handed to the line protocol, which greets it.
//
// Run it with `npm start` (that is `npx tsc -p tsconfig.examples.json && node
// .build/examples/shared-port.js`). Then, in other terminals:
// - HTTP: `curl http://127.0.0.1:8080/` (JSON: how many connections each protocol has served)
//   and `curl http://127.0.0.1:8080/hello/you`;
// - AMP: `node .build/examples/amp-client.js 8080`, which prints `13 + 81 = 94`, then
//   `1 / 0 failed: ZeroDivision: division by zero`, then `done` (a Twisted AMP client works too);
// - lines: `nc 127.0.0.1 8080`, type a line and get it back upper-cased; `quit` hangs up.
// PORT chooses the port (default 8080; 0 picks a free one) and INTERFACE the address to bind
// (default: every IPv4 interface). Ctrl-C (SIGINT) or SIGTERM stops the reactor, which closes
// the port and every connection, prints `stopped` and exits with status 0. Once listening it
// prints:
//
//   listening on <port>
//   http:  curl http://127.0.0.1:<port>/hello/you
//   amp:   node .build/examples/amp-client.js <port>
//   lines: nc 127.0.0.1 <port>
import { createServer } from 'node:http';

import express from 'express';

import { NodeServerFactory } from '../adapters/node/index.js';
import { Factory, IPv4Address, IPv6Address, reactor } from '../src/index.js';
import type { IAddress, IProtocol, IProtocolFactory } from '../src/index.js';
import { LineReceiver } from '../src/protocols/basic/index.js';
import { AMP, command, Float, Integer } from '../src/protocols/amp/index.js';
import { matchPrefixes, SniffingFactory } from '../src/protocols/policies/index.js';

// ----- the three protocols -------------------------------------------------------------------

/** How many connections each protocol has served: shared state, since it is all one loop. */
const served = { http: 0, amp: 0, lines: 0 };

const app = express();
app.get('/', (_req, res) => {
  res.json({ served });
});
app.get('/hello/:name', (req, res) => {
  res.json({ hello: req.params.name, from: req.ip ?? null });
});

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

/** Every line back upper-cased; `quit` hangs up. Lines end in `\n` (nc) or `\r\n` (telnet). */
class Shout extends LineReceiver {
  override delimiter = '\n';
  override MAX_LENGTH = 1024;

  override connectionMade(): void {
    this.sendLine('weft lines: every line comes back upper-cased; "quit" hangs up');
  }

  override lineReceived(line: Uint8Array): void {
    const text = new TextDecoder().decode(line).replace(/\r$/, '');
    if (text === 'quit') this.transport.loseConnection();
    else this.sendLine(text.toUpperCase());
  }
}

/** `factory`, counting the connections it serves in `served[name]`. */
function counted(name: keyof typeof served, factory: IProtocolFactory): IProtocolFactory {
  return {
    buildProtocol(addr: IAddress): IProtocol | null {
      served[name] += 1;
      return factory.buildProtocol(addr);
    },
    doStart: () => {
      factory.doStart();
    },
    doStop: () => {
      factory.doStop();
    },
  };
}

// ----- choosing by the first bytes -----------------------------------------------------------

/** An HTTP/1 request line starts with a method and a space (`PRI * ` is HTTP/2's preface). */
const looksLikeHTTP = matchPrefixes(
  ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PRI'].map(
    (method) => `${method} `,
  ),
);

/** An AMP box starts with its first key's length, 1 to 255, as 2 bytes: 0x00, then not 0x00. */
function looksLikeAMP(head: Uint8Array): boolean | undefined {
  if (head.length === 0) return undefined;
  if (head[0] !== 0) return false;
  return head.length < 2 ? undefined : head[1] !== 0;
}

const hosted = new NodeServerFactory(createServer(app));
const factory = new SniffingFactory(
  [
    { match: looksLikeHTTP, factory: counted('http', hosted) },
    { match: looksLikeAMP, factory: counted('amp', Factory.forProtocol(MathServer)) },
  ],
  { fallback: counted('lines', Factory.forProtocol(Shout)), maxBytes: 8, timeout: 1 },
);

// ----- listening -----------------------------------------------------------------------------

const iface = process.env.INTERFACE ?? '';
const port = await reactor.listenTCP(Number(process.env.PORT ?? 8080), factory, {
  interface: iface,
});
const address = port.getHost();
const portNumber =
  address instanceof IPv4Address || address instanceof IPv6Address ? address.port : NaN;
const host = iface === '' || iface === '0.0.0.0' ? '127.0.0.1' : iface;
reactor.callWhenRunning(() => {
  console.log(`listening on ${portNumber}`);
  console.log(`http:  curl http://${host}:${portNumber}/hello/you`);
  console.log(`amp:   node .build/examples/amp-client.js ${portNumber}`);
  console.log(`lines: nc ${host} ${portNumber}`);
});
void reactor.run().addCallback(() => {
  console.log('stopped');
});

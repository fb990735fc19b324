// example: client of echo-server.ts
// The echo client again, this time with an endpoint: clientFromString turns a description into an
// IStreamClientEndpoint, connectProtocol connects a protocol instance through it, and the
// protocol's connectionLost ends the program. The same code reaches a UNIX socket or (once TLS
// lands) a TLS server by changing only the description.
//
// Start examples/echo-server.ts, then run `node .build/examples/endpoint-echo-client.js [where]`
// (after `npx tsc -p tsconfig.examples.json`). `where` is a port number (connecting to HOST,
// default 127.0.0.1, with `tcp:host=HOST:port=PORT:timeout=10`) or a whole endpoint
// description such as `unix:path=/tmp/echo.sock` or `tcp:localhost:8000`; the default is port
// 8000. If it cannot connect it logs the reason (for instance ConnectionRefusedError) on stderr
// and exits with status 1. Otherwise it exits with status 0 and prints:
//
//   connected
//   echo: hello, world
//   echo: καλημέρα κόσμε
//   echo: goodbye
//   connection closed cleanly
import {
  clientFromString,
  connectProtocol,
  ConnectionDone,
  Deferred,
  Protocol,
  quoteStringArgument,
  react,
  type Failure,
  type NodeReactor,
} from '../src/index.js';

const LINES = ['hello, world', 'καλημέρα κόσμε', 'goodbye'];

/** Sends {@link LINES}, prints each line echoed back, and hangs up once all have come back. */
class EchoClient extends Protocol {
  /** Succeeds once the connection closes cleanly; fails if it broke. */
  readonly done = new Deferred<void>();
  readonly #decoder = new TextDecoder();
  /** Text received after the last newline: a chunk may end anywhere, even inside a character. */
  #partial = '';
  #received = 0;

  override connectionMade(): void {
    console.log('connected');
    this.transport.writeSequence(LINES.map((line) => `${line}\n`));
  }

  override dataReceived(data: Uint8Array): void {
    this.#partial += this.#decoder.decode(data, { stream: true });
    let newline = this.#partial.indexOf('\n');
    while (newline >= 0) {
      console.log(`echo: ${this.#partial.slice(0, newline)}`);
      this.#partial = this.#partial.slice(newline + 1);
      this.#received += 1;
      if (this.#received === LINES.length) this.transport.loseConnection();
      newline = this.#partial.indexOf('\n');
    }
  }

  override connectionLost(reason: Failure): void {
    if (reason.check(ConnectionDone) === null) {
      this.done.errback(reason);
      return;
    }
    console.log('connection closed cleanly');
    this.done.callback(undefined);
  }
}

/** A port number becomes a TCP description; anything else is taken as a description already. */
function describeEndpoint(where: string, host: string): string {
  return /^\d+$/.test(where)
    ? `tcp:host=${quoteStringArgument(host)}:port=${where}:timeout=10`
    : where;
}

function main(reactor: NodeReactor, description: string): Deferred<void> {
  const endpoint = clientFromString(reactor, description);
  // Fails with ConnectionRefusedError, DNSLookupError, ...: react() logs it and exits with 1.
  return connectProtocol(endpoint, new EchoClient()).addCallback((proto) => proto.done);
}

void react(main, [
  describeEndpoint(process.argv[2] ?? process.env.PORT ?? '8000', process.env.HOST ?? '127.0.0.1'),
]);

// example: client of echo-server.ts
// The echo client (Twisted's echoclient.py): connects to the echo server with connectTCP, sends
// three lines, prints each line as it comes back, hangs up once all three have, and lets react()
// stop the reactor when the connection is over.
//
// Start examples/echo-server.ts, then run `node .build/examples/echo-client.js [port]` (after
// `npx tsc -p tsconfig.examples.json`). The port is the first argument, else PORT, else 8000;
// HOST is the host (default 127.0.0.1). If it cannot connect it logs the reason (for instance
// ConnectionRefusedError) on stderr and exits with status 1. Otherwise it exits with status 0
// and prints:
//
//   connected
//   echo: hello, world
//   echo: καλημέρα κόσμε
//   echo: goodbye
//   connection closed cleanly
import {
  ClientFactory,
  ConnectionDone,
  Deferred,
  Protocol,
  react,
  type Failure,
  type IConnector,
  type NodeReactor,
} from '../src/index.js';

const LINES = ['hello, world', 'καλημέρα κόσμε', 'goodbye'];

/** Sends {@link LINES}, prints each line echoed back, and hangs up once all have come back. */
class EchoClient extends Protocol {
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
}

/** Builds the {@link EchoClient} and turns how its connection ends into a Deferred. */
class EchoClientFactory extends ClientFactory<EchoClient> {
  /** Succeeds once the connection closes cleanly; fails if it could not connect or broke. */
  readonly done = new Deferred<void>();

  override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    this.done.errback(reason);
  }

  override clientConnectionLost(_connector: IConnector, reason: Failure): void {
    if (reason.check(ConnectionDone) === null) {
      this.done.errback(reason);
      return;
    }
    console.log('connection closed cleanly');
    this.done.callback(undefined);
  }
}

function main(reactor: NodeReactor, host: string, port: number): Deferred<void> {
  const factory = EchoClientFactory.forProtocol(EchoClient);
  reactor.connectTCP(host, port, factory, { timeout: 10 });
  return factory.done;
}

// react() runs the reactor, stops it once main's Deferred settles and sets the exit status.
void react(main, [
  process.env.HOST ?? '127.0.0.1',
  Number(process.argv[2] ?? process.env.PORT ?? 8000),
]);

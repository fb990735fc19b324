// weft connections in async/await style: a server written as a `for await` loop, a client that
// streams a generator into the connection with backpressure and reads the reply as a loop, and a
// timeout on the reactor's clock.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/async-iteration.js`.
// It listens on a free port of 127.0.0.1, talks to itself, and prints:
//
//   server: listening on 127.0.0.1
//   client: sent 3 lines (21 bytes) from an async generator
//   client: reply "LINE 1\nLINE 2\nLINE 3\n"
//   client: the server closed the connection when its loop ended
//   timeout: slow operation failed with TimeoutError after 0.05 s
import { pathToFileURL } from 'node:url';

import {
  asyncHandlerFactory,
  IterableProtocol,
  runAbortable,
  timeoutSignal,
  writeIterable,
} from '../adapters/promise/index.js';
import {
  ClientFactory,
  Deferred,
  NodeReactor,
  TimeoutError,
  IPv4Address,
  type ITCPTransport,
} from '../src/index.js';

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const reactor = new NodeReactor();

  // The server: upper-cases what it receives until the client finishes sending.
  const port = await reactor.listenTCP(
    0,
    asyncHandlerFactory(
      async (conn) => {
        for await (const chunk of conn) {
          conn.transport.write(new TextDecoder().decode(chunk).toUpperCase());
        }
      },
      { halfClose: true },
    ),
    { interface: '127.0.0.1' },
  );
  out('server: listening on 127.0.0.1');

  // The client: an IterableProtocol that says when it is connected.
  class Client extends IterableProtocol<ITCPTransport> {
    readonly ready = new Deferred<void>();
    override connectionMade(): void {
      this.ready.callback(undefined);
    }
  }
  const client = new Client({ halfClose: true });
  const factory = new ClientFactory<Client>();
  factory.buildProtocol = (): Client => client;
  const host = port.getHost();
  if (!(host instanceof IPv4Address)) throw new TypeError('expected an IPv4 port');
  reactor.connectTCP('127.0.0.1', host.port, factory);
  await client.ready;

  async function* lines(): AsyncGenerator<string> {
    for (let i = 1; i <= 3; i++) {
      await Promise.resolve(); // stands in for reading a file or a database
      yield `line ${String(i)}\n`;
    }
  }
  const sent = await writeIterable(client.transport, lines());
  out(`client: sent 3 lines (${String(sent)} bytes) from an async generator`);
  client.transport.loseWriteConnection(); // half-close: "that was everything"

  let reply = '';
  for await (const chunk of client) reply += new TextDecoder().decode(chunk);
  out(`client: reply ${JSON.stringify(reply)}`);
  out('client: the server closed the connection when its loop ended');
  await port.stopListening();

  // A timeout on the reactor's clock cancels an abortable operation.
  const { signal, dispose } = timeoutSignal(reactor, 0.05);
  const slow = runAbortable(
    (inner) =>
      new Promise<never>((_, reject) => {
        inner.addEventListener('abort', () => {
          reject(inner.reason as Error);
        });
      }),
    { signal },
  );
  try {
    await slow;
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    out(`timeout: slow operation failed with ${e.name} after 0.05 s`);
  } finally {
    dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}

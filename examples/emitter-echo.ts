// Emitter-style code on weft: a server written with `conn.on('data', ...)` as for a net.Socket,
// and a plain Node socket driven with whenEvent and iterateEvents.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/emitter-echo.js`.
// It listens on a free port of 127.0.0.1, talks to itself, and prints:
//
//   server: connect
//   client: connected
//   server: end
//   server: close (clean)
//   client: got "HELLO, EVENTS"
//   client: the stream ended; listeners left behind on the socket: 0
import { createConnection } from 'node:net';
import { pathToFileURL } from 'node:url';

import { EmitterProtocol, iterateEvents, whenEvent } from '../adapters/events/index.js';
import { Factory, IPv4Address, NodeReactor } from '../src/index.js';

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const reactor = new NodeReactor();
  let serverClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    serverClosed = resolve;
  });
  const factory = new Factory<EmitterProtocol>();
  factory.buildProtocol = (): EmitterProtocol => {
    const conn = new EmitterProtocol();
    conn.on('connect', () => {
      out('server: connect');
    });
    conn.on('data', (chunk) => {
      conn.write(new TextDecoder().decode(chunk).toUpperCase());
    });
    conn.on('end', () => {
      out('server: end');
    });
    conn.on('close', (hadError) => {
      out(`server: close (${hadError ? 'error' : 'clean'})`);
      serverClosed();
    });
    return conn;
  };
  const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  const host = port.getHost();
  if (!(host instanceof IPv4Address)) throw new TypeError('expected an IPv4 port');

  const socket = createConnection(host.port, '127.0.0.1');
  await whenEvent(socket, 'connect');
  out('client: connected');
  const events = ['connect', 'data', 'end', 'error'];
  const count = (): number => events.reduce((n, name) => n + socket.listenerCount(name), 0);
  const before = count();
  socket.end('hello, events');
  let reply = '';
  for await (const [chunk] of iterateEvents<[Buffer]>(socket, 'data', { close: ['end'] })) {
    reply += chunk.toString();
  }
  out(`client: got ${JSON.stringify(reply)}`);
  await closed;
  out(`client: the stream ended; listeners left behind on the socket: ${String(count() - before)}`);
  socket.destroy();
  await port.stopListening();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}

// A line server written as an RxJS pipeline: connections$ turns the listening port into an
// Observable of connections, each connection's lines go through map/filter/bufferTime — the
// bufferTime running on the reactor through ReactorScheduler — and the results are written back
// through the connection's TransportObserver. The client is RxJS too.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/rxjs-lines.js`.
// It listens on a free port of 127.0.0.1, talks to itself, and prints:
//
//   server: listening on 127.0.0.1
//   server: a connection from 127.0.0.1
//   client: sent 4 lines (17 bytes), then half-closed
//   server: batch of 3 lines
//   client: got "3 lines: HELLO | RXJS | WEFT"
//   client: the server closed the connection
//   server: no longer listening
import { pathToFileURL } from 'node:url';

import { bufferTime, filter, from, map, tap, toArray } from 'rxjs';

import {
  connections$,
  decodeUtf8,
  fromObservable,
  ObservableProtocol,
  ReactorScheduler,
} from '../adapters/rxjs/index.js';
import {
  Deferred,
  Factory,
  IPv4Address,
  NodeReactor,
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  type IListeningPort,
} from '../src/index.js';
import { LineFramer } from '../src/protocols/basic/index.js';

const lines = (): LineFramer => new LineFramer({ delimiter: '\n', maxLength: 1024 });

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const reactor = new NodeReactor();
  const scheduler = new ReactorScheduler(reactor);

  // The server: every connection's non-empty lines, upper-cased, gathered for 100 ms at a time
  // (on the reactor's clock), each batch answered with one line. Half-close: when the client has
  // sent everything, input$ completes, bufferTime hands over what it holds, and the writer closes
  // the connection once the reply is written.
  const listening = new Deferred<IListeningPort>();
  const server = connections$(new TCP4ServerEndpoint(reactor, 0, { interface: '127.0.0.1' }), {
    framer: lines,
    halfClose: true,
    onListening: (port) => {
      listening.callback(port);
    },
  }).subscribe((conn) => {
    const peer = conn.transport.getPeer();
    out(`server: a connection from ${peer instanceof IPv4Address ? peer.host : String(peer)}`);
    conn.input$
      .pipe(
        decodeUtf8(),
        filter((line) => line.trim() !== ''),
        map((line) => line.toUpperCase()),
        bufferTime(100, scheduler),
        filter((batch) => batch.length > 0),
        tap((batch) => {
          out(`server: batch of ${String(batch.length)} lines`);
        }),
        map((batch) => `${String(batch.length)} lines: ${batch.join(' | ')}\n`),
      )
      .subscribe(conn.writer());
  });
  const port = await listening;
  out('server: listening on 127.0.0.1');

  // The client: an ObservableProtocol too. One write of four lines, then a half-close
  // ('half-close' on completion), and the reply read as lines until the server closes.
  const factory = new Factory<ObservableProtocol>();
  factory.buildProtocol = (): ObservableProtocol => new ObservableProtocol({ framer: lines });
  const host = port.getHost();
  if (!(host instanceof IPv4Address)) throw new TypeError('expected an IPv4 port');
  const client = await new TCP4ClientEndpoint(reactor, '127.0.0.1', host.port).connect(factory);
  const writer = client.writer({ onComplete: 'half-close' });
  from(['hello\n\nrxjs\nweft\n']).subscribe(writer);
  await writer.notifyFinish();
  out(`client: sent 4 lines (${String(writer.bytesWritten)} bytes), then half-closed`);

  const replies = await fromObservable(client.input$.pipe(decodeUtf8(), toArray()));
  for (const reply of replies) out(`client: got ${JSON.stringify(reply)}`);
  out('client: the server closed the connection');

  server.unsubscribe(); // stops listening
  await port.stopListening(); // waits until the port is closed
  out('server: no longer listening');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}

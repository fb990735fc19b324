// A client that survives a restart of its server: ClientService keeps one connection up, retrying
// on a backoff policy while the server is gone, and prepareConnection holds each new connection
// back until the server's greeting has arrived.
//
// Run it with `npx tsc -p tsconfig.examples.json && node .build/examples/reconnecting-client.js`.
// It starts a line server on a free port of 127.0.0.1, connects to it, restarts the server on
// the same port (closing the connection; connecting is refused while it is down), and prints:
//
//   server: listening
//   client: connection 1 ready, the server said "welcome, connection 1"
//   client: sent "ping", got "PING"
//   server: restarting
//   client: connection lost (ConnectionDone)
//   client: retry 1 in 0.1 s
//   client: retry 2 in 0.2 s
//   client: whenConnected({ failAfterFailures: 1 }) failed with ConnectionRefusedError
//   client: retry 3 in 0.4 s
//   server: listening again on the same port
//   client: connection 2 ready, the server said "welcome, connection 2"
//   client: sent "ping", got "PING"
//   client: stopped; whenConnected now fails with CancelledError
import { pathToFileURL } from 'node:url';

import {
  backoffPolicy,
  CancelledError,
  ClientService,
  Deferred,
  Factory,
  IPv4Address,
  NodeReactor,
  TCP4ClientEndpoint,
  type Failure,
  type IListeningPort,
} from '../src/index.js';
import { LineReceiver } from '../src/protocols/basic/index.js';

const text = new TextDecoder();

/** The server's side of one connection: a greeting, then every line back in upper case. */
class Shouter extends LineReceiver {
  readonly #server: ShouterFactory;

  constructor(server: ShouterFactory) {
    super();
    this.#server = server;
  }

  override connectionMade(): void {
    this.#server.live.add(this);
    this.#server.connections += 1;
    this.sendLine(`welcome, connection ${String(this.#server.connections)}`);
  }

  override lineReceived(line: Uint8Array): void {
    this.sendLine(text.decode(line).toUpperCase());
  }

  override connectionLost(): void {
    this.#server.live.delete(this);
  }
}

/** The server: counts connections (across restarts) and knows the open ones. */
class ShouterFactory extends Factory<Shouter> {
  connections = 0;
  readonly live = new Set<Shouter>();

  override buildProtocol(): Shouter {
    return new Shouter(this);
  }

  /** Closes every open connection. */
  closeAll(): void {
    for (const conn of this.live) conn.transport.loseConnection();
  }
}

/** The client: its first line is the greeting; each later one answers a `request`. */
class Asker extends LineReceiver {
  /** Fires with the server's greeting (prepareConnection waits for it). */
  readonly greeted = new Deferred<string>();
  /** Fires when the connection is lost, with the name of the reason (`'ConnectionDone'`, ...). */
  readonly lost = new Deferred<string>();
  #replies: Deferred<string>[] = [];

  /** Sends `line`; fires with the answer. */
  request(line: string): Deferred<string> {
    const reply = new Deferred<string>();
    this.#replies.push(reply);
    this.sendLine(line);
    return reply;
  }

  override lineReceived(line: Uint8Array): void {
    if (!this.greeted.called) this.greeted.callback(text.decode(line));
    else this.#replies.shift()?.callback(text.decode(line));
  }

  override connectionLost(reason: Failure): void {
    this.lost.callback((reason.value as Error).name);
  }
}

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const reactor = new NodeReactor();
  const shouters = new ShouterFactory();
  shouters.noisy = false;
  const serve = (portNumber: number): Deferred<IListeningPort> =>
    reactor.listenTCP(portNumber, shouters, { interface: '127.0.0.1' });
  const server = { port: await serve(0) };
  const address = server.port.getHost();
  if (!(address instanceof IPv4Address)) throw new TypeError('expected an IPv4 port');
  out('server: listening');

  const delays = backoffPolicy({ initialDelay: 0.05, factor: 2, maxDelay: 1, jitter: () => 0 });
  const askers = Factory.forProtocol(Asker);
  askers.noisy = false;
  let ready = 0;
  const service = new ClientService(
    new TCP4ClientEndpoint(reactor, '127.0.0.1', address.port),
    askers,
    {
      clock: reactor,
      // The usual backoff, printed; the server comes back while the third wait runs.
      retryPolicy: (failedAttempts) => {
        const delay = delays(failedAttempts);
        out(`client: retry ${String(failedAttempts)} in ${String(delay)} s`);
        if (failedAttempts === 3) {
          void serve(address.port).addCallback((port) => {
            server.port = port;
            out('server: listening again on the same port');
          });
        }
        return delay;
      },
      // A connection is ready once the server has greeted it.
      prepareConnection: (proto) =>
        proto.greeted.addCallback((greeting) => {
          ready += 1;
          out(`client: connection ${String(ready)} ready, the server said "${greeting}"`);
        }),
    },
  );
  service.startService();

  let proto = await service.whenConnected();
  out(`client: sent "ping", got "${await proto.request('ping')}"`);

  void proto.lost.addCallback((why) => {
    out(`client: connection lost (${why})`); // before ClientService hears of it
  });
  out('server: restarting');
  await server.port.stopListening();
  shouters.closeAll();
  await proto.lost;
  // This one fails at the first failed attempt; the plain whenConnected() below waits it out.
  service.whenConnected({ failAfterFailures: 1 }).addErrback((failure) => {
    out(
      `client: whenConnected({ failAfterFailures: 1 }) failed with ${(failure.value as Error).name}`,
    );
  });

  proto = await service.whenConnected();
  out(`client: sent "ping", got "${await proto.request('ping')}"`);

  await service.stopService(); // closes the connection; resolves once it is closed
  try {
    await service.whenConnected();
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    out('client: stopped; whenConnected now fails with CancelledError');
  }
  await server.port.stopListening();
  shouters.closeAll();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}

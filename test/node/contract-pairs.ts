// Connected pairs of the suite's protocols over real sockets on a fresh NodeReactor, for the
// transport contract (test/support/transport-contract.ts) and the chunking property: TCP over
// 127.0.0.1 or ::1 (port 0), or a UNIX socket in a fresh temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IAddress, IPv4Address, IPv6Address } from '../../src/core/address.js';
import type { Failure } from '../../src/core/failure.js';
import type {
  IConnector,
  IListeningPort,
  IStreamTransport,
} from '../../src/core/interfaces/index.js';
import { ClientFactory, Factory } from '../../src/core/protocol.js';
import { StreamTransport } from '../../src/node/index.js';
import { NodeReactor } from '../../src/node/reactor.js';
import type { MakePair, TransportPair } from '../support/transport-pairs.js';
import { eventDrivenPair, waitForPoke } from '../support/transport-pairs.js';
import type { Peer } from '../support/transport-peers.js';
import { poke, reasonName } from '../support/transport-peers.js';

/** Which sockets a pair is made of. */
export type SocketKind = 'TCP IPv4' | 'TCP IPv6' | 'UNIX';

/** Runs `reactor` through its full shutdown, closing anything it still owns. */
async function shutDown(reactor: NodeReactor): Promise<void> {
  const done = reactor.run({ installSignalHandlers: false });
  reactor.stop();
  await done;
}

/** Bytes written to a real transport and not yet handed to the OS (Node's `writableLength`). */
export function socketBufferedBytes(transport: IStreamTransport): number {
  if (!(transport instanceof StreamTransport)) throw new TypeError('not a StreamTransport');
  return (transport as StreamTransport).getHandle().writableLength;
}

/** How one kind of pair is listened for and dialled on a fresh reactor. */
export interface PairConnector {
  /** Names the kind in failure messages ("TCP IPv4", "TLS", ...). */
  readonly name: string;
  /** Listens with `server` and dials it with `client`; returns the port and any extra cleanup. */
  connect(
    reactor: NodeReactor,
    server: Factory,
    client: ClientFactory,
  ): Promise<{ port: IListeningPort; cleanup?: () => void }>;
  /** Waits, after both ends saw connectionMade, for anything else a pair needs (a TLS handshake). */
  ready?(server: Peer, client: Peer): Promise<void>;
}

/**
 * Makes pairs through `connector`: each on its own reactor, with the first protocol built on each
 * side as the pair's ends, released (port, reactor, the connector's cleanup) by `close()`.
 */
export function reactorPairs(connector: PairConnector): MakePair {
  return async <S extends Peer, C extends Peer>(
    Server: new () => S,
    Client: new () => C,
  ): Promise<TransportPair<S, C>> => {
    const reactor = new NodeReactor();
    let port: IListeningPort | undefined;
    let cleanup: (() => void) | undefined;
    let server: S | undefined;
    let client: C | undefined;
    let failed: Failure | undefined;

    const serverFactory = new (class extends Factory<S> {
      override buildProtocol(_addr: IAddress): S {
        const p = new Server();
        server ??= p;
        return p;
      }
    })();
    serverFactory.noisy = false;
    const clientFactory = new (class extends ClientFactory<C> {
      override buildProtocol(_addr: IAddress): C {
        const p = new Client();
        client ??= p;
        return p;
      }

      override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
        failed = reason;
        poke();
      }
    })();
    clientFactory.noisy = false;

    const release = async (): Promise<void> => {
      if (port !== undefined) await port.stopListening();
      await shutDown(reactor);
      cleanup?.();
    };

    try {
      ({ port, cleanup } = await connector.connect(reactor, serverFactory, clientFactory));
      await waitForPoke(() => {
        if (failed !== undefined) {
          throw new Error(
            `${connector.name}: the client could not connect (${reasonName(failed)})`,
          );
        }
        return server?.events.includes('made') === true && client?.events.includes('made') === true;
      }, `both ends of a ${connector.name} pair are connected`);
      await connector.ready?.(server as S, client as C);
    } catch (e) {
      await release();
      throw e;
    }
    return eventDrivenPair(server as S, client as C, { release });
  };
}

/** Makes pairs of `kind`: each on its own reactor, released (port, reactor, files) by `close()`. */
export function socketPairs(kind: SocketKind): MakePair {
  return reactorPairs({
    name: kind,
    async connect(reactor, server, client) {
      if (kind === 'UNIX') {
        const dir = mkdtempSync(join(tmpdir(), 'weft-contract-'));
        const cleanup = (): void => {
          rmSync(dir, { recursive: true, force: true });
        };
        const path = join(dir, 'socket');
        try {
          const port = await reactor.listenUNIX(path, server);
          reactor.connectUNIX(path, client);
          return { port, cleanup };
        } catch (e) {
          cleanup();
          throw e;
        }
      }
      const host = kind === 'TCP IPv4' ? '127.0.0.1' : '::1';
      const port = await reactor.listenTCP(0, server, { interface: host });
      const { port: number } = port.getHost() as IPv4Address | IPv6Address;
      reactor.connectTCP(host, number, client);
      return { port };
    },
  });
}

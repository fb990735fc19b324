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

/** Makes pairs of `kind`: each on its own reactor, released (port, reactor, files) by `close()`. */
export function socketPairs(kind: SocketKind): MakePair {
  return async <S extends Peer, C extends Peer>(
    Server: new () => S,
    Client: new () => C,
  ): Promise<TransportPair<S, C>> => {
    const reactor = new NodeReactor();
    let dir: string | undefined;
    let port: IListeningPort | undefined;
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
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    };

    try {
      if (kind === 'UNIX') {
        dir = mkdtempSync(join(tmpdir(), 'weft-contract-'));
        const path = join(dir, 'socket');
        port = await reactor.listenUNIX(path, serverFactory);
        reactor.connectUNIX(path, clientFactory);
      } else {
        const host = kind === 'TCP IPv4' ? '127.0.0.1' : '::1';
        port = await reactor.listenTCP(0, serverFactory, { interface: host });
        const { port: number } = port.getHost() as IPv4Address | IPv6Address;
        reactor.connectTCP(host, number, clientFactory);
      }
      await waitForPoke(() => {
        if (failed !== undefined) {
          throw new Error(`${kind}: the client could not connect (${reasonName(failed)})`);
        }
        return server?.events.includes('made') === true && client?.events.includes('made') === true;
      }, `both ends of a ${kind} pair are connected`);
    } catch (e) {
      await release();
      throw e;
    }
    return eventDrivenPair(server as S, client as C, { release });
  };
}

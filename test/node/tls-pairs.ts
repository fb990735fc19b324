// Connected pairs of the suite's protocols over TLS on 127.0.0.1 (listenSSL/connectSSL with the
// test CA, ALPN 'weft-test'), each on a fresh NodeReactor, for the transport contract and the
// chunking property. A pair is handed out once both ends have completed the handshake.
import { performance } from 'node:perf_hooks';

import type { IAddress, IPv4Address, IPv6Address } from '../../src/core/address.js';
import type { Failure } from '../../src/core/failure.js';
import type { IConnector, IListeningPort } from '../../src/core/interfaces/index.js';
import { ClientFactory, Factory } from '../../src/core/protocol.js';
import { TCPTransport } from '../../src/node/index.js';
import { NodeReactor } from '../../src/node/reactor.js';
import type { MakePair, TransportPair } from '../support/transport-pairs.js';
import { eventDrivenPair, waitForPoke } from '../support/transport-pairs.js';
import type { Peer } from '../support/transport-peers.js';
import { poke, reasonName } from '../support/transport-peers.js';
import { testCertificates } from '../support/tls-certs.js';

const ALPN = 'weft-test';

async function shutDown(reactor: NodeReactor): Promise<void> {
  const done = reactor.run({ installSignalHandlers: false });
  reactor.stop();
  await done;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/** Whether `peer`'s transport has finished its TLS handshake (ALPN is agreed only then). */
function handshakeDone(peer: Peer | undefined): boolean {
  const transport = peer?.transport;
  return transport instanceof TCPTransport && transport.negotiatedProtocol === ALPN;
}

/** Makes TLS pairs: each on its own reactor, released (port, reactor) by `close()`. */
export function tlsPairs(): MakePair {
  return async <S extends Peer, C extends Peer>(
    Server: new () => S,
    Client: new () => C,
  ): Promise<TransportPair<S, C>> => {
    const certs = await testCertificates();
    const reactor = new NodeReactor();
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
    };

    try {
      port = await reactor.listenSSL(
        0,
        serverFactory,
        { ...certs.server, acceptableProtocols: [ALPN] },
        { interface: '127.0.0.1' },
      );
      const { port: number } = port.getHost() as IPv4Address | IPv6Address;
      reactor.connectSSL('127.0.0.1', number, clientFactory, {
        trustRoot: certs.ca,
        acceptableProtocols: [ALPN],
      });
      await waitForPoke(() => {
        if (failed !== undefined) {
          throw new Error(`TLS: the client could not connect (${reasonName(failed)})`);
        }
        return server?.events.includes('made') === true && client?.events.includes('made') === true;
      }, 'both ends of a TLS pair are connected');
      // The handshake pokes nothing: wait for it turn by turn, bounded.
      const deadline = performance.now() + 10_000;
      while (!(handshakeDone(server) && handshakeDone(client))) {
        if (performance.now() > deadline || server?.isLost === true || client?.isLost === true) {
          throw new Error('TLS: the handshake did not complete');
        }
        await nextTurn();
      }
    } catch (e) {
      await release();
      throw e;
    }
    return eventDrivenPair(server as S, client as C, { release });
  };
}

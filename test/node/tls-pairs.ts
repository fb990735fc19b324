// Connected pairs of the suite's protocols over TLS on 127.0.0.1 (listenSSL/connectSSL with the
// test CA, ALPN 'weft-test'), each on a fresh NodeReactor, for the transport contract and the
// chunking property. A pair is handed out once both ends have completed the handshake.
import { performance } from 'node:perf_hooks';

import type { IPv4Address, IPv6Address } from '../../src/core/address.js';
import { TCPTransport } from '../../src/node/index.js';
import { testCertificates } from '../support/tls-certs.js';
import type { MakePair } from '../support/transport-pairs.js';
import type { Peer } from '../support/transport-peers.js';
import { reactorPairs } from './contract-pairs.js';

const ALPN = 'weft-test';

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
  return reactorPairs({
    name: 'TLS',
    async connect(reactor, server, client) {
      const certs = await testCertificates();
      const port = await reactor.listenSSL(
        0,
        server,
        { ...certs.server, acceptableProtocols: [ALPN] },
        { interface: '127.0.0.1' },
      );
      const { port: number } = port.getHost() as IPv4Address | IPv6Address;
      reactor.connectSSL('127.0.0.1', number, client, {
        trustRoot: certs.ca,
        acceptableProtocols: [ALPN],
      });
      return { port };
    },
    async ready(server, client) {
      // The handshake pokes nothing: wait for it turn by turn, bounded.
      const deadline = performance.now() + 10_000;
      while (!(handshakeDone(server) && handshakeDone(client))) {
        if (performance.now() > deadline || server.isLost || client.isLost) {
          throw new Error('TLS: the handshake did not complete');
        }
        await nextTurn();
      }
    },
  });
}

// Connected pairs of the suite's protocols over TLS, each on a fresh NodeReactor, for the
// transport contract and the chunking property: on 127.0.0.1 (listenSSL/connectSSL), or over a
// UNIX socket in a fresh temporary directory (wrapServerTLS/wrapClientTLS over UNIX endpoints);
// the test CA, ALPN 'weft-test'. A pair is handed out once both ends have completed the handshake.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { IPv4Address, IPv6Address } from '../../src/core/address.js';
import type { IConnector } from '../../src/core/interfaces/index.js';
import { isStartTLSTransport } from '../../src/core/interfaces/index.js';
import {
  UNIXClientEndpoint,
  UNIXServerEndpoint,
  wrapClientTLS,
  wrapServerTLS,
} from '../../src/node/index.js';
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
  const transport: unknown = peer?.transport;
  return isStartTLSTransport(transport) && transport.negotiatedProtocol === ALPN;
}

async function handshakes(server: Peer, client: Peer): Promise<void> {
  // The handshake pokes nothing: wait for it turn by turn, bounded.
  const deadline = performance.now() + 10_000;
  while (!(handshakeDone(server) && handshakeDone(client))) {
    if (performance.now() > deadline || server.isLost || client.isLost) {
      throw new Error('TLS: the handshake did not complete');
    }
    await nextTurn();
  }
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
    ready: handshakes,
  });
}

/** Makes TLS-over-UNIX pairs: each on its own reactor and in its own temporary directory. */
export function unixTLSPairs(): MakePair {
  return reactorPairs({
    name: 'TLS over UNIX',
    async connect(reactor, server, client) {
      const certs = await testCertificates();
      const dir = mkdtempSync(join(tmpdir(), 'weft-contract-tls-'));
      const cleanup = (): void => {
        rmSync(dir, { recursive: true, force: true });
      };
      const path = join(dir, 'socket');
      try {
        const port = await wrapServerTLS(
          { ...certs.server, acceptableProtocols: [ALPN] },
          new UNIXServerEndpoint(reactor, path),
        ).listen(server);
        wrapClientTLS(
          { trustRoot: certs.ca, hostname: 'localhost', acceptableProtocols: [ALPN] },
          new UNIXClientEndpoint(reactor, path),
        )
          .connect(client)
          .addErrback((failure) => {
            client.clientConnectionFailed(undefined as unknown as IConnector, failure);
          });
        return { port, cleanup };
      } catch (e) {
        cleanup();
        throw e;
      }
    },
    ready: handshakes,
  });
}

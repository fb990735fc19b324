// AMP's StartTLS over real TCP on 127.0.0.1, weft at both ends: either side may ask, calls made
// before the answer are held and then go encrypted, calls after the switch work over TLS, both
// sides may verify the other, and a rejected certificate reaches the calls as a typed error.
// Certificates are made at test time with openssl (test/support/tls-certs.ts).
import { assert, describe, it } from 'vitest';

import type { Deferred } from '../../src/core/defer.js';
import type { Failure } from '../../src/core/failure.js';
import type { ITLSTransport } from '../../src/core/interfaces/index.js';
import { CertificateVerificationError } from '../../src/core/tls-errors.js';
import { StartTLS } from '../../src/protocols/amp/index.js';
import { connectAMP, listenAMP } from '../support/amp-connect.js';
import { Peer, Sum } from '../support/amp-commands.js';
import { testCertificates } from '../support/tls-certs.js';
import { freshReactor } from './socket-helpers.js';

const certs = testCertificates();

/** How `d` settles, as a promise of either side. */
async function outcome<T>(d: Deferred<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await d };
  } catch (error) {
    return { error };
  }
}

/** The CN of the certificate the peer presented on `peer`'s connection. */
function peerName(peer: Peer): unknown {
  return (peer.transport as ITLSTransport).getPeerCertificate()?.subject.CN;
}

/** Resolves with the reason `peer`'s connection ended. */
function lostReason(peer: Peer): Promise<Failure> {
  return new Promise((resolve) => {
    const stop = peer.boxReceiver.stopReceivingBoxes.bind(peer.boxReceiver);
    peer.boxReceiver.stopReceivingBoxes = (reason) => {
      stop(reason);
      resolve(reason);
    };
  });
}

describe('AMP StartTLS over TCP', () => {
  it('the client asks: held calls and later calls go over TLS, the server verified', async () => {
    const { ca, server } = await certs;
    const reactor = freshReactor();
    const { port, accepted } = await listenAMP(reactor, () =>
      new Peer().respond(StartTLS, () => ({ tls_localCertificate: server })),
    );
    const client = await connectAMP(reactor, port, () => new Peer());
    const started = client.callRemote(StartTLS, { tls_verifyAuthorities: ca });
    const held = client.callRemote(Sum, { a: 1, b: 2 });
    assert.deepEqual(await started, {});
    assert.deepEqual(await held, { total: 3 });
    const many = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.callRemote(Sum, { a: i, b: 1 })),
    );
    assert.deepEqual(
      many.map((r) => r.total),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.equal(peerName(client), 'localhost');
    // The server calls back over the same TLS connection.
    const serverSide = await accepted;
    assert.deepEqual(await serverSide.callRemote(Sum, { a: 20, b: 22 }), { total: 42 });
  }, 30_000);

  it('the server asks: the client answers, then starts TLS as the TLS client; both verify', async () => {
    const { ca, server, client: clientPair } = await certs;
    const reactor = freshReactor();
    const { port, accepted } = await listenAMP(reactor, () => new Peer());
    const client = await connectAMP(reactor, port, () =>
      new Peer().respond(StartTLS, () => ({
        tls_localCertificate: clientPair,
        tls_verifyAuthorities: ca,
      })),
    );
    const serverSide = await accepted;
    await serverSide.callRemote(StartTLS, {
      tls_localCertificate: server,
      tls_verifyAuthorities: ca,
    });
    assert.deepEqual(await serverSide.callRemote(Sum, { a: 5, b: 6 }), { total: 11 });
    assert.deepEqual(await client.callRemote(Sum, { a: 7, b: 8 }), { total: 15 });
    assert.equal(peerName(serverSide), 'weft client');
    assert.equal(peerName(client), 'localhost');
  }, 30_000);

  it('fails the calls with CertificateVerificationError when the server certificate is untrusted', async () => {
    const { ca, selfSigned } = await certs;
    const reactor = freshReactor();
    const { port } = await listenAMP(reactor, () =>
      new Peer().respond(StartTLS, () => ({ tls_localCertificate: selfSigned })),
    );
    const client = await connectAMP(reactor, port, () => new Peer());
    const lost = lostReason(client);
    // The answer comes in clear, before the handshake: StartTLS itself succeeds.
    assert.deepEqual(await client.callRemote(StartTLS, { tls_verifyAuthorities: ca }), {});
    const after = await outcome(client.callRemote(Sum, { a: 1, b: 1 }));
    assert.instanceOf(after.error, CertificateVerificationError);
    assert.instanceOf((await lost).value, CertificateVerificationError);
  }, 30_000);
});

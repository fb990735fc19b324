// AMP StartTLS interop with Twisted 22.4 over real TCP on 127.0.0.1, both directions, with
// certificates made at test time by openssl: a weft client starting TLS with a Twisted server
// (amp_tls_peer.py server), a Twisted server starting TLS with a weft client (weft the responder
// and the TLS client), and a Twisted client starting TLS with a weft server
// (amp_tls_peer.py client). Calls held during the switch, calls after it, verification of each
// side's certificate, and an untrusted certificate failing the calls with a typed error.
import { fileURLToPath } from 'node:url';

import { assert, describe, it } from 'vitest';

import { Deferred } from '../../src/core/defer.js';
import type { ITLSTransport } from '../../src/core/interfaces/index.js';
import { CertificateVerificationError, TLSError } from '../../src/core/tls-errors.js';
import {
  Boolean as AmpBoolean,
  command,
  StartTLS,
  startTLSCommand,
} from '../../src/protocols/amp/index.js';
import { connectAMP, listenAMP } from '../support/amp-connect.js';
import { Back, Peer, Sum, WhoAmI } from '../support/amp-commands.js';
import { testCertificates } from '../support/tls-certs.js';
import { freshReactor } from '../node/socket-helpers.js';
import { outcome, pythonPeer, withListeningPeer } from './python-peer.js';

const PEER = fileURLToPath(new URL('amp_tls_peer.py', import.meta.url));
const certs = testCertificates();

/** amp_tls_peer.py's StartTLS subclass, answered with a self-signed certificate. */
const StartTLSSelfSigned = startTLSCommand({ name: 'StartTLSSelfSigned' });
/** Asks amp_tls_peer.py's server to call StartTLS on this client (with its self-signed certificate if `self_signed`). */
const InviteTLS = command({ name: 'InviteTLS', arguments: { self_signed: new AmpBoolean() } });

describe('AMP StartTLS interop with Twisted', () => {
  it('weft client → Twisted server: held and later calls over TLS, the server verified', async () => {
    const { ca, caPath, server, selfSigned } = await certs;
    const args = [
      'server',
      caPath,
      server.certificatePath,
      server.privateKeyPath,
      selfSigned.certificatePath,
      selfSigned.privateKeyPath,
    ];
    await withListeningPeer(PEER, args, async (port) => {
      const reactor = freshReactor();
      const amp = await connectAMP(reactor, port, () => new Peer());
      assert.deepEqual(await amp.callRemote(Sum, { a: 1, b: 2 }), { total: 3 });
      const started = amp.callRemote(StartTLS, { tls_verifyAuthorities: ca });
      const held = amp.callRemote(Sum, { a: 20, b: 22 });
      assert.deepEqual(await started, {});
      assert.deepEqual(await held, { total: 42 });
      const transport = amp.transport as ITLSTransport;
      assert.equal(transport.getPeerCertificate()?.subject.CN, 'localhost');
      // Twisted calls Double back on this client, over TLS, before answering Back.
      assert.deepEqual(await amp.callRemote(Back, { x: 20 }), { y: 41 });
      assert.deepEqual(await amp.callRemote(WhoAmI, {}), { cn: '' });
      const many = await Promise.all(
        Array.from({ length: 100 }, (_, i) => amp.callRemote(Sum, { a: i, b: i })),
      );
      assert.deepEqual(
        many.map((r) => r.total),
        Array.from({ length: 100 }, (_, i) => 2 * i),
      );

      // A Twisted server presenting a certificate the CA did not sign.
      const rogue = await connectAMP(reactor, port, () => new Peer());
      assert.deepEqual(
        await rogue.callRemote(StartTLSSelfSigned, { tls_verifyAuthorities: ca }),
        {},
      );
      const after = await outcome(rogue.callRemote(Sum, { a: 1, b: 1 }));
      assert.instanceOf(after.error, CertificateVerificationError);
    });
  }, 60_000);

  it('Twisted server → weft client: weft answers StartTLS, becomes the TLS client and verifies', async () => {
    const { ca, caPath, server, selfSigned, client, rogueClient } = await certs;
    const peer = pythonPeer(PEER, [
      'server',
      caPath,
      server.certificatePath,
      server.privateKeyPath,
      selfSigned.certificatePath,
      selfSigned.privateKeyPath,
    ]);
    /** A weft client answering StartTLS with `certificate`, verifying the server against the CA. */
    const connect = async (certificate: typeof client) => {
      const asked = new Deferred<void>();
      const amp = await connectAMP(reactor, port, () =>
        new Peer().respond(StartTLS, () => {
          asked.callback(undefined);
          return { tls_localCertificate: certificate, tls_verifyAuthorities: ca };
        }),
      );
      return { amp, asked: asked.asPromise() };
    };
    const reactor = freshReactor();
    let port = 0;
    try {
      port = Number((await peer.waitFor(/listening on (\d+)/))[1]);
      const { amp, asked } = await connect(client);
      assert.deepEqual(await amp.callRemote(Sum, { a: 1, b: 2 }), { total: 3 });
      assert.deepEqual(await amp.callRemote(InviteTLS, { self_signed: false }), {});
      await asked;
      // The StartTLS answer went in clear and TLS started right after it: this call is encrypted.
      assert.deepEqual(await amp.callRemote(Sum, { a: 20, b: 22 }), { total: 42 });
      // Twisted's call held during the switch (Double) reached this client over TLS, and Twisted
      // verified this client's certificate against the CA.
      assert.equal(
        (await peer.waitFor(/invited (ok|failed)[^\n]*\n/))[0],
        'invited ok weft client\n',
      );
      const transport = amp.transport as ITLSTransport;
      assert.equal(transport.getPeerCertificate()?.subject.CN, 'localhost');
      assert.deepEqual(await amp.callRemote(WhoAmI, {}), { cn: 'weft client' });
      assert.deepEqual(await amp.callRemote(Back, { x: 20 }), { y: 41 });

      // The Twisted server presents a certificate the CA did not sign: weft refuses it.
      const refusing = await connect(client);
      assert.deepEqual(await refusing.amp.callRemote(InviteTLS, { self_signed: true }), {});
      await refusing.asked;
      const after = await outcome(refusing.amp.callRemote(Sum, { a: 1, b: 1 }));
      assert.instanceOf(after.error, CertificateVerificationError);

      // This client presents a certificate the CA did not sign: Twisted refuses it.
      const refused = await connect(rogueClient);
      assert.deepEqual(await refused.amp.callRemote(InviteTLS, { self_signed: false }), {});
      await refused.asked;
      const lost = await outcome(refused.amp.callRemote(Sum, { a: 1, b: 1 }));
      assert.instanceOf(lost.error, TLSError);
      assert.equal(lost.error.code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    } catch (e) {
      throw new Error(`${String(e)}\n${peer.output()}`, { cause: e });
    } finally {
      peer.stop();
      await peer.exited;
    }
  }, 60_000);

  it('Twisted client → weft server: mutual verification, calls both ways over TLS', async () => {
    const { ca, caPath, server, client } = await certs;
    const reactor = freshReactor();
    const { port } = await listenAMP(reactor, () => {
      const amp = new Peer();
      amp.respond(StartTLS, () => ({ tls_localCertificate: server, tls_verifyAuthorities: ca }));
      amp.respond(WhoAmI, () => ({
        cn: String((amp.transport as ITLSTransport).getPeerCertificate()?.subject.CN ?? ''),
      }));
      return amp;
    });
    const peer = pythonPeer(PEER, [
      'client',
      String(port),
      caPath,
      client.certificatePath,
      client.privateKeyPath,
    ]);
    const code = await peer.exited;
    const out = peer.output();
    assert.equal(code, 0, out);
    for (const line of [
      'ok sum in clear',
      'ok starttls answered',
      'ok call held until the answer, then sent over TLS',
      'ok connection is TLS',
      'ok weft server certificate verified',
      'ok weft server saw the client certificate',
      'ok server calls back the client over TLS',
      'ok 100 calls over TLS',
      'done',
    ]) {
      assert.include(out, `${line}\n`, out);
    }
  }, 60_000);
});

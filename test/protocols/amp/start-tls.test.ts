// StartTLS on in-memory transports: the order of bytes around the switch (the answer in clear,
// TLS started before any later byte, bytes behind the answer handed to TLS), the options built
// from the local arguments, and every way it can fail. Real TLS is in test/node/amp-tls.test.ts
// and test/interop/amp-twisted-tls.test.ts.
import { assert, describe, it } from 'vitest';

import { ConnectionDone } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import type {
  ClientTLSOptions,
  ServerTLSOptions,
  StartTLSOptions,
} from '../../../src/core/interfaces/index.js';
import {
  AMP,
  AmpBox,
  Integer,
  OnlyOneTLS,
  StartTLS,
  startTLSCommand,
  TLSNotAvailable,
  tlsOptions,
  UnknownRemoteError,
} from '../../../src/protocols/amp/index.js';
import {
  capturedLogs,
  connectedServerAndClient,
  failureResultOf,
  StringTransport,
  successResultOf,
} from '../../../src/testing/index.js';
import { Calculator, Sum } from '../../support/amp-commands.js';
import { box, concat, settled, toHex } from './fixtures.js';

/** A StringTransport with `startTLS`, recording where in the written bytes each switch came. */
class FakeTLSTransport extends StringTransport {
  readonly starts: {
    at: number;
    options: ClientTLSOptions | ServerTLSOptions;
    received: Uint8Array | undefined;
  }[] = [];
  refuse: Error | null = null;

  startTLS(options: ClientTLSOptions | ServerTLSOptions, start?: StartTLSOptions): void {
    if (this.refuse !== null) throw this.refuse;
    this.starts.push({ at: this.value().length, options, received: start?.received });
  }
}

const KEY_PAIR = { certificate: 'CERT PEM', privateKey: 'KEY PEM' };

function onFake<P extends AMP>(amp: P): { amp: P; transport: FakeTLSTransport } {
  const transport = new FakeTLSTransport();
  amp.makeConnection(transport);
  return { amp, transport };
}

/** The first bytes of a TLS ClientHello: as a box key length (0x1603) they would be TooLong. */
const CLIENT_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]);

describe('StartTLS', () => {
  describe('responder side', () => {
    it('sends the answer in clear, then starts TLS with the options its responder returned', () => {
      const { amp, transport } = onFake(
        new AMP().respond(StartTLS, () => ({ tls_localCertificate: KEY_PAIR })),
      );
      amp.dataReceived(box({ _ask: '1', _command: 'StartTLS' }));
      const answer = box({ _answer: '1' });
      assert.equal(toHex(transport.value()), toHex(answer));
      assert.lengthOf(transport.starts, 1);
      assert.equal(transport.starts[0]?.at, answer.length);
      assert.deepEqual(transport.starts[0]?.options, {
        certificate: 'CERT PEM',
        privateKey: 'KEY PEM',
        clientCertificate: KEY_PAIR,
        verify: false,
      });
      assert.isUndefined(transport.starts[0]?.received);
    });

    it('hands the bytes behind the command to TLS instead of parsing them as boxes', () => {
      const { amp, transport } = onFake(
        new AMP().respond(StartTLS, () => ({ tls_localCertificate: KEY_PAIR })),
      );
      using logs = capturedLogs();
      amp.dataReceived(concat(box({ _ask: '1', _command: 'StartTLS' }), CLIENT_HELLO));
      assert.deepEqual(transport.starts[0]?.received, CLIENT_HELLO);
      assert.isFalse(transport.disconnecting);
      assert.deepEqual(logs.messages, []);
    });

    it('sends boxes written after the answer only after TLS has started', () => {
      const amp = new AMP();
      amp.respond(StartTLS, () => {
        // The answer is not sent yet: this box goes first, in clear.
        void amp.callRemote(Sum, { a: 1, b: 1 });
        return { tls_localCertificate: KEY_PAIR };
      });
      const { transport } = onFake(amp);
      amp.dataReceived(box({ _ask: '1', _command: 'StartTLS' }));
      const before = box({ _ask: '1', _command: 'Sum', a: '1', b: '1' });
      const answer = box({ _answer: '1' });
      assert.equal(transport.starts[0]?.at, before.length + answer.length);
      void amp.callRemote(Sum, { a: 2, b: 2 });
      assert.equal(
        toHex(transport.value()),
        toHex(concat(before, answer, box({ _ask: '2', _command: 'Sum', a: '2', b: '2' }))),
      );
    });

    it('answers TLS_ERROR, and stays in clear, on a transport without startTLS', () => {
      const amp = new AMP().respond(StartTLS, () => ({ tls_localCertificate: KEY_PAIR }));
      const transport = new StringTransport();
      amp.makeConnection(transport);
      amp.dataReceived(box({ _ask: '1', _command: 'StartTLS' }));
      const answer = AmpBox.of({
        _error: '1',
        _error_code: 'TLS_ERROR',
        _error_description: 'TLS not available: this connection cannot start TLS',
      });
      assert.equal(toHex(transport.value()), toHex(answer.serialize()));
      assert.isFalse(transport.disconnecting);
    });

    it('answers TLS_ERROR to a second StartTLS: TLS starts once per connection', () => {
      const { amp, transport } = onFake(
        new AMP().respond(StartTLS, () => ({ tls_localCertificate: KEY_PAIR })),
      );
      amp.dataReceived(box({ _ask: '1', _command: 'StartTLS' }));
      transport.clear();
      amp.dataReceived(box({ _ask: '2', _command: 'StartTLS' }));
      assert.include(transport.valueString(), 'TLS_ERROR');
      assert.include(transport.valueString(), 'TLS may only be started once per connection');
      assert.lengthOf(transport.starts, 1);
    });

    it('closes the connection with TLSNotAvailable when the transport refuses to start TLS', () => {
      const amp = new AMP().respond(StartTLS, () => ({}));
      const { transport } = onFake(amp);
      transport.refuse = new TypeError('startTLS as the server needs a certificate');
      let reason: Failure | undefined;
      amp.boxReceiver.stopReceivingBoxes = (r) => {
        reason = r;
      };
      using logs = capturedLogs();
      amp.dataReceived(box({ _ask: '1', _command: 'StartTLS' }));
      assert.isTrue(transport.disconnecting);
      amp.connectionLost(new Failure(new ConnectionDone()));
      const value = reason?.value;
      assert.instanceOf(value, TLSNotAvailable);
      assert.instanceOf(value.cause, TypeError);
      assert.lengthOf(logs.messages, 1);
    });

    it('starts TLS when a responder answers later, with the bytes buffered meanwhile', () => {
      let answer: ((v: { tls_localCertificate: typeof KEY_PAIR }) => void) | undefined;
      const amp = new AMP().respond(
        StartTLS,
        () =>
          new Promise((resolve) => {
            answer = resolve;
          }),
      );
      const { transport } = onFake(amp);
      amp.dataReceived(box({ _ask: '1', _command: 'StartTLS' }));
      assert.equal(transport.value().length, 0);
      answer?.({ tls_localCertificate: KEY_PAIR });
      return Promise.resolve().then(() => {
        assert.lengthOf(transport.starts, 1);
        assert.equal(transport.starts[0]?.at, box({ _answer: '1' }).length);
      });
    });
  });

  describe('caller side', () => {
    it('holds later boxes until the answer, starts TLS before anyone sees it, then sends them', () => {
      const { amp, transport } = onFake(new AMP());
      const order: string[] = [];
      const started = settled(
        amp
          .callRemote(StartTLS, { tls_verifyAuthorities: 'CA PEM', tls_hostname: 'amp.example' })
          .addCallback((r) => {
            order.push(`answered after ${String(transport.starts.length)} switch`);
            return r;
          }),
      );
      const command = box({ _ask: '1', _command: 'StartTLS' });
      assert.equal(toHex(transport.value()), toHex(command));
      const sum = settled(amp.callRemote(Sum, { a: 2, b: 3 }));
      assert.equal(toHex(transport.value()), toHex(command), 'Sum is held');
      amp.dataReceived(concat(box({ _answer: '1' }), CLIENT_HELLO));
      assert.deepEqual(order, ['answered after 1 switch']);
      assert.deepEqual(started.value, {});
      assert.deepEqual(transport.starts, [
        {
          at: command.length,
          options: {
            verify: true,
            trustRoot: 'CA PEM',
            clientAuthentication: 'require',
            hostname: 'amp.example',
          },
          received: CLIENT_HELLO,
        },
      ]);
      assert.equal(
        toHex(transport.value()),
        toHex(concat(command, box({ _ask: '2', _command: 'Sum', a: '2', b: '3' }))),
      );
      amp.dataReceived(box({ _answer: '2', total: '5' }));
      assert.deepEqual(sum.value, { total: 5 });
    });

    it('fails with TLSNotAvailable, sending nothing, on a transport without startTLS', () => {
      const { client, server, pump } = connectedServerAndClient(Calculator, AMP);
      const d = client.callRemote(StartTLS, {});
      assert.instanceOf(failureResultOf(d, TLSNotAvailable).value, TLSNotAvailable);
      pump.flush();
      const sum = client.callRemote(Sum, { a: 1, b: 1 });
      pump.flush();
      assert.deepEqual(successResultOf(sum), { total: 2 });
      assert.isTrue(server.connected);
    });

    it('fails a second StartTLS with OnlyOneTLS', () => {
      const { amp } = onFake(new AMP());
      void amp.callRemote(StartTLS, {});
      failureResultOf(amp.callRemote(StartTLS, {}), OnlyOneTLS);
    });

    it('goes on in clear after a refusal when nothing was held', () => {
      const { amp, transport } = onFake(new AMP());
      const d = settled(amp.callRemote(StartTLS, {}));
      amp.dataReceived(box({ _error: '1', _error_code: 'TLS_ERROR', _error_description: 'no' }));
      assert.instanceOf(d.failure?.value, TLSNotAvailable);
      transport.clear();
      void amp.callRemote(Sum, { a: 1, b: 1 });
      assert.equal(
        toHex(transport.value()),
        toHex(box({ _ask: '2', _command: 'Sum', a: '1', b: '1' })),
      );
      assert.lengthOf(transport.starts, 0);
    });

    it('never sends held boxes in clear: after a refusal it closes, failing their calls', () => {
      const { amp, transport } = onFake(new AMP());
      const d = settled(amp.callRemote(StartTLS, {}));
      const sum = settled(amp.callRemote(Sum, { a: 1, b: 1 }));
      transport.clear();
      amp.dataReceived(box({ _error: '1', _error_code: 'NOPE', _error_description: 'no' }));
      assert.instanceOf(d.failure?.value, UnknownRemoteError);
      assert.equal(transport.value().length, 0);
      assert.isTrue(transport.disconnecting);
      amp.connectionLost(new Failure(new ConnectionDone()));
      assert.instanceOf(sum.failure?.value, UnknownRemoteError);
    });
  });

  describe('startTLSCommand', () => {
    it('adds the TLS local arguments to a command of its own, with TLS_ERROR declared', () => {
      const Secure = startTLSCommand({
        name: 'Secure',
        arguments: { level: new Integer() },
        response: { granted: new Integer() },
      });
      assert.equal(Secure.kind, 'startTLS');
      assert.hasAllKeys(Secure.arguments, [
        'level',
        'tls_localCertificate',
        'tls_verifyAuthorities',
        'tls_hostname',
      ]);
      assert.equal(Secure.errors.TLS_ERROR, TLSNotAvailable);
      const { amp, transport } = onFake(new AMP());
      void amp.callRemote(Secure, { level: 3, tls_localCertificate: KEY_PAIR });
      assert.equal(
        toHex(transport.value()),
        toHex(box({ _ask: '1', _command: 'Secure', level: '3' })),
      );
    });

    it('refuses requiresAnswer: false', () => {
      assert.throws(() => startTLSCommand({ name: 'X', requiresAnswer: false as true }), TypeError);
    });
  });

  describe('tlsOptions', () => {
    it("maps Twisted's arguments onto options for either TLS role", () => {
      assert.deepEqual(tlsOptions({}), { verify: false });
      assert.deepEqual(
        tlsOptions({
          tls_localCertificate: { ...KEY_PAIR, passphrase: 'pw' },
          tls_verifyAuthorities: ['A', 'B'],
        }),
        {
          certificate: 'CERT PEM',
          privateKey: 'KEY PEM',
          passphrase: 'pw',
          clientCertificate: { ...KEY_PAIR, passphrase: 'pw' },
          verify: true,
          trustRoot: ['A', 'B'],
          clientAuthentication: 'require',
        },
      );
    });
  });
});

// Protocol switch commands on in-memory transports: the caller locks when it sends, switches on
// the answer (handing the new protocol the bytes behind the answer), unlocks on an error; the
// responder switches after sending its answer; no box is parsed after the switch, and calls
// still waiting fail with ProtocolSwitched. Twisted interop is in test/interop/amp-twisted.test.ts.
import { assert, describe, it } from 'vitest';

import { ConnectionDone } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import type { IProtocol } from '../../../src/core/interfaces/index.js';
import { Factory, Protocol } from '../../../src/core/protocol.js';
import {
  AMP,
  InvalidSignature,
  ProtocolSwitched,
  protocolSwitchCommand,
  UnhandledCommand,
  Unicode,
} from '../../../src/protocols/amp/index.js';
import {
  connectedServerAndClient,
  failureResultOf,
  StringTransport,
  successResultOf,
} from '../../../src/testing/index.js';
import { Calculator, Sum } from '../../support/amp-commands.js';
import { box, concat, settled, toHex } from './fixtures.js';

const SwitchToRaw = protocolSwitchCommand({
  name: 'SwitchToRaw',
  arguments: { greeting: new Unicode() },
});

const text = new TextDecoder();

/** Records what it gets; echoes it back when `echo` is set. */
class Raw extends Protocol {
  received = '';
  lost: Failure | null = null;
  made = false;
  echo = false;

  override connectionMade(): void {
    this.made = true;
  }

  override dataReceived(data: Uint8Array): void {
    this.received += text.decode(data);
    if (this.echo) this.transport.write(data);
  }

  override connectionLost(reason: Failure): void {
    this.lost = reason;
  }
}

function onString(amp: AMP): StringTransport {
  const transport = new StringTransport();
  amp.makeConnection(transport);
  return transport;
}

describe('protocolSwitchCommand', () => {
  describe('caller side', () => {
    it('locks on sending, then on the answer hands the connection and the bytes behind it over', () => {
      const amp = new AMP();
      const transport = onString(amp);
      const pending = settled(amp.callRemote(Sum, { a: 1, b: 1 }));
      const inner = new Raw();
      const built: unknown[] = [];
      const factory = {
        buildProtocol: (addr: unknown): IProtocol => {
          built.push(addr);
          return inner;
        },
      };
      const d = settled(
        amp.callRemote(SwitchToRaw, { greeting: 'hi', _protoToSwitchToFactory: factory }),
      );
      assert.equal(
        toHex(transport.value()),
        toHex(
          concat(
            box({ _ask: '1', _command: 'Sum', a: '1', b: '1' }),
            box({ _ask: '2', _command: 'SwitchToRaw', greeting: 'hi' }),
          ),
        ),
      );
      assert.throws(() => {
        void amp.callRemote(Sum, { a: 2, b: 2 });
      }, ProtocolSwitched);

      amp.dataReceived(concat(box({ _answer: '2' }), new TextEncoder().encode('raw bytes')));
      assert.deepEqual(built, [transport.getPeer()]);
      assert.strictEqual(d.value?.protocol, inner);
      assert.isTrue(inner.made);
      assert.strictEqual(inner.transport, transport);
      assert.equal(inner.received, 'raw bytes');
      assert.strictEqual(amp.innerProtocol, inner);
      // The Sum asked before can never be answered now.
      assert.instanceOf(pending.failure?.value, ProtocolSwitched);
      // What looks like an answer to it is the new protocol's data.
      amp.dataReceived(box({ _answer: '1', total: '2' }));
      assert.include(inner.received, '_answer');
      failureResultOf(amp.callRemote(Sum, { a: 3, b: 3 }), ProtocolSwitched);
      amp.connectionLost(new Failure(new ConnectionDone()));
      assert.instanceOf(inner.lost?.value, ConnectionDone);
    });

    it('unlocks and goes on with AMP when the switch is refused', () => {
      const amp = new AMP();
      const transport = onString(amp);
      const d = settled(
        amp.callRemote(SwitchToRaw, {
          greeting: 'hi',
          _protoToSwitchToFactory: Factory.forProtocol(Raw),
        }),
      );
      amp.dataReceived(
        box({ _error: '1', _error_code: 'UNHANDLED', _error_description: 'no switch' }),
      );
      assert.instanceOf(d.failure?.value, UnhandledCommand);
      transport.clear();
      void amp.callRemote(Sum, { a: 2, b: 2 });
      assert.equal(
        toHex(transport.value()),
        toHex(box({ _ask: '2', _command: 'Sum', a: '2', b: '2' })),
      );
      assert.isNull(amp.innerProtocol);
    });

    it('closes the connection when the factory builds no protocol', () => {
      const amp = new AMP();
      const transport = onString(amp);
      const d = settled(
        amp.callRemote(SwitchToRaw, {
          greeting: 'hi',
          _protoToSwitchToFactory: { buildProtocol: () => null },
        }),
      );
      amp.dataReceived(box({ _answer: '1' }));
      assert.instanceOf(d.failure?.value, ProtocolSwitched);
      assert.isTrue(transport.disconnecting);
    });

    it('needs the factory: without one the call fails with InvalidSignature', () => {
      const amp = new AMP();
      onString(amp);
      const args = { greeting: 'hi' } as Parameters<typeof amp.callRemote<typeof SwitchToRaw>>[1];
      failureResultOf(amp.callRemote(SwitchToRaw, args), InvalidSignature);
    });
  });

  describe('responder side', () => {
    it('sends an empty answer, then gives the connection and the bytes behind the command to the protocol it returned', () => {
      const inner = new Raw();
      let greeting = '';
      const amp = new AMP().respond(SwitchToRaw, (args) => {
        greeting = args.greeting;
        return { protocol: inner };
      });
      const transport = onString(amp);
      amp.dataReceived(
        concat(
          box({ _ask: '1', _command: 'SwitchToRaw', greeting: 'hello' }),
          new TextEncoder().encode('after'),
        ),
      );
      assert.equal(greeting, 'hello');
      assert.equal(toHex(transport.value()), toHex(box({ _answer: '1' })));
      assert.equal(inner.received, 'after');
      amp.dataReceived(new TextEncoder().encode(' and more'));
      assert.equal(inner.received, 'after and more');
      failureResultOf(amp.callRemote(Sum, { a: 1, b: 1 }), ProtocolSwitched);
    });
  });

  it('switches both ends of a connection, which then carries the new protocol', () => {
    const serverInner = new Raw();
    serverInner.echo = true;
    const clientInner = new Raw();
    const { client, server, pump } = connectedServerAndClient(
      {
        buildProtocol: () =>
          new Calculator().respond(SwitchToRaw, () => ({ protocol: serverInner })),
      },
      AMP,
    );
    const d = client.callRemote(SwitchToRaw, {
      greeting: 'hi',
      _protoToSwitchToFactory: { buildProtocol: () => clientInner },
    });
    pump.flush();
    assert.strictEqual(successResultOf(d).protocol, clientInner);
    clientInner.transport.write('ping');
    pump.flush();
    assert.equal(serverInner.received, 'ping');
    assert.equal(clientInner.received, 'ping');
    assert.strictEqual(server.innerProtocol, serverInner);
  });

  it('refuses requiresAnswer: false', () => {
    assert.throws(
      () => protocolSwitchCommand({ name: 'X', requiresAnswer: false as true }),
      TypeError,
    );
  });
});

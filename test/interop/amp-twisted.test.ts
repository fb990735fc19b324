// AMP interop with Twisted 22.4 over real TCP on 127.0.0.1, both directions: a weft client
// against a Twisted AMP server (amp_peer.py server), and a Twisted client against a weft server
// (amp_peer.py client). Every argument type with edge values, declared, fatal and unknown
// errors, requiresAnswer=false, calls from the server back to the client, many calls in flight.
import { fileURLToPath } from 'node:url';

import { assert, describe, it } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import { Factory, Protocol } from '../../src/core/protocol.js';
import { Deferred } from '../../src/core/defer.js';
import type { Failure } from '../../src/core/failure.js';
import { IPv4Address } from '../../src/core/address.js';
import { UnhandledCommand } from '../../src/protocols/amp/index.js';
import { freshReactor } from '../node/socket-helpers.js';
import { outcome, pythonPeer, withListeningPeer } from './python-peer.js';
import {
  Back,
  Boom,
  Divide,
  Echo,
  EDGE_CASES,
  GetNotes,
  Nope,
  Note,
  Peer,
  Runtime,
  Sum,
  SwitchToEcho,
  ZeroDivision,
} from '../support/amp-commands.js';
import { connectAMP } from '../support/amp-connect.js';

const PEER = fileURLToPath(new URL('amp_peer.py', import.meta.url));

describe('AMP interop with Twisted', () => {
  it('weft client → Twisted server: every argument type, errors, callbacks, 200 in flight', async () => {
    await withListeningPeer(PEER, ['server'], async (port) => {
      const reactor = freshReactor();
      const amp = await connectAMP(reactor, port, () => new Peer());
      assert.deepEqual(await amp.callRemote(Sum, { a: 13, b: 81 }), { total: 94 });
      for (const edge of EDGE_CASES) {
        const echoed = await amp.callRemote(Echo, edge);
        assert.deepEqual({ ...echoed, fl: String(echoed.fl) }, { ...edge, fl: String(edge.fl) });
      }
      const div = await outcome(amp.callRemote(Divide, { numerator: 1, denominator: 0 }));
      assert.instanceOf(div.error, ZeroDivision);
      assert.equal(div.error.message, 'division by zero');
      const nope = await outcome(amp.callRemote(Nope, {}));
      assert.instanceOf(nope.error, UnhandledCommand);
      assert.equal(nope.error.description, "Unhandled Command: b'Nope'");
      // Twisted's amp_HELLO, found by its SimpleStringLocator fallback.
      const hello = await amp.callRemoteString('hello', { hello: 'world' });
      assert.equal(hello?.getString('hello'), 'world');
      amp.callRemote(Note, { text: 'first' });
      amp.callRemote(Note, { text: 'second' });
      assert.deepEqual(await amp.callRemote(GetNotes, {}), { notes: ['first', 'second'] });
      // The server calls Double back on this client before answering Back.
      assert.deepEqual(await amp.callRemote(Back, { x: 20 }), { y: 41 });
      const many = await Promise.all(
        Array.from({ length: 200 }, (_, i) => amp.callRemote(Sum, { a: i, b: i })),
      );
      assert.deepEqual(
        many.map((r) => r.total),
        Array.from({ length: 200 }, (_, i) => 2 * i),
      );
      // A second connection, switched to Twisted's echo protocol.
      const echoed = new Deferred<string>();
      const collector = new (class extends Protocol {
        got = '';
        override connectionMade(): void {
          this.transport.write('ping over the switched connection');
        }
        override dataReceived(data: Uint8Array): void {
          this.got += new TextDecoder().decode(data);
          if (this.got.length >= 'ping over the switched connection'.length)
            echoed.callback(this.got);
        }
      })();
      const switching = await connectAMP(reactor, port, () => new Peer());
      const switched = await switching.callRemote(SwitchToEcho, {
        greeting: 'hi',
        _protoToSwitchToFactory: { buildProtocol: () => collector },
      });
      assert.strictEqual(switched.protocol, collector);
      assert.equal(await echoed, 'ping over the switched connection');
      switching.transport.loseConnection();
      const lost = new Deferred<{ reason: Failure }>();
      const stop = amp.boxReceiver.stopReceivingBoxes.bind(amp.boxReceiver);
      amp.boxReceiver.stopReceivingBoxes = (reason) => {
        stop(reason);
        lost.callback({ reason });
      };
      const boom = await outcome(amp.callRemote(Boom, {}));
      assert.instanceOf(boom.error, Runtime);
      assert.equal(boom.error.message, 'kaboom');
      const { reason } = await lost;
      assert.instanceOf(reason.value, ConnectionDone);
    });
  }, 60_000);

  it('Twisted client → weft server: every scenario passes on the Twisted side', async () => {
    const reactor = freshReactor();
    const port = await reactor.listenTCP(0, Factory.forProtocol(Peer), {
      interface: '127.0.0.1',
    });
    const host = port.getHost();
    assert.instanceOf(host, IPv4Address);
    const peer = pythonPeer(PEER, ['client', String(host.port)]);
    const code = await peer.exited;
    const out = peer.output();
    assert.equal(code, 0, out);
    for (const line of [
      'ok sum',
      'ok echo 0 ',
      'ok echo 1 ',
      'ok echo 2 ',
      'ok declared error',
      'ok unknown command',
      'ok string dispatch',
      'ok requiresAnswer false',
      'ok server calls back the client',
      'ok 200 calls in flight',
      'ok protocol switch answered',
      'ok switched connection echoes',
      'ok fatal error',
      'ok connection closed after fatal error',
      'done',
    ]) {
      assert.include(out, `${line}\n`, out);
    }
  }, 60_000);
});

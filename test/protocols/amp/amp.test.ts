import { assert, describe, it } from 'vitest';

import { Deferred, succeed } from '../../../src/core/defer.js';
import { ConnectionDone, ConnectionLost } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import {
  AMP,
  AmpBox,
  BadLocalReturn,
  command,
  InvalidSignature,
  MalformedAmpBox,
  NoEmptyBoxes,
  RemoteAmpError,
  TooLong,
  UnhandledCommand,
  Unicode,
  UnknownRemoteError,
} from '../../../src/protocols/amp/index.js';
import {
  capturedLogs,
  connectedServerAndClient,
  failureResultOf,
  StringTransport,
  successResultOf,
} from '../../../src/testing/index.js';
import {
  Runtime,
  Boom,
  Calculator,
  Divide,
  ZeroDivision,
  Nope,
  Note,
  Oops,
  Sum,
} from '../../support/amp-commands.js';
import {
  BOOM_ERROR,
  DIVIDE_CALL,
  DIVIDE_ERROR,
  hex,
  NOPE_ERROR,
  NOTE_CALL,
  SUM_ANSWER,
  SUM_CALL,
  SUM_EXTRA_ANSWER,
  settled,
  toHex,
  unknownError,
} from './fixtures.js';

/** An AMP on a StringTransport. */
function onString<P extends AMP>(amp: P): { amp: P; transport: StringTransport } {
  const transport = new StringTransport();
  amp.makeConnection(transport);
  return { amp, transport };
}

/** What the Calculator writes back for `box`, and whether it then closes. */
function serve(box: Record<string, string>): { wire: string; closed: boolean; logged: string[] } {
  const { amp, transport } = onString(new Calculator());
  using logs = capturedLogs();
  amp.dataReceived(AmpBox.of(box).serialize());
  return { wire: toHex(transport.value()), closed: transport.disconnecting, logged: logs.messages };
}

describe('AMP', () => {
  describe('callRemote', () => {
    it("sends Twisted's bytes: tags count from 1 in hex, used even without _ask", () => {
      const { amp, transport } = onString(new AMP());
      void amp.callRemote(Sum, { a: 13, b: 81 });
      assert.equal(toHex(transport.value()), toHex(hex(SUM_CALL)));
      transport.clear();
      amp.callRemote(Note, { text: 'hi' });
      assert.equal(toHex(transport.value()), NOTE_CALL);
      transport.clear();
      void amp.callRemote(Divide, { numerator: 1, denominator: 0 }).addErrback(() => null);
      assert.equal(toHex(transport.value()), DIVIDE_CALL);
    });

    it('fires with the typed response when the answer comes', () => {
      const { amp } = onString(new AMP());
      const d = amp.callRemote(Sum, { a: 1, b: 2 });
      for (let i = 2; i <= 255; i++) void amp.callRemote(Sum, { a: 0, b: 0 });
      amp.dataReceived(hex(SUM_ANSWER)); // answers tag ff, the 255th call
      assert.equal(amp.dispatcher.outstandingCount, 254);
      amp.dataReceived(AmpBox.of({ _answer: '1', total: '3' }).serialize());
      assert.deepEqual(successResultOf(d), { total: 3 });
    });

    it('fails with the declared error class, built from the description', () => {
      const { amp } = onString(new AMP());
      void amp.callRemote(Sum, { a: 1, b: 2 });
      const d = settled(amp.callRemote(Divide, { numerator: 1, denominator: 0 }));
      amp.dataReceived(hex(DIVIDE_ERROR));
      assert.instanceOf(d.failure?.value, ZeroDivision);
      assert.equal(d.failure.value.message, 'division by zero');
    });

    it('fails with UnhandledCommand for UNHANDLED, UnknownRemoteError for other codes', () => {
      const { amp, transport } = onString(new AMP());
      const calls = [1, 2, 3, 4].map(() => settled(amp.callRemote(Nope, {})));
      amp.dataReceived(hex(NOPE_ERROR));
      amp.dataReceived(hex(unknownError('1')));
      amp.dataReceived(hex(BOOM_ERROR)); // BOOM is not declared by Nope
      const unhandled = calls[2]?.failure?.value;
      assert.instanceOf(unhandled, UnhandledCommand);
      assert.equal(unhandled.description, "Unhandled Command: b'Nope'");
      const unknown = calls[0]?.failure?.value;
      assert.instanceOf(unknown, UnknownRemoteError);
      assert.equal(unknown.description, 'Unknown Error');
      assert.instanceOf(calls[3]?.failure?.value, UnknownRemoteError);
      assert.isFalse(transport.disconnecting);
    });

    it('maps a fatal error code to its class', () => {
      const { amp } = onString(new AMP());
      void amp.callRemote(Sum, { a: 1, b: 2 }).addErrback(() => null);
      void amp.callRemote(Sum, { a: 1, b: 2 }).addErrback(() => null);
      void amp.callRemote(Sum, { a: 1, b: 2 }).addErrback(() => null);
      const d = settled(amp.callRemote(Boom, {}));
      amp.dataReceived(hex(BOOM_ERROR));
      assert.instanceOf(d.failure?.value, Runtime);
      assert.equal(d.failure.value.message, 'kaboom');
    });

    it('fails with InvalidSignature for a missing argument, and throws for an extra one', () => {
      const { amp, transport } = onString(new AMP());
      const d = amp.callRemote(Sum, { a: 1 } as { a: number; b: number });
      assert.equal(
        (failureResultOf(d, InvalidSignature).value as Error).message,
        'forgot b for Sum',
      );
      assert.throws(
        () => {
          void amp.callRemote(Sum, { a: 1, b: 2, c: 3 } as { a: number; b: number });
        },
        InvalidSignature,
        'c is not a valid argument',
      );
      assert.throws(() => {
        amp.callRemote(Note, {} as { text: string });
      }, InvalidSignature);
      assert.equal(transport.value().length, 0);
    });

    it('throws at once for a value its type cannot send', () => {
      const { amp } = onString(new AMP());
      assert.throws(() => {
        void amp.callRemote(Sum, { a: 0.5, b: 1 });
      }, RangeError);
    });

    it('drops the connection, logging, when a failed call is left unhandled', () => {
      const { amp, transport } = onString(new AMP());
      void amp.callRemote(Divide, { numerator: 1, denominator: 0 });
      const logs = capturedLogs(() => {
        amp.dataReceived(hex(DIVIDE_ERROR.replace('000132', '000131')));
      });
      assert.isTrue(transport.disconnecting);
      assert.match(logs[0]?.log_format ?? '', /unhandled by client application/);
      assert.instanceOf(logs[0]?.log_failure?.value, ZeroDivision);
    });

    it('fails every outstanding call with the loss reason, and every later call at once', () => {
      const { amp, transport } = onString(new AMP());
      const calls = [amp.callRemote(Sum, { a: 1, b: 2 }), amp.callRemote(Sum, { a: 3, b: 4 })];
      const reason = new Failure(new ConnectionLost('cable cut'));
      amp.connectionLost(reason);
      for (const d of calls) assert.equal(failureResultOf(d, ConnectionLost).value, reason.value);
      transport.clear();
      failureResultOf(amp.callRemote(Sum, { a: 1, b: 2 }), ConnectionLost);
      amp.callRemote(Note, { text: 'late' });
      assert.equal(transport.value().length, 0);
      failureResultOf(amp.callRemoteString('Sum') as Deferred<AmpBox>, ConnectionLost);
    });
  });

  describe('answering (byte-exact with Twisted 22.4)', () => {
    it('answers Sum', () => {
      const r = serve({ _ask: 'ff', _command: 'Sum', a: '1', b: '2' });
      assert.deepEqual([r.wire, r.closed], [SUM_ANSWER, false]);
    });

    it('ignores an extra argument', () => {
      const r = serve({ _ask: '7', _command: 'Sum', a: '1', b: '2', c: '3' });
      assert.deepEqual([r.wire, r.closed], [SUM_EXTRA_ANSWER, false]);
    });

    it('answers a declared error with its code and message, keeping the connection', () => {
      const r = serve({ _ask: '2', _command: 'Divide', numerator: '1', denominator: '0' });
      assert.deepEqual([r.wire, r.closed], [DIVIDE_ERROR, false]);
    });

    it('answers an unknown command UNHANDLED, keeping the connection', () => {
      const r = serve({ _ask: '3', _command: 'Nope' });
      assert.deepEqual([r.wire, r.closed, r.logged], [NOPE_ERROR, false, []]);
    });

    it('answers a declared fatal error with its code, then closes', () => {
      const r = serve({ _ask: '4', _command: 'Boom' });
      assert.deepEqual([r.wire, r.closed], [BOOM_ERROR, true]);
    });

    it('answers an undeclared error UNKNOWN, logs it and closes', () => {
      const r = serve({ _ask: '5', _command: 'Oops' });
      assert.deepEqual([r.wire, r.closed], [unknownError('5'), true]);
      assert.match(r.logged.join('\n'), /undeclared error/);
    });

    it('answers a missing argument or an unparsable one UNKNOWN, and closes', () => {
      for (const box of [
        { _ask: '6', _command: 'Sum', a: '1' },
        { _ask: '6', _command: 'Sum', a: 'x', b: '2' },
      ]) {
        const r = serve(box);
        assert.deepEqual([r.wire, r.closed], [unknownError('6'), true]);
      }
    });

    it('sends nothing for a command without _ask, and drops the connection if it fails', () => {
      const ok = serve({ _command: 'Sum', a: '1', b: '2' });
      assert.deepEqual([ok.wire, ok.closed], ['', false]);
      const nope = serve({ _command: 'Nope' });
      assert.deepEqual([nope.wire, nope.closed], ['', true]);
      assert.match(nope.logged.join('\n'), /unhandled by client application/);
    });

    it('answers with BadLocalReturn as UNKNOWN when the response cannot be serialized', () => {
      const Bad = command({ name: 'Bad', response: { n: new Unicode() } });
      const amp = new AMP().respond(Bad, () => ({ n: undefined as unknown as string }));
      const { transport } = onString(amp);
      const logs = capturedLogs(() => {
        amp.dataReceived(AmpBox.of({ _ask: '1', _command: 'Bad' }).serialize());
      });
      assert.equal(toHex(transport.value()), unknownError('1'));
      assert.instanceOf(logs[0]?.log_failure?.value, BadLocalReturn);
    });

    it('answers a responder that throws a RemoteAmpError with its code', () => {
      const Custom = command({ name: 'Custom' });
      const amp = new AMP().respond(Custom, () => {
        throw new RemoteAmpError('MINE', 'mine');
      });
      const { transport } = onString(amp);
      amp.dataReceived(AmpBox.of({ _ask: '1', _command: 'Custom' }).serialize());
      const answer = transport.value();
      assert.include(new TextDecoder().decode(answer), 'MINE');
      assert.isFalse(transport.disconnecting);
    });

    it('answers out of order when responders finish out of order', () => {
      const Slow = command({
        name: 'Slow',
        arguments: { id: new Unicode() },
        response: { id: new Unicode() },
      });
      const pending = new Map<string, Deferred<{ id: string }>>();
      const amp = new AMP().respond(Slow, ({ id }) => {
        const d = new Deferred<{ id: string }>();
        pending.set(id, d);
        return d;
      });
      const { transport } = onString(amp);
      amp.dataReceived(AmpBox.of({ _ask: '1', _command: 'Slow', id: 'first' }).serialize());
      amp.dataReceived(AmpBox.of({ _ask: '2', _command: 'Slow', id: 'second' }).serialize());
      pending.get('second')?.callback({ id: 'second' });
      pending.get('first')?.callback({ id: 'first' });
      const text = new TextDecoder().decode(transport.value());
      assert.isBelow(text.indexOf('second'), text.indexOf('first'));
    });
  });

  describe('between two AMPs', () => {
    it('calls each way on one connection, with promise and Deferred responders', async () => {
      const { client, server, pump } = connectedServerAndClient(Calculator, Calculator);
      const Echo = command({
        name: 'Echo',
        arguments: { text: new Unicode() },
        response: { text: new Unicode() },
      });
      client.respond(Echo, async ({ text }) => {
        await Promise.resolve();
        return { text: `client: ${text}` };
      });
      server.respond(Echo, ({ text }) => succeed({ text: `server: ${text}` }));
      const fromClient = client.callRemote(Echo, { text: 'hi' });
      const fromServer = server.callRemote(Echo, { text: 'yo' });
      pump.flush();
      await Promise.resolve();
      await Promise.resolve();
      pump.flush();
      assert.deepEqual(successResultOf(fromClient), { text: 'server: hi' });
      assert.deepEqual(successResultOf(fromServer), { text: 'client: yo' });
    });

    it('delivers requiresAnswer=false commands and many calls in flight', () => {
      const { client, server, pump } = connectedServerAndClient(Calculator, AMP);
      const calls = Array.from({ length: 500 }, (_, i) => client.callRemote(Sum, { a: i, b: 1 }));
      client.callRemote(Note, { text: 'noted' });
      pump.flush();
      assert.deepEqual(
        calls.map((d) => successResultOf(d).total),
        Array.from({ length: 500 }, (_, i) => i + 1),
      );
      assert.deepEqual(server.notes, ['noted']);
    });

    it('fails outstanding calls with ConnectionDone when the peer closes after a fatal error', () => {
      const { client, pump } = connectedServerAndClient(Calculator, AMP);
      const boom = settled(client.callRemote(Boom, {}));
      const sum = client.callRemote(Sum, { a: 1, b: 1 });
      pump.flush();
      assert.instanceOf(boom.failure?.value, Runtime);
      failureResultOf(sum, ConnectionDone);
    });
  });

  describe('protocol errors', () => {
    function broken(bytes: Uint8Array): {
      reason: Failure | undefined;
      closed: boolean;
      logged: string[];
      outstanding: Deferred;
    } {
      const { amp, transport } = onString(new AMP());
      const outstanding = amp.callRemote(Sum, { a: 1, b: 2 });
      using logs = capturedLogs();
      amp.dataReceived(bytes);
      amp.dataReceived(hex(SUM_ANSWER)); // ignored once broken
      const closed = transport.disconnecting;
      amp.connectionLost(new Failure(new ConnectionDone()));
      const reason = outstanding.called ? failureResultOf(outstanding) : undefined;
      return { reason, closed, logged: logs.messages, outstanding };
    }

    it('closes on an over-long key, failing calls with a remote TooLong', () => {
      const r = broken(hex('0100'));
      assert.isTrue(r.closed);
      assert.instanceOf(r.reason?.value, TooLong);
      assert.match(r.logged.join('\n'), /protocol error/);
    });

    it('closes on an empty box (NoEmptyBoxes) and on an answer to no call', () => {
      assert.instanceOf(broken(hex('0000')).reason?.value, NoEmptyBoxes);
      const stray = broken(AmpBox.of({ _answer: '99', total: '1' }).serialize());
      assert.instanceOf(stray.reason?.value, MalformedAmpBox);
      const noCode = broken(AmpBox.of({ _error: '1' }).serialize());
      assert.instanceOf(noCode.reason?.value, MalformedAmpBox);
    });

    it('closes on a box over maxBoxLength', () => {
      const amp = new AMP({ maxBoxLength: 100 });
      const { transport } = onString(amp);
      using _logs = capturedLogs();
      amp.dataReceived(AmpBox.of({ _command: 'x', v: 'y'.repeat(200) }).serialize());
      assert.isTrue(transport.disconnecting);
    });

    it('logs a box cut short by the end of the connection', () => {
      const { amp } = onString(new AMP());
      const events = capturedLogs(() => {
        amp.dataReceived(hex(SUM_CALL).subarray(0, 10));
        amp.connectionLost(new Failure(new ConnectionDone()));
      });
      assert.match(events.map((e) => e.log_format).join('\n'), /middle of a box/);
    });

    it('sends nothing once the connection is gone', () => {
      const { amp } = onString(new AMP());
      amp.connectionLost(new Failure(new ConnectionDone()));
      assert.throws(() => {
        amp.sendBox(new AmpBox());
      }, ConnectionLost);
      // An answer ready after the loss is dropped quietly.
      const { amp: late, transport } = onString(new AMP());
      const d = new Deferred<Record<string, never>>();
      late.respond(Oops, () => d);
      late.dataReceived(AmpBox.of({ _ask: '1', _command: 'Oops' }).serialize());
      late.connectionLost(new Failure(new ConnectionDone()));
      d.callback({});
      assert.equal(transport.value().length, 0);
    });
  });
});

import { assert, describe, it } from 'vitest';

import { Deferred, succeed } from '../../../src/core/defer.js';
import {
  AMP,
  AmpBox,
  BadLocalReturn,
  locateStringResponder,
  RemoteAmpError,
  SimpleStringLocator,
  UnhandledCommand,
} from '../../../src/protocols/amp/index.js';
import {
  capturedLogs,
  connectedServerAndClient,
  failureResultOf,
  StringTransport,
  successResultOf,
} from '../../../src/testing/index.js';
import { Sum } from '../../support/amp-commands.js';
import { toHex, unknownError } from './fixtures.js';

// Twisted 22.4's answers, made with /usr/bin/python3 from an amp.AMP subclass with the same
// amp_HELLO (its test_amp.py's SimpleSymmetricProtocol) on a StringTransport.
/** `{_ask: 1, _command: hello, hello: world}` → `{_answer: 1, hello: world}`. */
const HELLO_ANSWER = '00075f616e73776572000131000568656c6c6f0005776f726c640000';
/** `{_ask: 2, _command: Hello, hello: x}` (any case finds amp_HELLO) → `{_answer: 2, hello: x}`. */
const HELLO_MIXED_CASE_ANSWER = '00075f616e73776572000132000568656c6c6f0001780000';
/** `{_ask: 3, _command: bye}` → `UNHANDLED`, `Unhandled Command: b'bye'`; the connection stays. */
const BYE_UNHANDLED =
  '00065f6572726f72000133000b5f6572726f725f636f64650009554e48414e444c454400125f6572726f725f6465736372697074696f6e0019556e68616e646c656420436f6d6d616e643a206227627965270000';

/** Twisted's SimpleSymmetricProtocol: answers `hello` from a raw box, and has a typed Sum. */
class Hello extends AMP {
  constructor() {
    super();
    this.respond(Sum, ({ a, b }) => ({ total: a + b }));
  }

  amp_HELLO(box: AmpBox): AmpBox {
    return AmpBox.of({ hello: box.get('hello') ?? '' });
  }

  /** Loses to the typed responder registered for Sum. */
  amp_SUM(): AmpBox {
    return AmpBox.of({ total: '-1' });
  }

  amp_LATER(box: AmpBox): Deferred<AmpBox> {
    return succeed(AmpBox.of({ later: box.get('x') ?? '' }));
  }

  async amp_PROMISED(): Promise<AmpBox> {
    await Promise.resolve();
    return AmpBox.of({ promised: 'yes' });
  }

  amp_REFUSE(): AmpBox {
    throw new RemoteAmpError('NO_THANKS', 'not today');
  }

  amp_WRONG(): unknown {
    return { hello: 'a plain object' };
  }

  amp_NUMBER = 7;
}

/** What `amp` writes back for `box`, whether it then closes, and what it logged. */
function serve(amp: AMP, box: Record<string, string>) {
  const transport = new StringTransport();
  amp.makeConnection(transport);
  using logs = capturedLogs();
  amp.dataReceived(AmpBox.of(box).serialize());
  return { wire: toHex(transport.value()), closed: transport.disconnecting, logged: logs.messages };
}

describe('AMP', () => {
  describe('locateResponder (the amp_NAME fallback)', () => {
    it("answers a command with its amp_NAME method, byte for byte as Twisted's", () => {
      const r = serve(new Hello(), { _ask: '1', _command: 'hello', hello: 'world' });
      assert.deepEqual([r.wire, r.closed], [HELLO_ANSWER, false]);
      const mixed = serve(new Hello(), { _ask: '2', _command: 'Hello', hello: 'x' });
      assert.equal(mixed.wire, HELLO_MIXED_CASE_ANSWER);
    });

    it('answers UNHANDLED, as Twisted, when there is neither a responder nor a method', () => {
      for (const name of ['bye', 'NUMBER']) {
        const r = serve(new Hello(), { _ask: '3', _command: name });
        if (name === 'bye') assert.equal(r.wire, BYE_UNHANDLED);
        else assert.include(r.wire, toHex(new TextEncoder().encode('UNHANDLED')));
        assert.deepEqual([r.closed, r.logged], [false, []]);
      }
    });

    it('prefers the responder registered for the exact name', () => {
      const { client, pump } = connectedServerAndClient(Hello, AMP);
      const typed = client.callRemote(Sum, { a: 1, b: 2 });
      const raw = client.callRemoteString('SUM', { a: '1', b: '2' }) as Deferred<AmpBox>;
      pump.flush();
      assert.deepEqual(successResultOf(typed), { total: 3 });
      assert.equal(successResultOf(raw).getString('total'), '-1'); // 'SUM' is not 'Sum'
    });

    it('takes answers as Deferreds and promises, and error codes from RemoteAmpError', async () => {
      const { client, pump } = connectedServerAndClient(Hello, AMP);
      const later = client.callRemoteString('later', { x: 'y' }) as Deferred<AmpBox>;
      const promised = client.callRemoteString('promised') as Deferred<AmpBox>;
      // A call's failure must be handled before its answer comes, or it drops the connection.
      const failures: unknown[] = [];
      for (const name of ['refuse', 'bye']) {
        void (client.callRemoteString(name) as Deferred<AmpBox>).addErrback((f) => {
          failures.push(f.value);
        });
      }
      pump.flush();
      assert.equal(successResultOf(later).getString('later'), 'y');
      const [error, unhandled] = failures as [RemoteAmpError, UnhandledCommand];
      assert.instanceOf(error, RemoteAmpError);
      assert.deepEqual([error.errorCode, error.description], ['NO_THANKS', 'not today']);
      assert.instanceOf(unhandled, UnhandledCommand);
      assert.equal(unhandled.description, "Unhandled Command: b'bye'");
      // The promise settles on the microtask queue, drained before the next macrotask.
      await new Promise((resolve) => setImmediate(resolve));
      pump.flush();
      assert.equal(successResultOf(promised).getString('promised'), 'yes');
    });

    it('answers UNKNOWN and closes when the method returns something other than a box', () => {
      const r = serve(new Hello(), { _ask: '5', _command: 'wrong' });
      assert.deepEqual([r.wire, r.closed], [unknownError('5'), true]);
      assert.match(r.logged.join('\n'), /undeclared error/);
    });

    it('looks methods up under another prefix when baseDispatchPrefix is changed', () => {
      const amp = new Hello();
      amp.baseDispatchPrefix = 'cmd_';
      assert.isUndefined(amp.locateResponder('hello'));
      assert.isDefined(new Hello().locateResponder('hello'));
    });
  });
});

describe('SimpleStringLocator', () => {
  class Greeter extends SimpleStringLocator {
    greeted = 0;
    amp_HELLO(box: AmpBox): AmpBox {
      this.greeted += 1; // called with the locator as `this`
      return AmpBox.of({ hello: box.get('hello') ?? '' });
    }
  }

  it('answers for an AMP given it as its locator; a command with no method is UNHANDLED', () => {
    const greeter = new Greeter();
    const r = serve(new AMP({ locator: greeter }), {
      _ask: '1',
      _command: 'hello',
      hello: 'world',
    });
    assert.deepEqual([r.wire, greeter.greeted], [HELLO_ANSWER, 1]);
    assert.equal(
      serve(new AMP({ locator: greeter }), { _ask: '3', _command: 'bye' }).wire,
      BYE_UNHANDLED,
    );
  });

  it("uses its own baseDispatchPrefix, and upper-cases ASCII letters only (Python's bytes.upper)", () => {
    class Prefixed extends SimpleStringLocator {
      override baseDispatchPrefix = 'cmd_';
      cmd_STRAßE(): AmpBox {
        return new AmpBox();
      }
    }
    const locator = new Prefixed();
    assert.isDefined(locator.locateResponder('straße'));
    assert.isUndefined(locator.locateResponder('strasse'));
    assert.isUndefined(new Greeter().locateResponder('constructor'));
    assert.isUndefined(locateStringResponder({}, 'toString', ''));
  });

  it('fails with BadLocalReturn when a method does not return a box', () => {
    const responder = locateStringResponder({ amp_X: () => 'text' }, 'x');
    const d = responder?.(new AmpBox()) as Deferred<AmpBox>;
    const text = failureResultOf(d, BadLocalReturn).value as BadLocalReturn;
    assert.match(text.message, /amp_X returned string, not an AmpBox/);
    const nothing = locateStringResponder({ amp_Y: () => null }, 'y')?.(new AmpBox());
    const empty = failureResultOf(nothing as Deferred<AmpBox>, BadLocalReturn).value as Error;
    assert.match(empty.message, /amp_Y returned null/);
  });
});

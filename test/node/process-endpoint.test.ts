// ProcessEndpoint and the `process:` client string, over real child processes (cat, sh, node).
import { afterEach, assert, describe, it } from 'vitest';

import { ConnectionDone, NoProtocol } from '../../src/core/errors.js';
import { EndpointArgumentError, EndpointStringError } from '../../src/core/endpoint-errors.js';
import type { Deferred } from '../../src/core/defer.js';
import type { Failure } from '../../src/core/failure.js';
import type { IProcessTransport } from '../../src/core/interfaces/process.js';
import { ProcessSpawnError, ProcessTerminated } from '../../src/core/process-errors.js';
import { ProcessAddress } from '../../src/core/process-protocol.js';
import { Factory, Protocol } from '../../src/core/protocol.js';
import { clientFromString } from '../../src/node/endpoint-strings.js';
import { connectProtocol } from '../../src/node/endpoint-wrapping.js';
import { ProcessEndpoint } from '../../src/node/process-endpoint.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { MemoryReactorClock } from '../../src/testing/memory-reactor.js';
import { INHERIT, nodeArgs, openFds } from './process-helpers.js';

const reactor = new NodeReactor();
let logs: LogCapture | null = null;

afterEach(() => {
  logs?.stop();
  logs = null;
});

/** Records what the child sends and how the connection ends. */
class Collector extends Protocol {
  readonly events: string[] = [];
  received = '';
  readonly lost: Promise<Failure>;
  #resolve!: (reason: Failure) => void;
  constructor() {
    super();
    this.lost = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
  override connectionMade(): void {
    this.events.push('connectionMade');
  }
  override dataReceived(data: Uint8Array): void {
    this.received += new TextDecoder().decode(data);
  }
  override connectionLost(reason: Failure): void {
    this.events.push('connectionLost');
    this.#resolve(reason);
  }
}

function failureOf(d: Deferred): Promise<Failure> {
  return new Promise((resolve, reject) => {
    d.addCallbacks(
      () => {
        reject(new Error('expected a failure'));
      },
      (f) => {
        resolve(f);
      },
    );
  });
}

describe('ProcessEndpoint', () => {
  describe('connect', () => {
    it("runs the protocol over the child's stdin and stdout, firing after connectionMade", async () => {
      const endpoint = new ProcessEndpoint(reactor, 'cat', ['cat'], INHERIT);
      const proto = new Collector();
      const order: string[] = [];
      const d = connectProtocol(endpoint, proto);
      d.addCallback((p) => {
        order.push(`fired after ${p.events.join(',')}`);
        return p;
      });
      const connected = await d.asPromise();
      assert.strictEqual(connected, proto);
      assert.deepEqual(order, ['fired after connectionMade']);
      assert.instanceOf(proto.transport.getPeer(), ProcessAddress);
      proto.transport.write('hello, cat');
      // EOF on cat's stdin: it echoes, then exits 0. (loseConnection() would close stdout too.)
      (proto.transport as IProcessTransport).closeStdin();
      const reason = await proto.lost;
      assert.equal(proto.received, 'hello, cat');
      assert.instanceOf(reason.value, ConnectionDone);
      assert.deepEqual(proto.events, ['connectionMade', 'connectionLost']);
    });

    it('ends the protocol with ProcessTerminated when the child exits with an error', async () => {
      const endpoint = new ProcessEndpoint(reactor, process.execPath, nodeArgs('process.exit(7)'));
      const proto = new Collector();
      await connectProtocol(endpoint, proto).asPromise();
      const reason = await proto.lost;
      assert.instanceOf(reason.value, ProcessTerminated);
      assert.equal(reason.value.exitCode, 7);
    });

    it('fails with ProcessSpawnError (ENOENT) for a missing executable; the protocol is never connected', async () => {
      const endpoint = new ProcessEndpoint(reactor, '/nonexistent/weft-no-such-program');
      const proto = new Collector();
      const failure = await failureOf(connectProtocol(endpoint, proto));
      assert.instanceOf(failure.value, ProcessSpawnError);
      assert.equal(failure.value.code, 'ENOENT');
      assert.deepEqual(proto.events, []);
    });

    it('fails with NoProtocol when the factory builds none, and with what buildProtocol threw', async () => {
      const endpoint = new ProcessEndpoint(reactor, 'cat', ['cat'], INHERIT);
      const none = new Factory<Protocol>();
      none.buildProtocol = () => null;
      assert.instanceOf((await failureOf(endpoint.connect(none))).value, NoProtocol);
      const boom = new RangeError('no protocol for you');
      const throwing = new Factory<Protocol>();
      throwing.buildProtocol = () => {
        throw boom;
      };
      assert.strictEqual((await failureOf(endpoint.connect(throwing))).value, boom);
    });

    it('builds the protocol for a ProcessAddress', async () => {
      const endpoint = new ProcessEndpoint(reactor, process.execPath, nodeArgs(''));
      const seen: unknown[] = [];
      const factory = Factory.forProtocol(Collector);
      const build = factory.buildProtocol.bind(factory);
      factory.buildProtocol = (addr) => {
        seen.push(addr);
        return build(addr);
      };
      const proto = await endpoint.connect(factory).asPromise();
      await proto.lost;
      assert.instanceOf(seen[0], ProcessAddress);
    });

    it("logs the child's stderr by default, and drops it with stderr: 'drop'", async () => {
      logs = new LogCapture();
      const script = "process.stderr.write('complaint')";
      const logged = new ProcessEndpoint(reactor, process.execPath, nodeArgs(script));
      await (
        await connectProtocol(logged, new Collector()).asPromise()
      ).lost;
      assert.isTrue(logs.messages.some((m) => m.includes('complaint')));
      logs.clear();
      const dropped = new ProcessEndpoint(reactor, process.execPath, nodeArgs(script), {
        stderr: 'drop',
      });
      await (
        await connectProtocol(dropped, new Collector()).asPromise()
      ).lost;
      assert.isFalse(logs.messages.some((m) => m.includes('complaint')));
    });

    it('leaves no descriptor open after many children, whatever their end', async () => {
      const before = openFds();
      const runs: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        const endpoint =
          i % 4 === 3
            ? new ProcessEndpoint(reactor, '/nonexistent/weft-no-such-program')
            : new ProcessEndpoint(
                reactor,
                process.execPath,
                nodeArgs(`process.exit(${String(i % 3)})`),
              );
        const proto = new Collector();
        runs.push(
          connectProtocol(endpoint, proto)
            .asPromise()
            .then(
              () => proto.lost,
              () => undefined,
            ),
        );
      }
      await Promise.all(runs);
      assert.equal(openFds(), before);
    });
  });

  it('names its executable in toString', () => {
    assert.equal(new ProcessEndpoint(reactor, 'cat').toString(), 'ProcessEndpoint("cat")');
  });
});

describe('clientFromString("process:...")', () => {
  it('spawns the executable with the positional arguments, inheriting the environment', async () => {
    const endpoint = clientFromString(reactor, 'process:sh:-c:echo "$0|$1|$HOME":a b:c');
    assert.instanceOf(endpoint, ProcessEndpoint);
    const proto = await connectProtocol(endpoint, new Collector()).asPromise();
    await proto.lost;
    assert.equal(proto.received, `a b|c|${String(process.env.HOME)}\n`);
  });

  it('takes executable=, path=, env=empty and stderr=drop', async () => {
    const endpoint = clientFromString(
      reactor,
      `PROCESS:executable=${process.execPath}:-e:process.stdout.write(process.cwd() + Object.keys(process.env).length):path=/:env=empty:stderr=drop`,
    );
    if (!(endpoint instanceof ProcessEndpoint)) throw new Error('expected a ProcessEndpoint');
    assert.deepEqual(endpoint.args.slice(1), [
      '-e',
      'process.stdout.write(process.cwd() + Object.keys(process.env).length)',
    ]);
    assert.equal(endpoint.options.stderr, 'drop');
    const proto = await connectProtocol(endpoint, new Collector()).asPromise();
    await proto.lost;
    assert.equal(proto.received, '/0');
  });

  it('refuses a missing executable, bad stderr or env values, and a reactor that cannot spawn', () => {
    assert.throws(() => clientFromString(reactor, 'process:'), EndpointArgumentError);
    assert.throws(
      () => clientFromString(reactor, 'process:cat:stderr=keep'),
      EndpointArgumentError,
    );
    assert.throws(() => clientFromString(reactor, 'process:cat:env=some'), EndpointArgumentError);
    assert.throws(() => clientFromString(reactor, 'process:cat:user=root'), EndpointArgumentError);
    assert.throws(
      () => clientFromString(new MemoryReactorClock(), 'process:cat'),
      EndpointStringError,
    );
  });
});

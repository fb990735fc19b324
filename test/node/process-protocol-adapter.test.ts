// ProtocolProcessAdapter: an ordinary IProtocol (here a small line protocol) over a real child.
import { assert, describe, it } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import { ProcessTerminated } from '../../src/core/process-errors.js';
import { ProtocolProcessAdapter } from '../../src/core/process-protocol.js';
import { Protocol } from '../../src/core/protocol.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { nodeArgs } from './process-helpers.js';

const reactor = new NodeReactor();

/** Splits its input into lines (a tiny stand-in for LineReceiver) and records them. */
class Lines extends Protocol {
  readonly lines: string[] = [];
  readonly events: string[] = [];
  #buffer = '';
  readonly lost: Promise<Failure>;
  #resolve!: (reason: Failure) => void;
  onLine: (line: string) => void = () => undefined;

  constructor() {
    super();
    this.lost = new Promise((resolve) => (this.#resolve = resolve));
  }

  override connectionMade(): void {
    this.events.push('connectionMade');
  }

  override dataReceived(data: Uint8Array): void {
    this.#buffer += new TextDecoder().decode(data);
    let at: number;
    while ((at = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, at);
      this.#buffer = this.#buffer.slice(at + 1);
      this.lines.push(line);
      this.onLine(line);
    }
  }

  sendLine(line: string): void {
    this.transport.write(`${line}\n`);
  }

  override connectionLost(reason: Failure): void {
    this.events.push('connectionLost');
    this.#resolve(reason);
  }
}

describe('ProtocolProcessAdapter', () => {
  it('runs a line protocol over cat: request, echoed reply, then ConnectionDone', async () => {
    const proto = new Lines();
    proto.onLine = (line) => {
      if (line === 'three') proto.transport.loseConnection();
    };
    const adapter = new ProtocolProcessAdapter(proto);
    const transport = reactor.spawnProcess(adapter, 'cat', ['cat'], { env: null });
    assert.strictEqual(proto.transport, transport);
    assert.strictEqual(adapter.protocol, proto);
    for (const line of ['one', 'two', 'three']) proto.sendLine(line);
    const reason = await proto.lost;
    assert.instanceOf(reason.value, ConnectionDone);
    assert.deepEqual(proto.lines, ['one', 'two', 'three']);
    assert.deepEqual(proto.events, ['connectionMade', 'connectionLost']);
  });

  it('talks back and forth with a node child, one line per request', async () => {
    const proto = new Lines();
    const script = `
      let buf = '';
      process.stdin.on('data', (d) => {
        buf += d;
        let at;
        while ((at = buf.indexOf('\\n')) >= 0) {
          const n = Number(buf.slice(0, at));
          buf = buf.slice(at + 1);
          process.stdout.write(String(n * n) + '\\n');
        }
      });
    `;
    let next = 1;
    proto.onLine = () => {
      if (next > 5) proto.transport.loseConnection();
      else proto.sendLine(String(next++));
    };
    reactor.spawnProcess(new ProtocolProcessAdapter(proto), process.execPath, nodeArgs(script));
    proto.sendLine('0');
    await proto.lost;
    assert.deepEqual(proto.lines, ['0', '1', '4', '9', '16', '25']);
  });

  it('ends the protocol with the ProcessTerminated reason when the child fails', async () => {
    const proto = new Lines();
    reactor.spawnProcess(new ProtocolProcessAdapter(proto), '/bin/sh', [
      'sh',
      '-c',
      'echo last; exit 5',
    ]);
    const reason = await proto.lost;
    assert.instanceOf(reason.value, ProcessTerminated);
    assert.equal(reason.value.exitCode, 5);
    assert.deepEqual(proto.lines, ['last']);
  });

  it("logs the child's stderr by default, naming the executable, and drops it with stderr: 'drop'", async () => {
    using logs = new LogCapture();
    const logged = new Lines();
    const script = ['sh', '-c', 'echo complaint >&2'];
    reactor.spawnProcess(
      new ProtocolProcessAdapter(logged, { executable: 'complainer' }),
      '/bin/sh',
      script,
    );
    await logged.lost;
    const dropped = new Lines();
    reactor.spawnProcess(
      new ProtocolProcessAdapter(dropped, { stderr: 'drop' }),
      '/bin/sh',
      script,
    );
    await dropped.lost;
    const lines = logs.messages.filter((m) => m.includes('complaint'));
    assert.equal(lines.length, 1, logs.messages.join('\n'));
    assert.include(lines[0], 'complainer');
  });
});

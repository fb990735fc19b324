// Flow control on a child's pipes, both ways, with real children; exceptions in protocol
// callbacks; reactor shutdown.
import { assert, describe, it } from 'vitest';

import type { Failure } from '../../src/core/failure.js';
import type { IPullProducer, IPushProducer } from '../../src/core/interfaces/producer.js';
import { ProcessDone, ProcessTerminated } from '../../src/core/process-errors.js';
import { ProcessProtocol } from '../../src/core/process-protocol.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { nodeArgs, RecordingProcess } from './process-helpers.js';

const reactor = new NodeReactor();
const MB = 1024 * 1024;

/** A child writing `total` bytes of a repeating pattern to stdout, as fast as it can. */
const WRITER = `
const total = Number(process.argv[1]);
const block = Buffer.alloc(65536, 0);
for (let i = 0; i < block.length; i++) block[i] = i % 251;
let sent = 0;
function pump() {
  while (sent < total) {
    const n = Math.min(block.length, total - sent);
    sent += n;
    if (!process.stdout.write(n === block.length ? block : block.subarray(0, n))) {
      process.stdout.once('drain', pump);
      return;
    }
  }
}
pump();
`;

/**
 * Reads the child's stdout slowly: after every `burst` bytes it pauses the transport for a few
 * milliseconds, counting what still arrives while paused.
 */
class SlowReader extends ProcessProtocol {
  received = 0;
  /** Sum of the bytes, mod 2^32, to check nothing was lost or moved. */
  checksum = 0;
  expectedOffset = 0;
  misplaced = 0;
  paused = false;
  pauses = 0;
  arrivedWhilePaused = 0;
  maxArrivedWhilePaused = 0;
  #sinceResume = 0;
  readonly ended: Promise<Failure>;
  #resolve!: (reason: Failure) => void;
  readonly #burst: number;

  constructor(burst: number) {
    super();
    this.#burst = burst;
    this.ended = new Promise((resolve) => (this.#resolve = resolve));
  }

  override outReceived(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== ((this.expectedOffset + i) % 65536) % 251) this.misplaced++;
    }
    this.expectedOffset += data.length;
    this.received += data.length;
    if (this.paused) {
      this.arrivedWhilePaused += data.length;
      this.maxArrivedWhilePaused = Math.max(this.maxArrivedWhilePaused, this.arrivedWhilePaused);
      return;
    }
    this.#sinceResume += data.length;
    if (this.#sinceResume >= this.#burst) {
      this.#sinceResume = 0;
      this.paused = true;
      this.pauses++;
      this.arrivedWhilePaused = 0;
      this.transport.pauseProducing();
      setTimeout(() => {
        this.paused = false;
        this.transport.resumeProducing();
      }, 2);
    }
  }

  override processEnded(reason: Failure): void {
    this.#resolve(reason);
  }
}

describe('Process flow control', () => {
  it('delivers all of 100 MB from a child to a reader that keeps pausing, with bounded buffering', async () => {
    const total = 100 * MB;
    const proto = new SlowReader(4 * MB);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 20);
    try {
      reactor.spawnProcess(proto, process.execPath, nodeArgs(WRITER, String(total)));
      const reason = await proto.ended;
      assert.instanceOf(reason.value, ProcessDone);
    } finally {
      clearInterval(sampler);
    }
    assert.equal(proto.received, total, 'every byte arrived');
    assert.equal(proto.misplaced, 0, 'in order');
    assert.isAtLeast(proto.pauses, 20);
    // While paused, at most what Node had already read: one read per pipe (64 KiB each).
    assert.isAtMost(proto.maxArrivedWhilePaused, 256 * 1024);
    // Nothing close to the 100 MB is ever held in this process.
    assert.isBelow(rssPeak - rssBefore, 64 * MB);
  }, 60_000);

  it('pauses a push producer on stdin while the child is slow and resumes it on drain', async () => {
    const total = 16 * MB;
    // The child reads stdin in small bites with pauses, and reports the byte count at EOF.
    const script = `
      let n = 0;
      process.stdin.on('data', (d) => {
        n += d.length;
        process.stdin.pause();
        setTimeout(() => process.stdin.resume(), 1);
      });
      process.stdin.on('end', () => process.stdout.write(String(n)));
    `;
    const proto = new RecordingProcess();
    const transport = reactor.spawnProcess(proto, process.execPath, nodeArgs(script));
    const chunk = new Uint8Array(64 * 1024).fill(7);
    let written = 0;
    let pauses = 0;
    let maxBuffered = 0;
    let paused = false;
    let stopped = false;
    const producer: IPushProducer = {
      pauseProducing: () => {
        paused = true;
        pauses++;
      },
      resumeProducing: () => {
        paused = false;
        setImmediate(produce);
      },
      stopProducing: () => {
        stopped = true;
      },
    };
    function produce(): void {
      while (!paused && written < total) {
        transport.write(chunk);
        written += chunk.length;
        maxBuffered = Math.max(maxBuffered, transport.stdinBufferedBytes);
      }
      if (written >= total && !paused) {
        transport.unregisterProducer();
        transport.closeStdin();
      }
    }
    transport.registerProducer(producer, true);
    produce();
    await proto.ended;
    assert.equal(proto.text(1), String(total));
    assert.isAtLeast(pauses, 1);
    assert.isFalse(stopped, 'unregistered before the pipe closed, so never stopped');
    // Paused as soon as the buffer passed its high-water mark: at most one chunk more.
    assert.isAtMost(maxBuffered, 64 * 1024 + chunk.length);
  }, 60_000);

  it('asks a pull producer for more only once stdin has drained', async () => {
    const proto = new RecordingProcess();
    const transport = reactor.spawnProcess(proto, 'wc', ['wc', '-c'], { env: null });
    let asked = 0;
    const producer: IPullProducer = {
      resumeProducing: () => {
        asked++;
        assert.equal(transport.stdinBufferedBytes, 0);
        if (asked > 10) {
          transport.unregisterProducer();
          transport.closeStdin();
          return;
        }
        transport.write(new Uint8Array(100_000));
      },
      stopProducing: () => undefined,
    };
    transport.registerProducer(producer, false);
    await proto.ended;
    assert.equal(asked, 11);
    assert.equal(proto.text(1).trim(), '1000000');
  });

  it('stops a producer still registered when the child exits and its stdin closes', async () => {
    const proto = new RecordingProcess();
    const transport = reactor.spawnProcess(proto, 'true', ['true'], { env: null });
    let stopped = 0;
    transport.registerProducer(
      {
        pauseProducing: () => undefined,
        resumeProducing: () => undefined,
        stopProducing: () => stopped++,
      },
      true,
    );
    await proto.ended;
    assert.equal(stopped, 1);
  });
});

describe('Process and exceptions in the protocol', () => {
  it('logs an exception from outReceived, closes stdout only, and still ends the process', async () => {
    using logs = new LogCapture();
    class Throwing extends RecordingProcess {
      override outReceived(): void {
        throw new Error('bad output handler');
      }
    }
    const proto = new Throwing();
    const script = "process.stdout.write('x'); process.stderr.write('still read')";
    reactor.spawnProcess(proto, process.execPath, nodeArgs(script));
    const reason = await proto.ended;
    // The child may or may not see EPIPE, depending on timing; it ends either way.
    assert.instanceOf(reason.value, Error);
    assert.equal(proto.text(2), 'still read');
    assert.include(proto.events, 'lost:1');
    assert.isTrue(logs.events.some((e) => String(e.log_format).includes('childDataReceived')));
  });

  it('logs exceptions from connectionMade, childConnectionLost, processExited and processEnded', async () => {
    using logs = new LogCapture();
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    class Throwing extends ProcessProtocol {
      override connectionMade(): void {
        throw new Error('made');
      }
      override childConnectionLost(): void {
        throw new Error('lost');
      }
      override processExited(): void {
        throw new Error('exited');
      }
      override processEnded(): void {
        ended();
        throw new Error('ended');
      }
    }
    reactor.spawnProcess(new Throwing(), 'true', ['true'], { env: null });
    await done;
    const messages = logs.events.map((e) => e.log_failure?.getErrorMessage());
    for (const message of ['made', 'lost', 'exited', 'ended']) assert.include(messages, message);
  });
});

describe('Process at reactor shutdown', () => {
  it('loses every pipe during shutdown, leaving the child to the caller', async () => {
    const own = new NodeReactor();
    const finished = own.run({ installSignalHandlers: false });
    const proto = new RecordingProcess();
    const transport = own.spawnProcess(proto, '/bin/sleep', ['sleep', '30']);
    const pid = transport.pid;
    own.stop();
    await finished.asPromise();
    assert.sameMembers(proto.events, ['connectionMade', 'lost:0', 'lost:1', 'lost:2']);
    assert.isNumber(pid);
    transport.signalProcess('KILL');
    const reason = await proto.ended;
    assert.instanceOf(reason.value, ProcessTerminated);
  });
});

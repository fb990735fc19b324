// StandardIO: in this process over injected streams (every ending rule), and in a child process
// running a weft protocol on its real stdin/stdout (pipes, a file, /dev/null).
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';

import { afterAll, assert, describe, it } from 'vitest';

import { ConnectionAborted, ConnectionDone, ConnectionLost } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import { ProcessDone } from '../../src/core/process-errors.js';
import { PipeAddress } from '../../src/core/process-protocol.js';
import { Protocol } from '../../src/core/protocol.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { StandardIO } from '../../src/node/stdio.js';
import { compiledFixtures, fixturesOutput } from '../support/compiled-fixtures.js';
import { RecordingProcess } from './process-helpers.js';

const reactor = new NodeReactor();

class Recorder extends Protocol {
  readonly events: string[] = [];
  received = '';
  reason: Failure | null = null;
  readonly lost: Promise<Failure>;
  #resolve!: (reason: Failure) => void;
  constructor() {
    super();
    this.lost = new Promise((resolve) => (this.#resolve = resolve));
  }
  override connectionMade(): void {
    this.events.push('connectionMade');
  }
  override dataReceived(data: Uint8Array): void {
    this.received += new TextDecoder().decode(data);
  }
  override connectionLost(reason: Failure): void {
    this.events.push(`connectionLost:${(reason.value as Error).name}`);
    this.reason = reason;
    this.#resolve(reason);
  }
}

class HalfCloseable extends Recorder {
  readConnectionLost(): void {
    this.events.push('readConnectionLost');
  }
  writeConnectionLost(): void {
    this.events.push('writeConnectionLost');
  }
}

/** Stdin and stdout streams for a StandardIO in this process; `written()` is what it wrote. */
function streams(): { stdin: PassThrough; stdout: PassThrough; written: () => string } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { stdin, stdout, written: () => out };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StandardIO', () => {
  it('connects at once, delivers stdin as data and writes to stdout', async () => {
    const { stdin, stdout, written } = streams();
    const proto = new Recorder();
    const transport = new StandardIO(proto, { stdin, stdout, reactor });
    assert.deepEqual(proto.events, ['connectionMade']);
    assert.strictEqual(proto.transport, transport);
    stdin.write('ping');
    transport.write('pong ');
    transport.writeSequence(['a', new TextEncoder().encode('b')]);
    await nextTurn();
    assert.equal(proto.received, 'ping');
    assert.equal(written(), 'pong ab');
    assert.instanceOf(transport.getPeer(), PipeAddress);
    assert.instanceOf(transport.getHost(), PipeAddress);
    transport.loseConnection();
    await proto.lost;
  });

  it('ends a plain protocol with ConnectionDone at EOF on stdin', async () => {
    const { stdin, stdout } = streams();
    const proto = new Recorder();
    new StandardIO(proto, { stdin, stdout, reactor });
    stdin.end('last');
    const reason = await proto.lost;
    assert.instanceOf(reason.value, ConnectionDone);
    assert.equal(proto.received, 'last');
  });

  it('tells a half-closeable protocol readConnectionLost at EOF, and it may still write', async () => {
    const { stdin, stdout, written } = streams();
    const proto = new HalfCloseable();
    const transport = new StandardIO(proto, { stdin, stdout, reactor });
    stdin.end();
    await nextTurn();
    await nextTurn();
    assert.deepEqual(proto.events, ['connectionMade', 'readConnectionLost']);
    transport.write('after EOF');
    transport.loseConnection();
    transport.loseConnection(); // idempotent
    assert.isTrue(transport.disconnecting);
    const reason = await proto.lost;
    assert.instanceOf(reason.value, ConnectionDone);
    assert.equal(written(), 'after EOF');
    assert.isTrue(stdout.writableEnded);
  });

  it('closes stdout on loseWriteConnection, telling a half-closeable protocol writeConnectionLost', async () => {
    const { stdin, stdout } = streams();
    const proto = new HalfCloseable();
    const transport = new StandardIO(proto, { stdin, stdout, reactor });
    transport.loseWriteConnection();
    await new Promise((resolve) => stdout.on('close', resolve));
    await nextTurn();
    assert.deepEqual(proto.events, ['connectionMade', 'writeConnectionLost']);
    transport.write('dropped');
    let stopped = false;
    transport.registerProducer(
      {
        pauseProducing: () => undefined,
        resumeProducing: () => undefined,
        stopProducing: () => (stopped = true),
      },
      true,
    );
    assert.isTrue(stopped, 'a producer registered on a closed stdout is stopped');
    transport.loseConnection(); // nothing left to flush: ends at once
    assert.instanceOf((await proto.lost).value, ConnectionDone);
  });

  it('ends with ConnectionLost when stdout fails', async () => {
    const stdin = new PassThrough();
    const stdout = new Writable({
      write: (_chunk, _encoding, callback) => {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const proto = new Recorder();
    const transport = new StandardIO(proto, { stdin, stdout, reactor });
    transport.write('into a closed pipe');
    const reason = await proto.lost;
    assert.instanceOf(reason.value, ConnectionLost);
    assert.equal(reason.value.code, 'EPIPE');
    assert.isTrue(stdin.destroyed, 'stdin is released too');
  });

  it('ends with the exception a protocol callback threw, logging it', async () => {
    using logs = new LogCapture();
    const { stdin, stdout } = streams();
    class Throwing extends Recorder {
      override dataReceived(): void {
        throw new Error('bad data');
      }
    }
    const proto = new Throwing();
    new StandardIO(proto, { stdin, stdout, reactor });
    stdin.write('x');
    const reason = await proto.lost;
    assert.equal((reason.value as Error).message, 'bad data');
    assert.equal(logs.events.length, 1);
  });

  it('ends with the exception thrown by connectionMade or readConnectionLost', async () => {
    using _logs = new LogCapture();
    class BadStart extends Recorder {
      override connectionMade(): void {
        throw new Error('bad start');
      }
    }
    const first = new BadStart();
    new StandardIO(first, { ...streams(), reactor });
    assert.equal(((await first.lost).value as Error).message, 'bad start');
    class BadEOF extends HalfCloseable {
      override readConnectionLost(): void {
        throw new Error('bad eof');
      }
    }
    const second = new BadEOF();
    const { stdin, stdout } = streams();
    new StandardIO(second, { stdin, stdout, reactor });
    stdin.end();
    assert.equal(((await second.lost).value as Error).message, 'bad eof');
  });

  it('stops reading while paused', async () => {
    const { stdin, stdout } = streams();
    const proto = new Recorder();
    const transport = new StandardIO(proto, { stdin, stdout, reactor });
    transport.pauseProducing();
    stdin.write('held');
    await nextTurn();
    assert.equal(proto.received, '');
    transport.resumeProducing();
    await nextTurn();
    assert.equal(proto.received, 'held');
    transport.stopProducing();
    assert.instanceOf((await proto.lost).value, ConnectionDone);
  });

  it('aborts with ConnectionAborted on a later turn, dropping what is not yet written', async () => {
    const { stdin, stdout } = streams();
    const proto = new Recorder();
    const transport = new StandardIO(proto, { stdin, stdout, reactor });
    transport.abortConnection();
    transport.abortConnection();
    assert.isTrue(transport.disconnecting);
    assert.deepEqual(proto.events, ['connectionMade'], 'not lost before abortConnection returns');
    assert.instanceOf((await proto.lost).value, ConnectionAborted);
    transport.abortConnection(); // after the end: nothing
  });

  it('loses the connection with ConnectionLost when its reactor shuts down', async () => {
    const own = new NodeReactor();
    const finished = own.run({ installSignalHandlers: false });
    const proto = new Recorder();
    new StandardIO(proto, { ...streams(), reactor: own });
    own.stop();
    await finished.asPromise();
    assert.deepEqual(proto.events, ['connectionMade', 'connectionLost:ConnectionLost']);
  });

  it('paces a push producer registered on stdout by its buffer', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough({ highWaterMark: 1024 });
    const proto = new Recorder();
    const transport = new StandardIO(proto, { stdin, stdout, reactor });
    const calls: string[] = [];
    transport.registerProducer(
      {
        pauseProducing: () => calls.push('pause'),
        resumeProducing: () => calls.push('resume'),
        stopProducing: () => calls.push('stop'),
      },
      true,
    );
    transport.write(new Uint8Array(4096));
    assert.deepEqual(calls, ['pause']);
    stdout.resume(); // the reader drains it
    await new Promise((resolve) => stdout.once('drain', resolve));
    await nextTurn();
    assert.deepEqual(calls, ['pause', 'resume']);
    transport.unregisterProducer();
    transport.loseConnection();
    await proto.lost;
  });
});

describe('StandardIO on descriptors', () => {
  it('reads a FIFO and writes a file given by descriptor number, closing both at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-stdio-fd-'));
    try {
      const fifo = join(dir, 'in.fifo');
      execFileSync('mkfifo', [fifo]);
      const input = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const feeder = openSync(fifo, constants.O_WRONLY);
      const outFile = join(dir, 'out.txt');
      const output = openSync(outFile, 'w');
      const proto = new Recorder();
      proto.dataReceived = function (data: Uint8Array): void {
        this.transport.write(data);
      };
      new StandardIO(proto, { stdin: input, stdout: output, reactor });
      writeSync(feeder, 'through a fifo');
      closeSync(feeder);
      assert.instanceOf((await proto.lost).value, ConnectionDone);
      assert.equal(readFileSync(outFile, 'utf8'), 'through a fifo');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a FIFO and reads a character device (/dev/null) given by number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-stdio-fd-'));
    try {
      const fifo = join(dir, 'out.fifo');
      execFileSync('mkfifo', [fifo]);
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const output = openSync(fifo, constants.O_WRONLY);
      const input = openSync('/dev/null', 'r');
      const proto = new HalfCloseable();
      proto.readConnectionLost = function (): void {
        this.transport.write('saw EOF');
        this.transport.loseConnection();
      };
      new StandardIO(proto, { stdin: input, stdout: output, reactor });
      assert.instanceOf((await proto.lost).value, ConnectionDone);
      const buffer = Buffer.alloc(64);
      const n = readSync(reader, buffer);
      assert.equal(buffer.subarray(0, n).toString(), 'saw EOF');
      closeSync(reader);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ----- a child process running a protocol on its own stdio ------------------------------------

const STDIO_FIXTURE = 'test/node/fixtures/stdio-protocol.js';
const fixture = fixturesOutput('stdio')(STDIO_FIXTURE);
const scratch = mkdtempSync(join(tmpdir(), 'weft-stdio-'));

/** Runs the fixture in `mode` through spawnProcess; resolves with what it printed and its end. */
async function runFixture(
  mode: string[],
  feed: string | null,
  childFDs: Record<number, 'r' | 'w' | number> = { 0: 'w', 1: 'r', 2: 'r' },
): Promise<RecordingProcess> {
  const proto = new RecordingProcess();
  const transport = reactor.spawnProcess(proto, process.execPath, ['node', fixture, ...mode], {
    env: null,
    childFDs,
  });
  if (feed !== null) {
    transport.write(feed);
    transport.closeStdin();
  }
  const reason = await proto.ended;
  assert.instanceOf(reason.value, ProcessDone, proto.text(2));
  return proto;
}

describe('StandardIO in a child process', () => {
  compiledFixtures('stdio', [STDIO_FIXTURE]);
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('echoes its stdin on stdout over pipes and ends with ConnectionDone at EOF', async () => {
    const proto = await runFixture(['echo'], 'hello over pipes');
    assert.equal(proto.text(1), 'hello over pipes');
    assert.equal(proto.text(2), 'connectionLost ConnectionDone\n');
  });

  it('lets a half-closeable protocol answer after EOF on stdin', async () => {
    const proto = await runFixture(['halfclose'], 'x'.repeat(1024 * 1024));
    assert.equal(proto.text(1), 'received 1048576\n');
  });

  it('writes to stdout redirected to a file', async () => {
    const file = join(scratch, 'stdout.txt');
    const fd = openSync(file, 'w');
    try {
      await runFixture(['echo'], 'into the file', { 0: 'w', 1: fd, 2: 'r' });
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(file, 'utf8'), 'into the file');
  });

  it('reads stdin from a file (/dev/null: EOF at once)', async () => {
    const fd = openSync('/dev/null', 'r');
    try {
      const proto = await runFixture(['halfclose'], null, { 0: fd, 1: 'r', 2: 'r' });
      assert.equal(proto.text(1), 'received 0\n');
    } finally {
      closeSync(fd);
    }
  });

  it('delivers everything a producer writes to stdout (8 MB), paced by the pipe', async () => {
    const proto = await runFixture(['produce', String(8 * 1024 * 1024)], null);
    const received = (proto.chunks.get(1) ?? []).reduce((n, c) => n + c.length, 0);
    assert.equal(received, 8 * 1024 * 1024);
  });
});

// PipeReader and PipeWriter over in-memory streams: the flow-control and ending rules that real
// pipes (test/node/process*.test.ts) exercise only by timing.
import { PassThrough, Writable } from 'node:stream';

import { assert, describe, it } from 'vitest';

import { InvalidStateError } from '../../src/core/errors.js';
import { Failure } from '../../src/core/failure.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { PipeReader, PipeWriter } from '../../src/node/pipe.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const flushMicrotasks = (): Promise<void> => Promise.resolve();
const lostReason = new Failure(new Error('gone'));

function recorder(): { ends: (Failure | null)[]; onClosed: (r: Failure | null) => void } {
  const ends: (Failure | null)[] = [];
  return { ends, onClosed: (r) => ends.push(r) };
}

describe('PipeReader', () => {
  // Node's child_process resumes a child's output streams when the child exits, paused or not.
  it('holds data and EOF that arrive while paused, even if the stream was resumed behind its back, until resume()', async () => {
    const stream = new PassThrough();
    const { ends, onClosed } = recorder();
    const data: string[] = [];
    const reader = new PipeReader(stream, (d) => data.push(Buffer.from(d).toString()), onClosed);
    reader.pause();
    stream.resume(); // as child_process's flushStdio does at the child's exit
    stream.write('one');
    stream.end('two');
    await nextTurn();
    await nextTurn();
    assert.deepEqual(data, []);
    assert.deepEqual(ends, []);
    reader.resume();
    await nextTurn();
    await nextTurn();
    assert.equal(data.join(''), 'onetwo');
    assert.deepEqual(ends, [null]);
  });

  it('stops delivering held data when the consumer pauses again in dataReceived', async () => {
    const stream = new PassThrough();
    const { ends, onClosed } = recorder();
    const data: string[] = [];
    const reader = new PipeReader(
      stream,
      (d) => {
        data.push(Buffer.from(d).toString());
        reader.pause();
      },
      onClosed,
    );
    reader.pause();
    stream.resume();
    stream.write('a');
    await nextTurn();
    stream.write('b');
    await nextTurn();
    reader.resume();
    assert.deepEqual(data, ['a']);
    reader.resume();
    await nextTurn();
    assert.deepEqual(data, ['a', 'b']);
    reader.loseConnection();
    await nextTurn();
    assert.lengthOf(ends, 1);
  });

  it('reports a pipe that never opened as closed, once, when it is closed', async () => {
    const { ends, onClosed } = recorder();
    const reader = new PipeReader(null, () => undefined, onClosed);
    reader.pause();
    reader.resume();
    reader.loseConnection();
    reader.loseConnection();
    await flushMicrotasks();
    assert.deepEqual(ends, [null]);
    assert.isTrue(reader.closed);
    reader.abortNow(lostReason);
    reader.pause();
    assert.lengthOf(ends, 1);
  });

  it('delivers nothing after loseConnection and reports a stream error as the reason', async () => {
    const stream = new PassThrough();
    const { ends, onClosed } = recorder();
    const data: string[] = [];
    const reader = new PipeReader(stream, (d) => data.push(String(d)), onClosed);
    stream.write('a');
    await nextTurn();
    stream.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await nextTurn();
    assert.deepEqual(data, ['a']);
    assert.equal((ends[0]?.value as { code?: string }).code, 'ECONNRESET');
    reader.resume();
  });

  it('reports an already destroyed stream as closed on loseConnection', async () => {
    const stream = new PassThrough();
    const { ends, onClosed } = recorder();
    const reader = new PipeReader(stream, () => undefined, onClosed);
    stream.removeAllListeners('close');
    stream.destroy();
    reader.loseConnection();
    await flushMicrotasks();
    assert.deepEqual(ends, [null]);
  });
});

describe('PipeWriter', () => {
  it('drops writes and stops producers on a pipe that never opened', async () => {
    const { ends, onClosed } = recorder();
    const writer = new PipeWriter(null, onClosed);
    writer.write('x');
    assert.equal(writer.bufferedBytes, 0);
    let stopped = false;
    writer.registerProducer(
      { resumeProducing: () => undefined, stopProducing: () => (stopped = true) },
      false,
    );
    assert.isTrue(stopped);
    writer.loseConnection();
    await flushMicrotasks();
    assert.deepEqual(ends, [null], 'closing as asked is a clean end');
    assert.isTrue(writer.closed);
    writer.abort();
    writer.abortNow(lostReason);
    writer.loseConnection();
    assert.lengthOf(ends, 1);
  });

  it('reports abort on a never-opened pipe as a loss', async () => {
    const { ends, onClosed } = recorder();
    new PipeWriter(null, onClosed).abort();
    await flushMicrotasks();
    assert.lengthOf(ends, 1);
    assert.isNotNull(ends[0]);
  });

  it('refuses a second producer with InvalidStateError', () => {
    const writer = new PipeWriter(new PassThrough(), () => undefined);
    const producer = { resumeProducing: () => undefined, stopProducing: () => undefined };
    writer.registerProducer(producer, false);
    assert.throws(() => {
      writer.registerProducer(producer, false);
    }, InvalidStateError);
  });

  it('waits for the producer to unregister before closing', async () => {
    const stream = new PassThrough();
    stream.resume();
    const { ends, onClosed } = recorder();
    const writer = new PipeWriter(stream, onClosed);
    writer.registerProducer(
      {
        pauseProducing: () => undefined,
        resumeProducing: () => undefined,
        stopProducing: () => undefined,
      },
      true,
    );
    writer.loseConnection();
    await nextTurn();
    assert.isFalse(stream.writableEnded);
    writer.unregisterProducer();
    await nextTurn();
    assert.isTrue(stream.writableEnded);
    await nextTurn();
    assert.deepEqual(ends, [null]);
  });

  it('logs exceptions thrown by a producer instead of failing the write', async () => {
    using logs = new LogCapture();
    const stream = new PassThrough({ highWaterMark: 4 });
    const writer = new PipeWriter(stream, () => undefined);
    const boom = (): never => {
      throw new Error('producer broke');
    };
    writer.registerProducer(
      { pauseProducing: boom, resumeProducing: boom, stopProducing: boom },
      true,
    );
    writer.write('more than four');
    stream.resume();
    await nextTurn();
    writer.abortNow(lostReason);
    assert.equal(logs.events.length, 3, logs.messages.join('\n'));
  });

  it('logs a pull producer that throws when asked for more', async () => {
    using logs = new LogCapture();
    const stream = new Writable({ write: (_c, _e, cb) => setImmediate(cb) });
    const writer = new PipeWriter(stream, () => undefined);
    let calls = 0;
    writer.registerProducer(
      {
        resumeProducing: () => {
          calls++;
          if (calls === 1) writer.write('x');
          else throw new Error('pull broke');
        },
        stopProducing: () => undefined,
      },
      false,
    );
    for (let i = 0; i < 5 && calls < 2; i++) await nextTurn();
    assert.equal(calls, 2);
    assert.equal(logs.events.length, 1);
  });

  it('closes an already destroyed stream as a clean end on loseConnection', async () => {
    const stream = new PassThrough();
    const { ends, onClosed } = recorder();
    const writer = new PipeWriter(stream, onClosed);
    stream.removeAllListeners('close');
    stream.destroy();
    writer.loseConnection();
    await flushMicrotasks();
    assert.deepEqual(ends, [null]);
  });

  it('reports abort of a live stream as a loss once it has closed', async () => {
    const stream = new PassThrough();
    const { ends, onClosed } = recorder();
    const writer = new PipeWriter(stream, onClosed);
    writer.abort();
    await nextTurn();
    assert.lengthOf(ends, 1);
    assert.isNotNull(ends[0]);
  });
});

// sendReadable and consumerFromWritable: Node streams as weft producers and consumers, with
// backpressure, over StringTransport and in-memory streams.
import { PassThrough, Readable, Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import {
  ConsumerStoppedError,
  consumerFromWritable,
  sendReadable,
} from '../../../adapters/node/index.js';
import { InvalidStateError } from '../../../src/core/errors.js';
import type { IPullProducer, IPushProducer } from '../../../src/core/interfaces/index.js';
import { StringTransport } from '../../../src/testing/string-transport.js';

function turn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

class RecordingPush implements IPushProducer {
  events: string[] = [];
  pauseProducing(): void {
    this.events.push('pause');
  }
  resumeProducing(): void {
    this.events.push('resume');
  }
  stopProducing(): void {
    this.events.push('stop');
  }
}

describe('sendReadable', () => {
  it('writes every chunk, unregisters at the end and fires with the byte count', async () => {
    const transport = new StringTransport();
    const d = sendReadable(Readable.from([Buffer.from('ab'), Buffer.from('cde')]), transport);
    expect(transport.streaming).toBe(true);
    expect(await d.asPromise()).toBe(5);
    expect(transport.valueString()).toBe('abcde');
    expect(transport.producer).toBeNull();
  });

  it('pauses the stream while the consumer has it paused', async () => {
    const transport = new StringTransport();
    const source = new PassThrough();
    const d = sendReadable(source, transport);
    const producer = transport.producer as IPushProducer;
    producer.pauseProducing();
    source.write('held');
    await turn();
    expect(transport.valueString()).toBe('');
    producer.resumeProducing();
    await turn();
    expect(transport.valueString()).toBe('held');
    source.end();
    expect(await d.asPromise()).toBe(4);
  });

  it('fails with the stream error, unregistered', async () => {
    const transport = new StringTransport();
    const source = new PassThrough();
    const d = sendReadable(source, transport);
    source.destroy(new Error('disk on fire'));
    await expect(d.asPromise()).rejects.toThrow('disk on fire');
    expect(transport.producer).toBeNull();
  });

  it('fails with ConsumerStoppedError and destroys the stream when the consumer stops it', async () => {
    const transport = new StringTransport();
    const source = new PassThrough();
    const d = sendReadable(source, transport);
    (transport.producer as IPushProducer).stopProducing();
    await expect(d.asPromise()).rejects.toBeInstanceOf(ConsumerStoppedError);
    expect(source.destroyed).toBe(true);
  });

  it('fails with ConsumerStoppedError when the stream closes before its end', async () => {
    const transport = new StringTransport();
    const source = new PassThrough();
    const d = sendReadable(source, transport);
    source.destroy();
    await expect(d.asPromise()).rejects.toBeInstanceOf(ConsumerStoppedError);
  });

  it('stops at once on a consumer already closed', async () => {
    const consumer = consumerFromWritable(new PassThrough().end());
    await turn();
    const source = new PassThrough();
    const d = sendReadable(source, consumer);
    await expect(d.asPromise()).rejects.toBeInstanceOf(ConsumerStoppedError);
  });
});

describe('consumerFromWritable', () => {
  it('pauses a push producer when write() returns false and resumes it on drain', async () => {
    const held: (() => void)[] = [];
    const sink = new Writable({
      highWaterMark: 4,
      write(_chunk, _enc, cb) {
        held.push(cb);
      },
    });
    const consumer = consumerFromWritable(sink);
    const producer = new RecordingPush();
    consumer.registerProducer(producer, true);
    consumer.write('ab');
    expect(producer.events).toEqual([]);
    consumer.write('cd');
    expect(producer.events).toEqual(['pause']);
    while (held.length > 0) {
      held.shift()?.();
      await turn();
    }
    expect(producer.events).toEqual(['pause', 'resume']);
  });

  it('pauses a push producer registered while the stream needs a drain', () => {
    const sink = new PassThrough({ highWaterMark: 2 });
    sink.write('abc');
    const producer = new RecordingPush();
    consumerFromWritable(sink).registerProducer(producer, true);
    expect(producer.events).toEqual(['pause']);
  });

  it('asks a pull producer for data at registration and again once the stream has flushed', async () => {
    const sink = new PassThrough();
    sink.resume();
    const consumer = consumerFromWritable(sink);
    let asked = 0;
    const producer: IPullProducer = {
      resumeProducing: () => {
        asked++;
        if (asked <= 3) consumer.write(`chunk${String(asked)}`);
        else consumer.unregisterProducer();
      },
      stopProducing: () => undefined,
    };
    consumer.registerProducer(producer, false);
    for (let i = 0; i < 20 && asked < 4; i++) await turn();
    expect(asked).toBe(4);
  });

  it('throws InvalidStateError for a second producer, and stops the producer when the stream closes', () => {
    const sink = new PassThrough();
    const consumer = consumerFromWritable(sink);
    const producer = new RecordingPush();
    consumer.registerProducer(producer, true);
    expect(() => {
      consumer.registerProducer(new RecordingPush(), true);
    }).toThrow(InvalidStateError);
    sink.destroy();
    return new Promise<void>((resolve) => {
      sink.once('close', () => {
        expect(producer.events).toEqual(['stop']);
        resolve();
      });
    });
  });

  it('drops writes once the stream has ended, and empty writes', () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const consumer = consumerFromWritable(sink);
    consumer.write('');
    consumer.write('a');
    sink.end();
    consumer.write('b');
    expect(chunks).toEqual(['a']);
  });
});

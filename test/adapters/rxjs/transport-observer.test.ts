import { interval, map, of, Subject, take, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { BufferOverflowError } from '../../../adapters/rxjs/errors.js';
import { ObservableProtocol } from '../../../adapters/rxjs/observable-protocol.js';
import { ReactorScheduler } from '../../../adapters/rxjs/scheduler.js';
import { TransportObserver } from '../../../adapters/rxjs/transport-observer.js';
import { CancelledError, InvalidStateError } from '../../../src/core/errors.js';
import { LineFramer } from '../../../src/protocols/basic/line-framer.js';
import { Clock } from '../../../src/testing/clock.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { failureResultOf, successResultOf } from '../../../src/testing/results.js';
import { StringTransport } from '../../../src/testing/string-transport.js';

describe('TransportObserver', () => {
  it('writes each value (strings as UTF-8), then closes the connection on complete', () => {
    const transport = new StringTransport();
    const writer = new TransportObserver(transport);
    expect(transport.producer).toBe(writer);
    of('héllo ', new TextEncoder().encode('world')).subscribe(writer);
    expect(transport.valueString()).toBe('héllo world');
    expect(transport.disconnecting).toBe(true);
    expect(transport.producer).toBeNull();
    expect(writer.closed).toBe(true);
    expect(successResultOf(writer.notifyFinish())).toBe(12);
    expect(writer.bytesWritten).toBe(12);
  });

  it('half-closes on complete with onComplete half-close, or leaves the connection with none', () => {
    const t1 = new StringTransport();
    of('a').subscribe(new TransportObserver(t1, { onComplete: 'half-close' }));
    expect(t1.writeDisconnected).toBe(true);
    expect(t1.disconnecting).toBe(false);
    const t2 = new StringTransport();
    of('a').subscribe(new TransportObserver(t2, { onComplete: 'none' }));
    expect(t2.disconnecting).toBe(false);
    expect(t2.producer).toBeNull();
  });

  it('aborts the connection on error and fails notifyFinish with the error', () => {
    const transport = new StringTransport();
    const writer = new TransportObserver(transport);
    const finished = writer.notifyFinish();
    const boom = new RangeError('boom');
    throwError(() => boom).subscribe(writer);
    expect(transport.disconnected).toBe(true);
    expect(failureResultOf(finished, RangeError).value).toBe(boom);
    expect(failureResultOf(writer.notifyFinish(), RangeError).value).toBe(boom);
  });

  it('holds values while the transport is paused and writes them, in order, on resume', () => {
    const transport = new StringTransport();
    const writer = new TransportObserver(transport);
    const source = new Subject<string>();
    source.subscribe(writer);
    source.next('1');
    writer.pauseProducing();
    source.next('2');
    source.next('3');
    source.complete();
    expect(transport.valueString()).toBe('1');
    expect(writer.bufferedBytes).toBe(2);
    expect(transport.disconnecting).toBe(false); // the completion waits for the held values
    writer.resumeProducing();
    expect(transport.valueString()).toBe('123');
    expect(transport.disconnecting).toBe(true);
    expect(successResultOf(writer.notifyFinish())).toBe(3);
  });

  it('stops writing when paused again in the middle of a flush', () => {
    const transport = new StringTransport();
    const writer = new TransportObserver(transport);
    const write = transport.write.bind(transport);
    transport.write = (data): void => {
      write(data);
      writer.pauseProducing(); // a transport whose buffer fills at every write
    };
    const source = new Subject<string>();
    source.subscribe(writer);
    source.next('a');
    source.next('b');
    source.next('c');
    writer.resumeProducing();
    expect(transport.valueString()).toBe('ab');
    writer.resumeProducing();
    expect(transport.valueString()).toBe('abc');
  });

  it('past maxBuffered: aborts, unsubscribes the source and fails with BufferOverflowError', () => {
    const transport = new StringTransport();
    const writer = new TransportObserver(transport, { maxBuffered: 4 });
    const finished = writer.notifyFinish();
    const source = new Subject<string>();
    source.subscribe(writer);
    writer.pauseProducing();
    source.next('1234');
    expect(transport.disconnected).toBe(false);
    source.next('5');
    expect(transport.disconnected).toBe(true);
    expect(source.observed).toBe(false);
    expect(transport.producer).toBeNull();
    const error = failureResultOf(finished, BufferOverflowError).value as BufferOverflowError;
    expect(error.direction).toBe('output');
    expect(error.limit).toBe(4);
  });

  it('unsubscribes the source when the connection closes first (stopProducing)', () => {
    const transport = new StringTransport();
    const writer = new TransportObserver(transport);
    const source = new Subject<string>();
    source.subscribe(writer);
    transport.producer?.stopProducing();
    expect(source.observed).toBe(false);
    failureResultOf(writer.notifyFinish(), CancelledError);
    source.next('ignored');
    expect(transport.valueString()).toBe('');
  });

  it('on unsubscribe, stops the source and unregisters without closing the connection', () => {
    const transport = new StringTransport();
    const writer = new TransportObserver(transport);
    const finished = writer.notifyFinish();
    const source = new Subject<string>();
    const sub = source.subscribe(writer);
    expect(sub).toBe(writer);
    sub.unsubscribe();
    expect(source.observed).toBe(false);
    expect(transport.producer).toBeNull();
    expect(transport.disconnecting).toBe(false);
    failureResultOf(finished, CancelledError);
    // The transport takes a new writer afterwards.
    of('x').subscribe(new TransportObserver(transport));
    expect(transport.valueString()).toBe('x');
  });

  it('throws InvalidStateError when the transport already has a producer', () => {
    const transport = new StringTransport();
    new TransportObserver(transport);
    expect(() => new TransportObserver(transport)).toThrow(InvalidStateError);
  });

  it('carries an RxJS pipeline on a Clock into a connected pair, lines intact and then closed', () => {
    const clock = new Clock();
    const scheduler = new ReactorScheduler(clock);
    const { client, server, pump } = connectedServerAndClient(
      { buildProtocol: () => new ObservableProtocol() },
      {
        buildProtocol: () =>
          new ObservableProtocol({
            framer: () => new LineFramer({ delimiter: '\n' }),
            demand: 'pull',
          }),
      },
      { clock },
    );
    const seen: string[] = [];
    client.input$.subscribe({
      next: (line) => {
        seen.push(new TextDecoder().decode(line));
        client.request(1);
      },
      complete: () => seen.push('complete'),
    });
    client.request(1);
    const writer = server.writer();
    interval(1000, scheduler)
      .pipe(
        take(3),
        map((n) => `tick ${String(n)}\n`),
      )
      .subscribe(writer);
    pump.flush();
    expect(seen).toEqual([]);
    clock.advance(1);
    pump.flush();
    expect(seen).toEqual(['tick 0']);
    clock.advance(1);
    clock.advance(1);
    pump.flush();
    expect(seen).toEqual(['tick 0', 'tick 1', 'tick 2', 'complete']);
    expect(successResultOf(writer.notifyFinish())).toBe(21);
    expect(clock.getDelayedCalls()).toHaveLength(0);
  });

  it('closes a transport that cannot abort with loseConnection on error', () => {
    const transport = new StringTransport();
    Object.defineProperty(transport, 'abortConnection', { value: undefined }); // a plain ITransport
    throwError(() => new Error('x')).subscribe(new TransportObserver(transport));
    expect(transport.disconnecting).toBe(true);
  });

  it('runs the teardowns added to it on unsubscribe, except removed ones', () => {
    const writer = new TransportObserver(new StringTransport());
    const ran: string[] = [];
    const kept = (): void => {
      ran.push('kept');
    };
    const removed = (): void => {
      ran.push('removed');
    };
    writer.add(kept);
    writer.add(removed);
    writer.remove(removed);
    writer.unsubscribe();
    expect(ran).toEqual(['kept']);
    expect(writer.closed).toBe(true);
  });
});

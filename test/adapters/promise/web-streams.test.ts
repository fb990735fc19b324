import { describe, expect, it } from 'vitest';

import { WebStreamProtocol } from '../../../adapters/promise/web-streams.js';
import { ConnectionDone, ConnectionLost } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import { StringTransport } from '../../../src/testing/string-transport.js';
import { settle } from '../../support/promises.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function connected(highWaterMark?: number): {
  proto: WebStreamProtocol;
  transport: StringTransport;
} {
  const proto = new WebStreamProtocol(highWaterMark === undefined ? {} : { highWaterMark });
  const transport = new StringTransport();
  proto.makeConnection(transport);
  return { proto, transport };
}

describe('WebStreamProtocol', () => {
  describe('readable', () => {
    it('yields what arrives and closes when the connection closes cleanly', async () => {
      const { proto } = connected();
      proto.dataReceived(bytes('he'));
      proto.dataReceived(bytes('llo'));
      proto.connectionLost(new Failure(new ConnectionDone()));
      let all = '';
      for await (const chunk of proto.readable) all += text(chunk);
      expect(all).toBe('hello');
    });

    it('errors with the reason when the connection is lost', async () => {
      const { proto } = connected();
      proto.connectionLost(new Failure(new ConnectionLost('reset')));
      await expect(proto.readable.getReader().read()).rejects.toBeInstanceOf(ConnectionLost);
    });

    it('pauses the transport when its queue is full and resumes when read', async () => {
      const { proto, transport } = connected(4);
      proto.dataReceived(bytes('12'));
      expect(transport.producerState).toBe('producing');
      proto.dataReceived(bytes('34'));
      expect(transport.producerState).toBe('paused');
      const reader = proto.readable.getReader();
      expect(text((await reader.read()).value as Uint8Array)).toBe('12');
      await settle();
      expect(transport.producerState).toBe('producing');
    });

    it('closes the connection when the reader cancels', async () => {
      const { proto, transport } = connected();
      await proto.readable.cancel();
      expect(transport.disconnecting).toBe(true);
    });
  });

  describe('writable', () => {
    it('writes chunks and strings to the transport', async () => {
      const { proto, transport } = connected();
      const writer = proto.writable.getWriter();
      await writer.write(bytes('a'));
      await writer.write('b');
      expect(transport.valueString()).toBe('ab');
      expect(transport.producer).toBeNull();
    });

    it('holds a write while the transport has paused it', async () => {
      const { proto, transport } = connected();
      const writer = proto.writable.getWriter();
      let written = false;
      const originalWrite = transport.write.bind(transport);
      transport.write = (data) => {
        originalWrite(data);
        proto.pauseProducing(); // the buffer filled up with this write
      };
      const pending = writer.write('big').then(() => {
        written = true;
      });
      await settle();
      expect(written).toBe(false);
      expect(transport.producer).toBe(proto);
      proto.resumeProducing();
      await pending;
      expect(written).toBe(true);
      expect(transport.producer).toBeNull();
    });

    it('half-closes on close() when the transport can', async () => {
      const { proto, transport } = connected();
      await proto.writable.close();
      expect(transport.writeDisconnected).toBe(true);
      expect(transport.disconnecting).toBe(false);
    });

    it('aborts the connection on abort()', async () => {
      const { proto, transport } = connected();
      await proto.writable.abort(new Error('give up'));
      expect(transport.disconnected).toBe(true);
    });

    it('fails writes after the connection is gone', async () => {
      const { proto } = connected();
      proto.connectionLost(new Failure(new ConnectionDone()));
      await expect(proto.writable.getWriter().write('late')).rejects.toBeInstanceOf(ConnectionDone);
    });
  });
});

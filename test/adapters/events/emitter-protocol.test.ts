import { describe, expect, it } from 'vitest';
import { isHalfCloseableProtocol } from '../../../src/core/interfaces/protocol.js';

import { EmitterProtocol } from '../../../adapters/events/emitter-protocol.js';
import { ConnectionDone, ConnectionLost } from '../../../src/core/errors.js';
import { Failure } from '../../../src/core/failure.js';
import { Protocol } from '../../../src/core/protocol.js';
import { connectedServerAndClient } from '../../../src/testing/iosim.js';
import { capturedLogs } from '../../../src/testing/log-capture.js';
import { StringTransport } from '../../../src/testing/string-transport.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** An EmitterProtocol on a StringTransport, recording every event in order. */
function recorded(options?: ConstructorParameters<typeof EmitterProtocol>[0]): {
  conn: EmitterProtocol;
  transport: StringTransport;
  events: string[];
} {
  const conn = new EmitterProtocol(options);
  const events: string[] = [];
  conn.on('connect', () => events.push('connect'));
  conn.on('data', (chunk) => events.push(`data:${text(chunk)}`));
  conn.on('end', () => events.push('end'));
  conn.on('error', (e) => events.push(`error:${(e as Error).name}`));
  conn.on('close', (hadError) => events.push(`close:${String(hadError)}`));
  const transport = new StringTransport();
  conn.makeConnection(transport);
  return { conn, transport, events };
}

describe('EmitterProtocol', () => {
  it('emits connect, data, end and close in order on a clean close', () => {
    const { conn, events } = recorded();
    conn.dataReceived(new TextEncoder().encode('hi'));
    conn.connectionLost(new Failure(new ConnectionDone()));
    expect(events).toEqual(['connect', 'data:hi', 'end', 'close:false']);
  });

  it('emits error then close(true) when the connection is lost uncleanly', () => {
    const { conn, events } = recorded();
    conn.connectionLost(new Failure(new ConnectionLost('reset')));
    expect(events).toEqual(['connect', 'error:ConnectionLost', 'close:true']);
  });

  it('logs an error nobody listens to instead of throwing', () => {
    const conn = new EmitterProtocol();
    conn.makeConnection(new StringTransport());
    const logs = capturedLogs(() => {
      conn.connectionLost(new Failure(new ConnectionLost('reset')));
    });
    expect(logs.some((e) => String(e.log_format).includes('no error listener'))).toBe(true);
  });

  it('logs a listener that throws and still emits close', () => {
    const { conn, events } = recorded();
    conn.on('end', () => {
      throw new RangeError('listener bug');
    });
    const logs = capturedLogs(() => {
      conn.connectionLost(new Failure(new ConnectionDone()));
    });
    expect(events.at(-1)).toBe('close:false');
    expect(logs.length).toBeGreaterThan(0);
  });

  it('is an IHalfCloseableProtocol only with allowHalfOpen', () => {
    expect(isHalfCloseableProtocol(recorded({ allowHalfOpen: true }).conn)).toBe(true);
    expect(isHalfCloseableProtocol(recorded().conn)).toBe(false);
  });

  it('emits end on the peer half-close with allowHalfOpen, and close only later', () => {
    const { conn, transport, events } = recorded({ allowHalfOpen: true });
    conn.readConnectionLost?.();
    conn.write('bye');
    conn.connectionLost(new Failure(new ConnectionDone()));
    expect(events).toEqual(['connect', 'end', 'close:false']);
    expect(transport.valueString()).toBe('bye');
  });

  it('writes, half-closes with end(), and aborts with destroy()', () => {
    const { conn, transport } = recorded();
    conn.end('last words');
    expect(transport.valueString()).toBe('last words');
    expect(transport.writeDisconnected).toBe(true);
    conn.destroy();
    expect(transport.disconnected).toBe(true);
  });

  it('supports once and off', () => {
    const conn = new EmitterProtocol();
    const seen: string[] = [];
    const listener = (chunk: Uint8Array): void => {
      seen.push(text(chunk));
    };
    conn.once('data', listener);
    conn.makeConnection(new StringTransport());
    conn.dataReceived(new TextEncoder().encode('a'));
    conn.dataReceived(new TextEncoder().encode('b'));
    conn.on('data', listener).off('data', listener);
    conn.dataReceived(new TextEncoder().encode('c'));
    expect(seen).toEqual(['a']);
  });

  it('runs emitter-style echo code over an in-memory connection', () => {
    class Client extends Protocol {
      got = '';
      override dataReceived(data: Uint8Array): void {
        this.got += text(data);
      }
    }
    const server = new EmitterProtocol();
    server.on('data', (chunk) => {
      server.write(chunk);
    });
    const { client, pump } = connectedServerAndClient({ buildProtocol: () => server }, Client);
    client.transport.write('ping');
    pump.flush();
    expect(client.got).toBe('ping');
  });
});

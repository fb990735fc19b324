// weft's TLS against Node's own: weft's connectSSL talking to a tls.createServer server, and
// Node's tls.connect talking to weft's listenSSL (with a client certificate both ways checked).
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as tlsCreateServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';

import { describe, expect, it, onTestFinished } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import { testCertificates } from '../support/tls-certs.js';
import {
  Echo,
  freshReactor,
  later,
  portNumber,
  RecordingClientFactory,
  RecordingFactory,
} from '../node/socket-helpers.js';
import { TLSRecorder } from '../node/tls-helpers.js';

describe('weft TLS with Node TLS peers', () => {
  it('connectSSL talks to tls.createServer: verified, ALPN agreed, data echoed, clean close', async () => {
    const certs = await testCertificates();
    const server = tlsCreateServer(
      { cert: certs.server.certificate, key: certs.server.privateKey, ALPNProtocols: ['echo/1'] },
      (socket: TLSSocket) => {
        socket.pipe(socket);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      server.close();
    });
    const reactor = freshReactor();
    const factory = new RecordingClientFactory(TLSRecorder);
    reactor.connectSSL('127.0.0.1', (server.address() as AddressInfo).port, factory, {
      trustRoot: certs.ca,
      acceptableProtocols: ['echo/1'],
    });
    const client = await factory.made;
    client.transport.write('ping over TLS');
    expect((await client.bytes(13)).toString()).toBe('ping over TLS');
    expect(client.transport.negotiatedProtocol).toBe('echo/1');
    expect(client.events.slice(0, 2)).toEqual(['made', 'handshake']);
    client.transport.loseConnection();
    expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
  });

  it("tls.connect talks to listenSSL, each checking the other's certificate", async () => {
    const certs = await testCertificates();
    const reactor = freshReactor();
    const factory = new RecordingFactory(Echo);
    const port = await reactor.listenSSL(
      0,
      factory,
      { ...certs.server, trustRoot: certs.ca, clientAuthentication: 'require' },
      { interface: '127.0.0.1' },
    );
    const reply = later<{ text: string; authorized: boolean }>();
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: portNumber(port),
      servername: 'localhost',
      ca: certs.ca,
      cert: certs.client.certificate,
      key: certs.client.privateKey,
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      socket.end('hello weft');
    });
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      reply.resolve({ text, authorized: socket.authorized });
    });
    const server = await factory.connection(0);
    expect(await reply.promise).toEqual({ text: 'hello weft', authorized: true });
    // The peer's close_notify is a clean close for a protocol that is not half-closeable.
    expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
    socket.destroy();
  });
});

/**
 * TLS bulk transfer: weft's `connectSSL`/`listenSSL` against Node's own `tls.connect`/
 * `tls.createServer`, in one process over 127.0.0.1.
 *
 * Workload (each side, per sample): open a TLS connection (handshake included, TLS 1.3, P-256
 * certificate made with the openssl command at start), send 32 MiB from client to server in
 * 64 KiB writes, wait until the server has counted every byte, close. Rate in MB/s.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as tlsCreateServer } from 'node:tls';
import { promisify } from 'node:util';

import type { IPv4Address, IPv6Address } from '../src/core/address.js';
import { ClientFactory, Factory, Protocol } from '../src/core/protocol.js';
import { NodeReactor } from '../src/node/reactor.js';
import { compare, type Result } from './harness.js';

const TOTAL = 32 * 1024 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

async function certificate(): Promise<{ certificate: string; privateKey: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]); // prettier-ignore
    return {
      certificate: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      privateKey: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function megabytesPerSecond(started: bigint): number {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return TOTAL / 1e6 / seconds;
}

export async function run(): Promise<Result[]> {
  const cert = await certificate();
  const reactor = new NodeReactor();

  // weft: the server counts, the client writes everything from connectionMade.
  let weftDone: (() => void) | null = null;
  class Counter extends Protocol {
    received = 0;
    override dataReceived(data: Uint8Array): void {
      this.received += data.byteLength;
      if (this.received >= TOTAL) weftDone?.();
    }
  }
  class Sender extends Protocol {
    override connectionMade(): void {
      for (let sent = 0; sent < TOTAL; sent += CHUNK.length) this.transport.write(CHUNK);
      this.transport.loseConnection();
    }
  }
  const serverFactory = Factory.forProtocol(Counter);
  serverFactory.noisy = false;
  const port = await reactor.listenSSL(0, serverFactory, cert, { interface: '127.0.0.1' });
  const weftPort = (port.getHost() as IPv4Address | IPv6Address).port;
  const clientFactory = new ClientFactory();
  clientFactory.protocol = Sender;
  clientFactory.noisy = false;
  const trust = { trustRoot: cert.certificate, hostname: 'localhost' };

  // Node: the same with tls.createServer and tls.connect.
  let rawDone: (() => void) | null = null;
  const server = tlsCreateServer({ cert: cert.certificate, key: cert.privateKey }, (socket) => {
    let received = 0;
    socket.on('data', (data: Buffer) => {
      received += data.length;
      if (received >= TOTAL) rawDone?.();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rawPort = (server.address() as AddressInfo).port;

  try {
    return [
      await compare({
        name: 'TLS: connect, send 32 MiB, close',
        unit: 'MB/s',
        kind: 'throughput',
        rawLabel: 'node:tls',
        rounds: 5,
        weft: () =>
          new Promise<number>((resolve) => {
            const started = process.hrtime.bigint();
            weftDone = () => {
              weftDone = null;
              resolve(megabytesPerSecond(started));
            };
            reactor.connectSSL('127.0.0.1', weftPort, clientFactory, trust);
          }),
        raw: () =>
          new Promise<number>((resolve) => {
            const started = process.hrtime.bigint();
            rawDone = () => {
              rawDone = null;
              resolve(megabytesPerSecond(started));
            };
            const socket = tlsConnect({
              host: '127.0.0.1',
              port: rawPort,
              servername: 'localhost',
              ca: cert.certificate,
            });
            for (let sent = 0; sent < TOTAL; sent += CHUNK.length) socket.write(CHUNK);
            socket.end();
            socket.on('error', () => undefined);
          }),
      }),
    ];
  } finally {
    await port.stopListening();
    server.close();
    const stopped = reactor.run({ installSignalHandlers: false });
    reactor.stop();
    await stopped;
  }
}

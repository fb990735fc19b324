// weft's TLS against Twisted's (22.4, pyOpenSSL) as a real peer: Twisted's listenSSL and
// connectSSL, and Twisted's startTLS on a line protocol. The peer is
// test/interop/twisted_tls_peer.py, run with /usr/bin/python3.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it, onTestFinished } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import { testCertificates } from '../support/tls-certs.js';
import {
  Echo,
  freshReactor,
  portNumber,
  RecordingClientFactory,
  RecordingFactory,
} from '../node/socket-helpers.js';
import { TLSRecorder } from '../node/tls-helpers.js';

const PEER = fileURLToPath(new URL('twisted_tls_peer.py', import.meta.url));

/** A running peer and what it printed so far. */
interface Peer {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the first match of `pattern` in the peer's output. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function runPeer(args: readonly string[]): Peer {
  const child = spawn('/usr/bin/python3', [PEER, ...args], { stdio: 'pipe' });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let output = '';
  const watchers = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
    for (const watch of [...watchers]) watch();
  });
  let errors = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    errors += chunk;
  });
  return {
    child,
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output);
          if (match !== null) {
            watchers.delete(check);
            resolve(match);
          }
        };
        watchers.add(check);
        child.once('exit', () => {
          watchers.delete(check);
          const match = pattern.exec(output);
          if (match === null)
            reject(new Error(`peer exited without ${String(pattern)}: ${output}${errors}`));
          else resolve(match);
        });
        check();
      });
    },
  };
}

/** Splits what it receives into lines (`\n`). */
class LineRecorder extends TLSRecorder {
  readonly lines: string[] = [];
  #buffer = '';
  onLine: (line: string) => void = () => undefined;

  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.#buffer += Buffer.from(data).toString();
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      this.lines.push(line);
      this.onLine(line);
    }
  }
}

describe('weft TLS with Twisted TLS peers', () => {
  it("connectSSL talks to Twisted's listenSSL, verifying its certificate", async () => {
    const certs = await testCertificates();
    const peer = runPeer(['server', certs.server.certificatePath, certs.server.privateKeyPath]);
    const [, port] = await peer.waitFor(/PORT (\d+)/);
    const reactor = freshReactor();
    const factory = new RecordingClientFactory(TLSRecorder);
    reactor.connectSSL('127.0.0.1', Number(port), factory, {
      trustRoot: certs.ca,
      hostname: 'localhost',
    });
    const client = await factory.made;
    client.transport.write('echo me, Twisted');
    expect((await client.bytes(16)).toString()).toBe('echo me, Twisted');
    expect(client.transport.getPeerCertificate()?.subject.CN).toBe('localhost');
    client.transport.loseConnection();
    expect((await client.lost).value).toBeInstanceOf(ConnectionDone);
  });

  it("serves Twisted's connectSSL from listenSSL", async () => {
    const certs = await testCertificates();
    const reactor = freshReactor();
    const factory = new RecordingFactory(Echo);
    const port = await reactor.listenSSL(0, factory, certs.server, { interface: '127.0.0.1' });
    const peer = runPeer(['client', String(portNumber(port)), certs.caPath]);
    expect((await peer.waitFor(/GOT (.*)/))[1]).toBe('hello from twisted');
    expect((await peer.waitFor(/LOST (\w+)/))[1]).toBe('ConnectionDone');
    const server = await factory.connection(0);
    expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
  });

  it("upgrades with startTLS against Twisted's startTLS, after a clear exchange", async () => {
    const certs = await testCertificates();
    const peer = runPeer(['starttls', certs.server.certificatePath, certs.server.privateKeyPath]);
    const [, port] = await peer.waitFor(/PORT (\d+)/);
    const reactor = freshReactor();
    class Client extends LineRecorder {
      override connectionMade(): void {
        super.connectionMade();
        this.transport.write('in clear\nSTARTTLS\n');
        this.onLine = (line) => {
          if (line === 'OK') {
            this.transport.startTLS({ trustRoot: certs.ca, hostname: 'localhost' });
            this.transport.write('now encrypted\n');
          } else if (line === 'NOW ENCRYPTED') {
            this.transport.loseConnection();
          }
        };
      }
    }
    const factory = new RecordingClientFactory(Client);
    reactor.connectTCP('127.0.0.1', Number(port), factory);
    const client = await factory.made;
    await client.lost;
    expect(client.lines).toEqual(['IN CLEAR', 'OK', 'NOW ENCRYPTED']);
    expect(client.events).toContain('handshake');
    expect(client.transport.getPeerCertificate()?.subject.CN).toBe('localhost');
  });
});

// weft's TLS against a peer that is neither weft nor Node: the openssl command's own s_server
// and s_client on loopback, verifying certificates the test CA signed.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { describe, expect, it, onTestFinished } from 'vitest';

import { ConnectionDone } from '../../src/core/errors.js';
import { CertificateVerificationError } from '../../src/core/tls-errors.js';
import {
  Echo,
  freshReactor,
  later,
  type Later,
  portNumber,
  RecordingClientFactory,
  RecordingFactory,
} from '../node/socket-helpers.js';
import { TLSRecorder } from '../node/tls-helpers.js';
import { testCertificates } from '../support/tls-certs.js';

/** A port free on 127.0.0.1 right now (s_server cannot report the port it was given for 0). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    probe.close(() => {
      resolve();
    });
  });
  return port;
}

/** A running openssl command, killed at the end of the test. */
interface OpenSSL {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with its stdout once that contains `text`. */
  readonly printed: (text: string) => Promise<string>;
}

/** Runs `openssl args`. */
function openssl(args: readonly string[]): OpenSSL {
  const child = spawn('openssl', args, { stdio: 'pipe' });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  const waiting: { text: string; done: Later<string> }[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
    for (const w of waiting) if (!w.done.settled && out.includes(w.text)) w.done.resolve(out);
  });
  child.stderr.resume();
  return {
    child,
    printed: (text) => {
      const done = later<string>();
      if (out.includes(text)) done.resolve(out);
      else waiting.push({ text, done });
      return done.promise;
    },
  };
}

describe('weft TLS with openssl s_server and s_client', () => {
  it('connectSSL talks to s_server -rev: verified against the test CA, lines answered reversed', async () => {
    const certs = await testCertificates();
    const port = await freePort();
    await openssl([
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-cert',
      certs.server.certificatePath,
      '-key',
      certs.server.privateKeyPath,
      '-rev',
      '-naccept',
      '1',
    ]).printed('ACCEPT');
    const reactor = freshReactor();
    const factory = new RecordingClientFactory(TLSRecorder);
    reactor.connectSSL('127.0.0.1', port, factory, { trustRoot: certs.ca, hostname: 'localhost' });
    const client = await factory.made;
    client.transport.write('hello openssl\n');
    expect((await client.bytes(14)).toString()).toBe('lssnepo olleh\n');
    expect(client.events.slice(0, 2)).toEqual(['made', 'handshake']);
    client.transport.loseConnection();
    await client.lost;
  });

  it('connectSSL refuses an s_server whose certificate the trust root did not sign', async () => {
    const certs = await testCertificates();
    const port = await freePort();
    await openssl([
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-cert',
      certs.selfSigned.certificatePath,
      '-key',
      certs.selfSigned.privateKeyPath,
      '-rev',
      '-naccept',
      '1',
    ]).printed('ACCEPT');
    const reactor = freshReactor();
    const factory = new RecordingClientFactory(TLSRecorder);
    reactor.connectSSL('127.0.0.1', port, factory, { trustRoot: certs.ca, hostname: 'localhost' });
    const client = await factory.made;
    const reason = await client.lost;
    expect(reason.value).toBeInstanceOf(CertificateVerificationError);
    expect((reason.value as CertificateVerificationError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('s_client talks to listenSSL with a client certificate, verifying the server; a clean close', async () => {
    const certs = await testCertificates();
    const reactor = freshReactor();
    const factory = new RecordingFactory(Echo);
    const port = await reactor.listenSSL(
      0,
      factory,
      { ...certs.server, trustRoot: certs.ca, clientAuthentication: 'require' },
      { interface: '127.0.0.1' },
    );
    const { child, printed } = openssl([
      's_client',
      '-connect',
      `127.0.0.1:${portNumber(port)}`,
      '-CAfile',
      certs.caPath,
      '-verify_return_error',
      '-servername',
      'localhost',
      '-cert',
      certs.client.certificatePath,
      '-key',
      certs.client.privateKeyPath,
      '-quiet',
      '-no_ign_eof',
    ]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const server = await factory.connection(0);
    child.stdin.write('ping through openssl\n');
    expect((await server.bytes(21)).toString()).toBe('ping through openssl\n');
    expect(await printed('\n')).toBe('ping through openssl\n'); // echoed back, decrypted by openssl
    child.stdin.end(); // s_client closes the connection at EOF, with close_notify
    expect((await server.lost).value).toBeInstanceOf(ConnectionDone);
    expect(await exited).toBe(0);
  });
});

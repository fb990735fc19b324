import { describe, expect, it } from 'vitest';

import {
  ConnectionClosed,
  ConnectionDone,
  ConnectionLost,
  Deferred,
  ProcessDone,
  ProcessExitedAlready,
  ProcessSignalledError,
  ProcessSpawnError,
  ProcessTerminated,
  UnexpectedErrorOutput,
  WeftError,
} from '../../src/core/index.js';
import * as processErrors from '../../src/core/process-errors.js';

const samples = [
  [ProcessDone, new ProcessDone()],
  [ProcessTerminated, new ProcessTerminated(1, null)],
  [ProcessSpawnError, new ProcessSpawnError('x', { code: 'ENOENT' })],
  [ProcessExitedAlready, new ProcessExitedAlready()],
  [
    UnexpectedErrorOutput,
    new UnexpectedErrorOutput(new Uint8Array([0x6f, 0x6f, 0x70, 0x73]), new Deferred()),
  ],
  [ProcessSignalledError, new ProcessSignalledError(new Uint8Array(), new Uint8Array(), 'SIGKILL')],
] as const;

describe('process errors', () => {
  it('are exported from weft/core exactly as process-errors.ts defines them', () => {
    for (const [cls] of samples) {
      expect((processErrors as Record<string, unknown>)[cls.name]).toBe(cls);
    }
  });

  it.each(samples.map(([cls, error]) => [cls.name, cls, error] as const))(
    '%s is a WeftError named after its class',
    (name, cls, error) => {
      expect(error).toBeInstanceOf(WeftError);
      expect(error).toBeInstanceOf(cls);
      expect(error.name).toBe(name);
    },
  );

  it("keeps Twisted's tree: ProcessDone is a ConnectionDone, ProcessTerminated a ConnectionLost", () => {
    expect(new ProcessDone()).toBeInstanceOf(ConnectionDone);
    expect(new ProcessDone()).not.toBeInstanceOf(ConnectionLost);
    expect(new ProcessTerminated(null, 'SIGTERM')).toBeInstanceOf(ConnectionLost);
    expect(new ProcessTerminated(1, null)).toBeInstanceOf(ConnectionClosed);
    expect(new ProcessTerminated(1, null)).not.toBeInstanceOf(ConnectionDone);
    expect(new ProcessSpawnError('x')).toBeInstanceOf(ProcessTerminated);
  });

  it('gives ProcessDone exit code 0, no signal and its wait status', () => {
    const error = new ProcessDone();
    expect([error.exitCode, error.signal, error.status]).toEqual([0, null, 0]);
  });

  it('gives ProcessTerminated its exit code or signal and status, and says which in the message', () => {
    const exited = new ProcessTerminated(2, null, 512);
    expect([exited.exitCode, exited.signal, exited.status]).toEqual([2, null, 512]);
    expect(exited.message).toMatch(/exit code 2/);
    const killed = new ProcessTerminated(null, 'SIGKILL', 9);
    expect([killed.exitCode, killed.signal, killed.status]).toEqual([null, 'SIGKILL', 9]);
    expect(killed.message).toMatch(/signal SIGKILL/);
    expect(new ProcessTerminated(1, null).status).toBeNull();
  });

  it('names the executable and platform code in ProcessSpawnError, keeping the cause', () => {
    const cause = new Error('spawn nope ENOENT');
    const error = new ProcessSpawnError('nope', { code: 'ENOENT', cause });
    expect(error.message).toBe('Could not start "nope": ENOENT');
    expect([error.code, error.cause, error.executable]).toEqual(['ENOENT', cause, 'nope']);
    expect(new ProcessSpawnError('nope').message).toBe('Could not start "nope": unknown error');
  });

  it('quotes the stderr bytes in UnexpectedErrorOutput, as Twisted', () => {
    const ended = new Deferred<never>();
    const error = new UnexpectedErrorOutput(new TextEncoder().encode('oops\n'), ended);
    expect(error.message).toBe('got stderr: "oops\\n"');
    expect(error.processEnded).toBe(ended);
  });

  it('carries the output and signal in ProcessSignalledError', () => {
    const out = new Uint8Array([1]);
    const error = new ProcessSignalledError(out, new Uint8Array([2]), 'SIGTERM');
    expect([error.out, error.err, error.signal]).toEqual([out, new Uint8Array([2]), 'SIGTERM']);
    expect(error.message).toMatch(/SIGTERM/);
    expect(new ProcessExitedAlready().message).toBe('The process has already exited');
  });
});

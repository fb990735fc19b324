// Starts a Python peer script of test/interop (amp_peer.py, amp_tls_peer.py) under
// /usr/bin/python3 and watches its output: what the AMP interop tests share.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';

import type { Deferred } from '../../src/core/defer.js';

/** A running peer script. */
export interface PythonPeer {
  /** Everything it printed so far, stdout then stderr, for failure messages. */
  output: () => string;
  /** Resolves with the first match of `pattern` in its stdout; rejects if it ends first. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  /** Resolves with its exit code once it has ended and its pipes have closed. */
  exited: Promise<number | null>;
  /** Asks it to end (SIGTERM). */
  stop: () => void;
}

/** Runs the Python script at `script` with `args`; killed after 30 s at the latest. */
export function pythonPeer(script: string, args: readonly string[]): PythonPeer {
  const child = spawn('/usr/bin/python3', [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let closed = false;
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      closed = true;
      for (const w of waiters.splice(0)) w();
      resolve(code);
    });
  });
  return {
    output: () => `${out}\n--- stderr ---\n${err}`,
    exited,
    stop: () => child.kill('SIGTERM'),
    waitFor: async (pattern) => {
      for (;;) {
        const m = pattern.exec(out);
        if (m !== null) return m;
        if (closed) throw new Error(`${basename(script)} ended first:\n${out}\n${err}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** How `d` settles, as a promise of either side. */
export async function outcome<T>(d: Deferred<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await d };
  } catch (error) {
    return { error };
  }
}

/**
 * Runs the peer script at `script` with `args`, waits for its `listening on <port>` line, then
 * runs `body` with that port. A failure is rethrown with the peer's output appended; either way
 * the peer is stopped and awaited afterwards.
 */
export async function withListeningPeer(
  script: string,
  args: readonly string[],
  body: (port: number) => Promise<void>,
): Promise<void> {
  const peer = pythonPeer(script, args);
  try {
    const port = Number((await peer.waitFor(/listening on (\d+)/))[1]);
    await body(port);
  } catch (e) {
    throw new Error(`${String(e)}\n${peer.output()}`, { cause: e });
  } finally {
    peer.stop();
    await peer.exited;
  }
}

/**
 * The control channel shared by the echo servers of bench/echo.ts (bench/echo-server-raw.ts,
 * bench/echo-server-weft.ts), each run in its own child process so that its memory is its own.
 *
 * The server prints `port <n>` on stdout once it listens, then reads commands, one a line, on
 * stdin:
 * - `rss`: runs two full GCs (the server runs under `--expose-gc`) and prints
 *   `rss <bytes> heap <bytes> external <bytes>` from `process.memoryUsage()`;
 * - `cpu`: prints `cpu <µs>`, the CPU time (user + system) the process has used so far;
 * - `quit`, or the end of stdin (the driver went away): exits.
 */
import { createInterface } from 'node:readline';

/** Prints the port and serves `rss`/`quit` commands on stdin; `close` runs before exiting. */
export function serveControl(port: number, close: () => void): void {
  process.stdout.write(`port ${String(port)}\n`);
  const lines = createInterface({ input: process.stdin, terminal: false });
  const exit = (): void => {
    close();
    process.exit(0);
  };
  lines.on('line', (line) => {
    const command = line.trim();
    if (command === 'rss') {
      const gc = globalThis.gc;
      if (gc === undefined) throw new Error('the echo servers need node --expose-gc');
      gc();
      gc();
      const m = process.memoryUsage();
      process.stdout.write(
        `rss ${String(m.rss)} heap ${String(m.heapUsed)} external ${String(m.external)}\n`,
      );
    } else if (command === 'cpu') {
      const usage = process.cpuUsage();
      process.stdout.write(`cpu ${String(usage.user + usage.system)}\n`);
    } else if (command === 'quit') {
      exit();
    } else if (command !== '') {
      process.stderr.write(`echo server: unknown command ${JSON.stringify(command)}\n`);
    }
  });
  lines.on('close', exit);
}

/** The listening port the driver asked for: `--port=N` (default 0, any free port). */
export function requestedPort(argv: readonly string[]): number {
  for (const arg of argv) {
    const m = /^--port=(\d+)$/.exec(arg);
    if (m !== null) return Number(m[1]);
  }
  return 0;
}

// Running a compiled program in a child `node` process, with a hard time limit, for tests of
// whole-process behaviour (exit status, signals, output).
import { spawn } from 'node:child_process';

/** How a child process ended, with everything it printed. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running child process. */
export interface ChildRun {
  /**
   * Resolves with the first match of `pattern` in stdout once it has appeared; rejects if the
   * child ends first.
   */
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Sends `signal` to the child. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves once the child has exited and its output is read; rejects on the hard time limit. */
  readonly exited: Promise<ExitStatus>;
}

/** Options of {@link runNode}. */
export interface RunNodeOptions {
  /** Extra environment variables, added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Milliseconds after which the child is killed (SIGKILL) and `exited` rejects. Default 15 s. */
  readonly timeoutMs?: number;
}

/** Runs `node <file> ...args`; a child still alive after the time limit is killed and fails. */
export function runNode(
  file: string,
  args: readonly string[] = [],
  options: RunNodeOptions = {},
): ChildRun {
  return runProcess(process.execPath, [file, ...args], options);
}

/**
 * Runs `command ...args` (a Python peer, say); as {@link runNode}, whose options it takes. In
 * messages the child is named by its last argument that is a path, else by the command.
 */
export function runProcess(
  command: string,
  args: readonly string[] = [],
  options: RunNodeOptions = {},
): ChildRun {
  const file = args.find((arg) => arg.includes('/')) ?? command;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  let ended = false;
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const watch of [...watchers]) watch();
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      ended = true;
      notify();
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ended = true;
      notify();
      if (timedOut) {
        reject(
          new Error(
            `${file} was still running after ${String(timeoutMs)} ms\n` +
              `stdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
      } else {
        resolve({ code, signal, stdout, stderr });
      }
    });
  });
  return {
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    waitForOutput: (pattern) =>
      new Promise((resolve, reject) => {
        const watch = (): void => {
          const match = pattern.exec(stdout);
          if (match !== null) {
            watchers.delete(watch);
            resolve(match);
          } else if (ended) {
            watchers.delete(watch);
            reject(
              new Error(
                `${file} ended before printing ${String(pattern)}\n` +
                  `stdout:\n${stdout}\nstderr:\n${stderr}`,
              ),
            );
          }
        };
        watchers.add(watch);
        watch();
      }),
  };
}

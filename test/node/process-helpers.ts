// Shared by the child-process tests: a ProcessProtocol that records every callback, and small
// node scripts run with `node -e`.
import { readdirSync } from 'node:fs';

import { Failure } from '../../src/core/failure.js';
import { ProcessProtocol } from '../../src/core/process-protocol.js';

/** `node -e <script>` arguments for spawnProcess (argv[0] first). */
export function nodeArgs(script: string, ...rest: string[]): string[] {
  return [process.execPath, '-e', script, ...rest];
}

/** The environment children need to find `sh`, `cat`, ... by name: this process's. */
export const INHERIT = { env: null } as const;

/** Open descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Records every callback as a string ("out:hello", "lost:1", "exited:ProcessDone", ...). */
export class RecordingProcess extends ProcessProtocol {
  readonly events: string[] = [];
  readonly chunks = new Map<number, Uint8Array[]>();
  exitReason: Failure | null = null;
  endReason: Failure | null = null;
  readonly ended: Promise<Failure>;
  #resolve!: (reason: Failure) => void;

  constructor() {
    super();
    this.ended = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  override connectionMade(): void {
    this.events.push('connectionMade');
  }

  override childDataReceived(childFD: number, data: Uint8Array): void {
    let list = this.chunks.get(childFD);
    if (list === undefined) this.chunks.set(childFD, (list = []));
    list.push(data);
    if (this.events.at(-1) !== `data:${String(childFD)}`)
      this.events.push(`data:${String(childFD)}`);
    super.childDataReceived(childFD, data);
  }

  override childConnectionLost(childFD: number): void {
    this.events.push(`lost:${String(childFD)}`);
    super.childConnectionLost(childFD);
  }

  override processExited(reason: Failure): void {
    this.exitReason = reason;
    this.events.push(`exited:${(reason.value as Error).name}`);
  }

  override processEnded(reason: Failure): void {
    this.endReason = reason;
    this.events.push(`ended:${(reason.value as Error).name}`);
    this.#resolve(reason);
  }

  /** Everything received on `childFD`, as UTF-8 text. */
  text(childFD: number): string {
    return Buffer.concat(this.chunks.get(childFD) ?? []).toString('utf8');
  }
}

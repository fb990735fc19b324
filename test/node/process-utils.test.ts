// getProcessOutput, getProcessValue, getProcessOutputAndValue (Twisted's twisted.internet.utils)
// against real children.
import { assert, describe, it } from 'vitest';

import { Failure } from '../../src/core/failure.js';
import {
  ProcessSignalledError,
  ProcessSpawnError,
  ProcessTerminated,
  UnexpectedErrorOutput,
} from '../../src/core/process-errors.js';
import {
  getProcessOutput,
  getProcessOutputAndValue,
  getProcessValue,
} from '../../src/node/process-utils.js';
import { NodeReactor } from '../../src/node/reactor.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const SH = '/bin/sh';
const MISSING = '/nonexistent/weft-missing';

async function failureOf(d: PromiseLike<unknown>): Promise<unknown> {
  try {
    await d;
  } catch (e) {
    return e;
  }
  assert.fail('expected a failure');
}

describe('getProcessOutput', () => {
  it("fires with the child's stdout, whatever its exit status, passing args after argv[0]", async () => {
    assert.equal(text(await getProcessOutput('/bin/echo', ['hello', 'world'])), 'hello world\n');
    assert.equal(text(await getProcessOutput(SH, ['-c', 'echo partial; exit 4'])), 'partial\n');
  });

  it('fails with UnexpectedErrorOutput on stderr, whose processEnded fails once the child ends', async () => {
    const error = await failureOf(getProcessOutput(SH, ['-c', 'echo oops >&2; sleep 0.2']));
    assert.instanceOf(error, UnexpectedErrorOutput);
    const unexpected = error;
    assert.equal(text(unexpected.data), 'oops\n');
    const ended = await failureOf(unexpected.processEnded);
    assert.instanceOf(ended, Error);
  });

  it('includes stderr in the output with errortoo', async () => {
    const out = await getProcessOutput(SH, ['-c', 'echo out; echo err >&2'], { errortoo: true });
    assert.sameMembers(text(out).split('\n').filter(Boolean), ['out', 'err']);
  });

  it('passes env (default empty), path and the reactor to spawnProcess', async () => {
    const reactor = new NodeReactor();
    const out = await getProcessOutput(SH, ['-c', 'echo "$WEFT_X" "$(pwd)"'], {
      env: { WEFT_X: 'x' },
      path: '/',
      reactor,
    });
    assert.equal(text(out), 'x /\n');
    assert.equal(text(await getProcessOutput(SH, ['-c', 'echo "[$HOME]"'])), '[]\n');
    assert.notEqual(text(await getProcessOutput(SH, ['-c', 'echo "$PATH"'], { env: null })), '\n');
  });

  it('fails with ProcessSpawnError when the executable is missing', async () => {
    const error = await failureOf(getProcessOutput(MISSING));
    assert.instanceOf(error, ProcessSpawnError);
    assert.equal(error.code, 'ENOENT');
  });
});

describe('getProcessValue', () => {
  it('fires with the exit status, or null when a signal ended the child', async () => {
    assert.equal(await getProcessValue(SH, ['-c', 'exit 0']), 0);
    assert.equal(await getProcessValue(SH, ['-c', 'exit 3']), 3);
    assert.isNull(await getProcessValue(SH, ['-c', 'kill -9 $$']));
  });

  it('fails with ProcessSpawnError when the executable is missing', async () => {
    assert.instanceOf(await failureOf(getProcessValue(MISSING)), ProcessSpawnError);
  });
});

describe('getProcessOutputAndValue', () => {
  it('fires with stdout, stderr and the exit status', async () => {
    const [out, err, code] = await getProcessOutputAndValue(SH, [
      '-c',
      'echo out; echo err >&2; exit 2',
    ]);
    assert.deepEqual([text(out), text(err), code], ['out\n', 'err\n', 2]);
  });

  it('writes stdinBytes to the child and closes its stdin', async () => {
    const [out, , code] = await getProcessOutputAndValue('cat', [], {
      env: null,
      stdinBytes: 'fed to cat',
    });
    assert.deepEqual([text(out), code], ['fed to cat', 0]);
  });

  it('fails with ProcessSignalledError carrying the output so far when a signal ends the child', async () => {
    const error = await failureOf(
      getProcessOutputAndValue(SH, ['-c', 'echo before; echo e >&2; kill -TERM $$']),
    );
    assert.instanceOf(error, ProcessSignalledError);
    const signalled = error;
    assert.deepEqual([text(signalled.out), text(signalled.err)], ['before\n', 'e\n']);
    assert.equal(signalled.signal, 'SIGTERM');
    assert.instanceOf(signalled.cause, ProcessTerminated);
  });

  it('fails with ProcessSpawnError when the executable is missing', async () => {
    assert.instanceOf(await failureOf(getProcessOutputAndValue(MISSING)), ProcessSpawnError);
  });

  it('passes on an end reason that is not a process error as it is', async () => {
    // A reactor whose spawnProcess ends the protocol with something else entirely.
    const odd = new Failure(new Error('odd'));
    const reactor = {
      spawnProcess: (protocol: { processEnded(reason: Failure): void }) => {
        protocol.processEnded(odd);
        return undefined as never;
      },
    };
    for (const d of [
      getProcessOutputAndValue(SH, [], { reactor }),
      getProcessValue(SH, [], { reactor }),
    ]) {
      const error = await failureOf(d);
      assert.equal((error as Error).message, 'odd');
    }
  });
});

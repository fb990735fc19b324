// reactor.spawnProcess and the Process transport, against real child processes.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, assert, describe, it } from 'vitest';

import {
  ProcessExitedAlready,
  ProcessSpawnError,
  ProcessTerminated,
} from '../../src/core/index.js';
import { ProcessDone } from '../../src/core/process-errors.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { INHERIT, nodeArgs, openFds, RecordingProcess } from './process-helpers.js';

const reactor = new NodeReactor();
const scratch = mkdtempSync(join(tmpdir(), 'weft-process-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Checks Twisted's ordering rules on a recorded run. */
function assertOrdering(events: readonly string[], pipes: readonly number[]): void {
  assert.equal(events[0], 'connectionMade', events.join(' '));
  assert.match(events.at(-1) ?? '', /^ended:/, events.join(' '));
  assert.equal(events.filter((e) => e.startsWith('ended:')).length, 1);
  assert.equal(events.filter((e) => e.startsWith('exited:')).length, 1);
  for (const fd of pipes) {
    const lost = events.indexOf(`lost:${String(fd)}`);
    assert.isAtLeast(lost, 1, `lost:${String(fd)} missing: ${events.join(' ')}`);
    assert.equal(events.lastIndexOf(`lost:${String(fd)}`), lost, 'one loss per pipe');
    assert.isBelow(events.lastIndexOf(`data:${String(fd)}`), lost, 'data after loss');
  }
}

describe('NodeReactor.spawnProcess', () => {
  describe('callback order', () => {
    it('calls connectionMade first, each pipe loss after its data, and processEnded last', async () => {
      const proto = new RecordingProcess();
      const script = "process.stdout.write('out'); process.stderr.write('err');";
      const transport = reactor.spawnProcess(proto, process.execPath, nodeArgs(script));
      assert.deepEqual(proto.events, ['connectionMade'], 'connected before spawnProcess returns');
      assert.strictEqual(proto.transport, transport);
      assert.isNumber(transport.pid);
      const reason = await proto.ended;
      assertOrdering(proto.events, [0, 1, 2]);
      assert.instanceOf(reason.value, ProcessDone);
      assert.equal(proto.text(1), 'out');
      assert.equal(proto.text(2), 'err');
      assert.isNull(transport.pid, 'pid is null once the child has exited');
      assert.isTrue(transport.disconnecting);
    });

    it('dispatches descriptors 0-2 to inConnectionLost, outConnectionLost and errConnectionLost', async () => {
      const proto = new RecordingProcess();
      const calls: string[] = [];
      proto.inConnectionLost = () => calls.push('in');
      proto.outConnectionLost = () => calls.push('out');
      proto.errConnectionLost = () => calls.push('err');
      reactor.spawnProcess(proto, 'true', ['true'], INHERIT);
      await proto.ended;
      assert.sameMembers(calls, ['in', 'out', 'err']);
    });
  });

  describe('exit status', () => {
    it('ends with ProcessDone for status 0 and ProcessTerminated with the code otherwise', async () => {
      const ok = new RecordingProcess();
      reactor.spawnProcess(ok, '/bin/sh', ['sh', '-c', 'exit 0']);
      const bad = new RecordingProcess();
      reactor.spawnProcess(bad, '/bin/sh', ['sh', '-c', 'exit 3']);
      const [okReason, badReason] = await Promise.all([ok.ended, bad.ended]);
      assert.instanceOf(okReason.value, ProcessDone);
      assert.strictEqual(ok.exitReason?.value instanceof ProcessDone, true);
      const terminated = badReason.value as ProcessTerminated;
      assert.instanceOf(terminated, ProcessTerminated);
      assert.deepEqual([terminated.exitCode, terminated.signal, terminated.status], [3, null, 768]);
    });
  });

  describe('signalProcess', () => {
    for (const [signal, name] of [
      ['TERM', 'SIGTERM'],
      ['KILL', 'SIGKILL'],
      ['SIGINT', 'SIGINT'],
      [9, 'SIGKILL'],
    ] as const) {
      it(`ends the child with ProcessTerminated(signal ${name}) for ${String(signal)}`, async () => {
        const proto = new RecordingProcess();
        const transport = reactor.spawnProcess(proto, '/bin/sleep', ['sleep', '30']);
        transport.signalProcess(signal);
        const terminated = (await proto.ended).value as ProcessTerminated;
        assert.instanceOf(terminated, ProcessTerminated);
        assert.deepEqual([terminated.exitCode, terminated.signal], [null, name]);
        assert.match(terminated.message, new RegExp(`signal ${name}`));
      });
    }

    it('throws TypeError for an unknown signal name, leaving the child running', async () => {
      const proto = new RecordingProcess();
      const transport = reactor.spawnProcess(proto, '/bin/sleep', ['sleep', '30']);
      assert.throws(() => {
        transport.signalProcess('NOSUCHSIGNAL');
      }, TypeError);
      assert.isNumber(transport.pid);
      assert.equal(String(transport), `Process("/bin/sleep", pid=${String(transport.pid)})`);
      transport.signalProcess('KILL');
      await proto.ended;
    });

    it('throws ProcessExitedAlready once the child has exited', async () => {
      const proto = new RecordingProcess();
      const transport = reactor.spawnProcess(proto, 'true', ['true'], INHERIT);
      await proto.ended;
      assert.throws(() => {
        transport.signalProcess('TERM');
      }, ProcessExitedAlready);
    });
  });

  describe('stdin', () => {
    it('writes to the child and closes its stdin on closeStdin, so cat echoes and exits', async () => {
      const proto = new RecordingProcess();
      const transport = reactor.spawnProcess(proto, 'cat', ['cat'], INHERIT);
      transport.write('hello ');
      transport.writeSequence(['wor', new TextEncoder().encode('ld')]);
      transport.writeToChild(0, '!');
      transport.closeStdin();
      transport.write('dropped');
      const reason = await proto.ended;
      assert.instanceOf(reason.value, ProcessDone);
      assert.equal(proto.text(1), 'hello world!');
      assertOrdering(proto.events, [0, 1, 2]);
      assert.isBelow(proto.events.indexOf('lost:0'), proto.events.indexOf('lost:1'));
    });

    it('closes stdin, stdout and stderr on loseConnection', async () => {
      const proto = new RecordingProcess();
      const transport = reactor.spawnProcess(proto, 'cat', ['cat'], INHERIT);
      transport.loseConnection();
      assert.isTrue(transport.disconnecting);
      const reason = await proto.ended;
      assert.instanceOf(reason.value, ProcessDone);
      assertOrdering(proto.events, [0, 1, 2]);
    });

    it('drops writes when the child has no stdin pipe, and stops a producer registered then', async () => {
      const proto = new RecordingProcess();
      const transport = reactor.spawnProcess(proto, 'true', ['true'], {
        ...INHERIT,
        childFDs: { 1: 'r' },
      });
      transport.write('nowhere');
      let stopped = false;
      transport.registerProducer(
        {
          pauseProducing: () => undefined,
          resumeProducing: () => undefined,
          stopProducing: () => (stopped = true),
        },
        true,
      );
      transport.unregisterProducer();
      assert.isTrue(stopped);
      assert.equal(transport.stdinBufferedBytes, 0);
      await proto.ended;
      assert.notInclude(proto.events, 'lost:0');
    });
  });

  describe('options', () => {
    it('gives the child an empty environment when env is omitted, as Twisted on POSIX', async () => {
      const proto = new RecordingProcess();
      reactor.spawnProcess(
        proto,
        process.execPath,
        nodeArgs('console.log(JSON.stringify(process.env))'),
      );
      await proto.ended;
      assert.deepEqual(JSON.parse(proto.text(1)), {});
    });

    it("passes env as given, and this process's environment for env: null", async () => {
      const given = new RecordingProcess();
      const script = 'console.log(process.env.WEFT_TEST ?? "unset")';
      reactor.spawnProcess(given, process.execPath, nodeArgs(script), {
        env: { WEFT_TEST: 'given' },
      });
      process.env.WEFT_TEST = 'inherited';
      const inherited = new RecordingProcess();
      try {
        reactor.spawnProcess(inherited, process.execPath, nodeArgs(script), { env: null });
      } finally {
        delete process.env.WEFT_TEST;
      }
      await Promise.all([given.ended, inherited.ended]);
      assert.equal(given.text(1), 'given\n');
      assert.equal(inherited.text(1), 'inherited\n');
    });

    it('runs the child in path, with args[0] as its argv[0]', async () => {
      const proto = new RecordingProcess();
      const script = 'console.log(process.cwd(), process.argv0, process.argv.slice(1).join(","))';
      reactor.spawnProcess(proto, process.execPath, ['my-name', '-e', script, 'a', 'b'], {
        path: scratch,
      });
      await proto.ended;
      assert.equal(proto.text(1), `${scratch} my-name a,b\n`);
    });
  });

  describe('childFDs', () => {
    it("reads a third pipe ('r' on descriptor 3) through childDataReceived(3, ...)", async () => {
      const proto = new RecordingProcess();
      const script = "require('fs').writeSync(3, 'three'); process.stdout.write('one')";
      reactor.spawnProcess(proto, process.execPath, nodeArgs(script), {
        childFDs: { 0: 'w', 1: 'r', 2: 'r', 3: 'r' },
      });
      await proto.ended;
      assert.equal(proto.text(3), 'three');
      assert.equal(proto.text(1), 'one');
      assertOrdering(proto.events, [0, 1, 2, 3]);
    });

    it("writes a pipe the child reads ('w' on descriptor 3) with writeToChild and closeChildFD", async () => {
      const proto = new RecordingProcess();
      const script = "process.stdout.write(require('fs').readFileSync(3))";
      const transport = reactor.spawnProcess(proto, process.execPath, nodeArgs(script), {
        childFDs: { 1: 'r', 3: 'w' },
      });
      transport.writeToChild(3, 'via fd 3');
      transport.closeChildFD(3);
      transport.closeChildFD(7); // no such pipe: nothing happens
      await proto.ended;
      assert.equal(proto.text(1), 'via fd 3');
      assertOrdering(proto.events, [1, 3]);
    });

    it('gives the child a parent descriptor to inherit for a number (stdout to a file)', async () => {
      const file = join(scratch, 'out.txt');
      const fd = openSync(file, 'w');
      const proto = new RecordingProcess();
      try {
        reactor.spawnProcess(proto, '/bin/sh', ['sh', '-c', 'echo to-file'], {
          childFDs: { 1: fd },
        });
      } finally {
        closeSync(fd); // the child has its own copy
      }
      await proto.ended;
      assert.equal(readFileSync(file, 'utf8'), 'to-file\n');
      assert.deepEqual(proto.events, ['connectionMade', 'exited:ProcessDone', 'ended:ProcessDone']);
    });

    it("rejects 'r' on descriptor 0 and values that are not 'r', 'w' or a descriptor", () => {
      const proto = new RecordingProcess();
      assert.throws(
        () => reactor.spawnProcess(proto, 'true', ['true'], { childFDs: { 0: 'r' } }),
        TypeError,
      );
      assert.throws(
        () => reactor.spawnProcess(proto, 'true', ['true'], { childFDs: { 1: 'x' as 'r' } }),
        TypeError,
      );
      assert.deepEqual(proto.events, []);
    });
  });

  describe('a child that cannot start', () => {
    it('connects, loses every pipe, then exits and ends with ProcessSpawnError (ENOENT)', async () => {
      const before = openFds();
      const proto = new RecordingProcess();
      const transport = reactor.spawnProcess(proto, '/nonexistent/weft-no-such-program', ['x']);
      assert.deepEqual(proto.events, ['connectionMade']);
      const reason = await proto.ended;
      const error = reason.value as ProcessSpawnError;
      assert.instanceOf(error, ProcessSpawnError);
      assert.instanceOf(error, ProcessTerminated);
      assert.equal(error.code, 'ENOENT');
      assert.equal(error.executable, '/nonexistent/weft-no-such-program');
      assert.deepEqual([error.exitCode, error.signal], [null, null]);
      assertOrdering(proto.events, [0, 1, 2]);
      assert.strictEqual(proto.exitReason, reason);
      assert.isNull(transport.pid);
      assert.throws(() => {
        transport.signalProcess('KILL');
      }, ProcessExitedAlready);
      assert.equal(openFds(), before, 'no descriptor left open');
    });

    it('ends with ProcessSpawnError when the working directory does not exist', async () => {
      const proto = new RecordingProcess();
      reactor.spawnProcess(proto, 'true', ['true'], { env: null, path: join(scratch, 'missing') });
      const error = (await proto.ended).value as ProcessSpawnError;
      assert.instanceOf(error, ProcessSpawnError);
      assert.equal(error.code, 'ENOENT');
    });
    it('ends with ProcessSpawnError when Node refuses synchronously (E2BIG), never throwing', async () => {
      const proto = new RecordingProcess();
      const transport = reactor.spawnProcess(proto, 'true', ['true', 'x'.repeat(200_000)], INHERIT);
      assert.deepEqual(proto.events, ['connectionMade']);
      transport.write('ignored');
      const error = (await proto.ended).value as ProcessSpawnError;
      assert.instanceOf(error, ProcessSpawnError);
      assert.equal(error.code, 'E2BIG');
      assertOrdering(proto.events, [0, 1, 2]);
    });

    it('throws at the caller for arguments Node rejects as invalid (a NUL byte)', () => {
      const proto = new RecordingProcess();
      assert.throws(() => reactor.spawnProcess(proto, 'true', ['true', 'a\0b']), /null bytes/);
      assert.throws(
        () => reactor.spawnProcess(proto, 'true', ['true'], { childFDs: { [-1]: 'r' } }),
        TypeError,
      );
      assert.deepEqual(proto.events, []);
    });
  });

  describe('many children', () => {
    it('runs 50 children at once and leaves no descriptor open', async () => {
      const before = openFds();
      const protos = Array.from({ length: 50 }, (_, i) => {
        const proto = new RecordingProcess();
        reactor.spawnProcess(proto, '/bin/sh', ['sh', '-c', `echo ${String(i)}`]);
        return proto;
      });
      const reasons = await Promise.all(protos.map((p) => p.ended));
      for (const [i, reason] of reasons.entries()) {
        assert.instanceOf(reason.value, ProcessDone);
        assert.equal(protos[i]?.text(1), `${String(i)}\n`);
      }
      assert.equal(openFds(), before);
    });
  });
});

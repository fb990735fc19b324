// example: client of amp-server.ts
// An AMP client (Twisted's ampclient.py): calls Sum, then Divide by zero, which fails with the
// declared ZeroDivision error, then hangs up and lets react() stop the reactor.
//
// Start examples/amp-server.ts, then run `node .build/examples/amp-client.js [port]` (after
// `npx tsc -p tsconfig.examples.json`). The port is the first argument, else PORT, else 1234;
// HOST is the host (default 127.0.0.1). It works as well against a Twisted AMP server declaring
// the same commands. If it cannot connect it logs the reason (for instance
// ConnectionRefusedError) on stderr and exits with status 1. Otherwise it exits with status 0
// and prints:
//
//   13 + 81 = 94
//   1 / 0 failed: ZeroDivision: division by zero
//   done
import {
  ClientFactory,
  ConnectionDone,
  Deferred,
  react,
  type Failure,
  type IConnector,
  type NodeReactor,
} from '../src/index.js';
import { AMP, command, Float, Integer } from '../src/protocols/amp/index.js';

/** The error Divide declares as ZERO_DIVISION. */
class ZeroDivision extends Error {
  override name = 'ZeroDivision';
}

const Sum = command({
  name: 'Sum',
  arguments: { a: new Integer(), b: new Integer() },
  response: { total: new Integer() },
});

const Divide = command({
  name: 'Divide',
  arguments: { numerator: new Integer(), denominator: new Integer() },
  response: { result: new Float() },
  errors: { ZERO_DIVISION: ZeroDivision },
});

/** Makes the calls once connected, then closes the connection. */
class Calls extends AMP {
  override connectionMade(): void {
    this.callRemote(Sum, { a: 13, b: 81 })
      .addCallback(({ total }) => {
        console.log(`13 + 81 = ${total}`);
        return this.callRemote(Divide, { numerator: 1, denominator: 0 });
      })
      .addCallbacks(
        ({ result }) => {
          console.log(`1 / 0 = ${result}`);
        },
        (failure) => {
          failure.trap(ZeroDivision);
          console.log(`1 / 0 failed: ${String(failure.value)}`);
        },
      )
      .addBoth(() => {
        this.transport.loseConnection();
      });
  }
}

/** Turns how the connection ends into a Deferred for react(). */
class CallsFactory extends ClientFactory<Calls> {
  readonly done = new Deferred<void>();

  override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    this.done.errback(reason);
  }

  override clientConnectionLost(_connector: IConnector, reason: Failure): void {
    if (reason.check(ConnectionDone) === null) {
      this.done.errback(reason);
      return;
    }
    console.log('done');
    this.done.callback(undefined);
  }
}

function main(reactor: NodeReactor, host: string, port: number): Deferred<void> {
  const factory = CallsFactory.forProtocol(Calls);
  factory.noisy = false;
  reactor.connectTCP(host, port, factory, { timeout: 10 });
  return factory.done;
}

void react(main, [
  process.env.HOST ?? '127.0.0.1',
  Number(process.argv[2] ?? process.env.PORT ?? 1234),
]);

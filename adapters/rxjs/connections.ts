/**
 * The connections arriving at a listening endpoint as an RxJS Observable.
 *
 * @module
 */
import { Observable } from 'rxjs';

import type { IAddress } from '../../src/core/address.js';
import type { IStreamServerEndpoint } from '../../src/core/interfaces/endpoint.js';
import type { IListeningPort } from '../../src/core/interfaces/transport.js';
import { Logger } from '../../src/core/logger.js';
import { Factory } from '../../src/core/protocol.js';
import { ObservableProtocol, type ObservableProtocolOptions } from './observable-protocol.js';

const log = new Logger('weft.adapters.rxjs');

/** Options of {@link connections$}: those of each connection's {@link ObservableProtocol}, and a hook. */
export interface ConnectionsOptions extends ObservableProtocolOptions {
  /** Called with the port once listening (to learn the port number when 0 was asked for). */
  readonly onListening?: (port: IListeningPort) => void;
}

/**
 * The connections made to `endpoint`, as a cold Observable of
 * {@link ObservableProtocol}s: each subscription listens anew
 * (`endpoint.listen`), emits every connection once it is made — read it with
 * its `input$`, write with its `transport` or `writer()` — and stops
 * listening, exactly once, when it is unsubscribed. A failure to listen
 * (`CannotListenError`, ...) is the error notification; it never completes
 * by itself.
 *
 * Unsubscribing only stops listening, as Twisted's `stopListening` does:
 * connections already emitted belong to their subscribers and stay open
 * until those close them (by default, unsubscribing from a connection's
 * `input$` closes it). A connection made after the unsubscription, while
 * the port is still closing, is closed at once. Unsubscribing while
 * `listen` is still pending stops listening as soon as it succeeds.
 *
 * @example
 * ```ts
 * import { reactor, TCP4ServerEndpoint } from 'weft';
 * import { connections$ } from 'weft/adapters/rxjs';
 *
 * // An echo server: each connection's input is written back to it.
 * const server = connections$(new TCP4ServerEndpoint(reactor, 8080)).subscribe((conn) => {
 *   conn.input$.subscribe(conn.writer());
 * });
 * // later: server.unsubscribe() stops listening
 * ```
 */
export function connections$(
  endpoint: IStreamServerEndpoint,
  options: ConnectionsOptions = {},
): Observable<ObservableProtocol> {
  return new Observable<ObservableProtocol>((subscriber) => {
    class Connection extends ObservableProtocol {
      override connectionMade(): void {
        if (subscriber.closed) this.transport.loseConnection();
        else subscriber.next(this);
      }
    }
    const factory = new Factory<ObservableProtocol>();
    factory.buildProtocol = (_addr: IAddress): ObservableProtocol => {
      const protocol = new Connection(options);
      protocol.factory = factory;
      return protocol;
    };
    let port: IListeningPort | null = null;
    let stopped = false;
    const stop = (p: IListeningPort): void => {
      p.stopListening().addErrback((f) => {
        log.failure('connections$: stopListening failed', f);
      });
    };
    endpoint.listen(factory).addCallbacks(
      (p) => {
        if (stopped) {
          stop(p);
          return;
        }
        port = p;
        options.onListening?.(p);
      },
      (f) => {
        if (!stopped) subscriber.error(f.value);
      },
    );
    return () => {
      stopped = true;
      if (port !== null) {
        const p = port;
        port = null;
        stop(p);
      }
    };
  });
}

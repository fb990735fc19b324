/**
 * `weft/adapters/loops`: foreign loops hosting the reactor, and the reactor
 * hosting foreign timer-based code.
 *
 * - {@link HostedReactor}: a reactor driven by its host's `iterate()` calls
 *   (a game loop, a GUI loop, a worker's message loop, a test harness).
 * - {@link installReactorTimers} / {@link withReactorTimers}: the global
 *   `setTimeout` family scheduling on an `IReactorTime` for a scope, so code
 *   weft does not own runs on weft's (possibly fake) time.
 *
 * @module
 */
export { HostedReactor, type HostedReactorOptions } from './hosted-reactor.js';
export { installReactorTimers, ReactorTimer, withReactorTimers } from './reactor-timers.js';

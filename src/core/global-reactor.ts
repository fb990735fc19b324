/**
 * The global reactor: the `IReactorTime` that time-based helpers use when
 * they are not given one (Twisted's `twisted.internet.reactor` import).
 *
 * `import 'weft'` installs the Node reactor; other hosts (a browser loop, a
 * reactor driven by a game loop) install theirs. Code in `weft/core` never
 * installs one by itself.
 *
 * @module
 */
import { ReactorAlreadyInstalledError, ReactorNotInstalledError } from './errors.js';
import type { IReactorTime } from './interfaces/reactor.js';

let installed: IReactorTime | undefined;

/**
 * Makes `reactor` the global reactor, returned by {@link getGlobalReactor}
 * from now on. Installing the same reactor again does nothing.
 *
 * @throws {ReactorAlreadyInstalledError} if a different reactor is installed:
 *   there is one global reactor per process, for the life of the process.
 */
export function installReactor(reactor: IReactorTime): void {
  if (installed !== undefined && installed !== reactor) {
    throw new ReactorAlreadyInstalledError();
  }
  installed = reactor;
}

/**
 * The reactor installed by {@link installReactor}.
 *
 * @throws {ReactorNotInstalledError} if none is installed; the message says
 *   how to install one or how to pass a clock instead.
 */
export function getGlobalReactor(): IReactorTime {
  if (installed === undefined) throw new ReactorNotInstalledError();
  return installed;
}

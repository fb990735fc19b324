/**
 * `BoxDispatcher`: AMP's request/response layer over any box sender
 * (Twisted's `BoxDispatcher`): tags, outstanding calls, answers and errors.
 *
 * @module
 */
import { Deferred, fail, maybeDeferred } from '../../core/defer.js';
import { ConnectionLost } from '../../core/errors.js';
import { Failure } from '../../core/failure.js';
import { Logger } from '../../core/logger.js';
import { boxToValues, valuesToBox, type ArgumentMap } from './arguments.js';
import type { BoxReceiver, BoxSender } from './binary-box-protocol.js';
import {
  AmpBox,
  ANSWER,
  ASK,
  COMMAND,
  ERROR,
  ERROR_CODE,
  ERROR_DESCRIPTION,
  QuitBox,
} from './box.js';
import type { ArgumentsOf, Command, ErrorMap, ResponseOf } from './command.js';
import {
  InvalidSignature,
  MalformedAmpBox,
  NoEmptyBoxes,
  RemoteAmpError,
  UNHANDLED_ERROR_CODE,
  UnhandledCommand,
  UNKNOWN_ERROR_CODE,
  UnknownRemoteError,
} from './errors.js';
import { pythonBytesRepr } from './python-text.js';

const log = new Logger('weft.protocols.amp');

/**
 * Handles one received command box: returns the answer box (or a Deferred
 * or promise of it), or throws/fails with the error to answer with.
 */
export type Responder = (box: AmpBox) => AmpBox | Deferred<AmpBox> | PromiseLike<AmpBox>;

/** Finds the responder for a command name (Twisted's `IResponderLocator`). */
export interface ResponderLocator {
  /** The responder for the command `name`, or `undefined` to answer `UNHANDLED`. */
  locateResponder(name: string): Responder | undefined;
}

/**
 * What `callRemote` returns for a command: a Deferred of its response when
 * it requires an answer, nothing when it does not.
 */
export type CallResult<C> =
  C extends Command<ArgumentMap, ArgumentMap, true>
    ? Deferred<ResponseOf<C>>
    : C extends Command<ArgumentMap, ArgumentMap, false>
      ? undefined
      : Deferred<ResponseOf<C>> | undefined;

/**
 * Dispatches boxes: sends commands with fresh tags and fires their
 * Deferreds when `_answer` or `_error` boxes come back; hands `_command`
 * boxes to the responder its locator finds and sends the answer.
 *
 * Behaviour on the edges, as Twisted's:
 * - a command nobody responds to is answered `UNHANDLED`; the connection stays;
 * - a responder failing with a {@link RemoteAmpError} answers with its code
 *   (closing the connection after sending when it is `fatal`); any other
 *   failure is logged and answered `UNKNOWN` / `Unknown Error`, and the
 *   connection is closed;
 * - a command sent without `_ask` is never answered: if its responder fails,
 *   the failure is unhandled (logged; the connection is dropped);
 * - an answer or error naming no outstanding call is a protocol error;
 * - a call's failure that the caller leaves unhandled is logged and drops
 *   the connection ("add errbacks to all remote calls");
 * - when boxes stop, every outstanding call fails with the reason, and later
 *   calls fail with it at once.
 */
export class BoxDispatcher implements BoxReceiver {
  /** Where answers and commands are sent; set by {@link BoxDispatcher.startReceivingBoxes}. */
  boxSender: BoxSender | null = null;
  /** Finds responders for received commands. */
  locator: ResponderLocator;
  #outstanding = new Map<string, Deferred<AmpBox>>();
  #failAllReason: Failure | null = null;
  #counter = 0;

  constructor(locator: ResponderLocator) {
    this.locator = locator;
  }

  /** Remembers `sender` as where boxes go. */
  startReceivingBoxes(sender: BoxSender): void {
    this.boxSender = sender;
  }

  /** Fails every outstanding call with `reason`. */
  stopReceivingBoxes(reason: Failure): void {
    this.failAllOutgoing(reason);
  }

  /** Fails every outstanding call with `reason`; every later call fails with it at once. */
  failAllOutgoing(reason: Failure): void {
    this.#failAllReason = reason;
    const outstanding = [...this.#outstanding.values()];
    this.#outstanding.clear();
    for (const d of outstanding) d.errback(reason);
  }

  /** How many calls await an answer. */
  get outstandingCount(): number {
    return this.#outstanding.size;
  }

  /**
   * Sends `box` as the command `name` (adding `_command`, and `_ask` when
   * `requiresAnswer`); returns a Deferred of the raw answer box, or
   * `undefined` when no answer is asked for.
   *
   * @throws {ConnectionLost} or {@link TooLong} from the sender.
   */
  sendBoxCommand(
    name: string,
    box: AmpBox,
    requiresAnswer: boolean = true,
  ): Deferred<AmpBox> | undefined {
    if (this.#failAllReason !== null) {
      return requiresAnswer ? fail<AmpBox>(this.#failAllReason) : undefined;
    }
    const sender = this.boxSender;
    if (sender === null) throw new ConnectionLost('AMP is not connected yet');
    box.setValue(COMMAND, name);
    this.#counter += 1;
    const tag = this.#counter.toString(16);
    if (!requiresAnswer) {
      sender.sendBox(box);
      return undefined;
    }
    box.setValue(ASK, tag);
    const d = new Deferred<AmpBox>();
    sender.sendBox(box);
    this.#outstanding.set(tag, d);
    return d;
  }

  /**
   * Sends a command from raw values, bypassing argument types (Twisted's
   * `callRemoteString`); the Deferred fires with the raw answer box.
   */
  callRemoteString(
    name: string,
    values: Readonly<Record<string, string | Uint8Array>> = {},
    requiresAnswer: boolean = true,
  ): Deferred<AmpBox> | undefined {
    return this.sendBoxCommand(name, AmpBox.of(values), requiresAnswer);
  }

  /**
   * Calls `command` on the peer with `args`. Returns a Deferred of the typed
   * response, failing with an instance of one of the command's error
   * classes, {@link UnknownRemoteError}, {@link UnhandledCommand} or the
   * connection's loss reason; or nothing if the command does not require an
   * answer.
   *
   * As in Twisted, a missing required argument fails the Deferred with
   * {@link InvalidSignature} (thrown when no answer is required), and an
   * argument the command does not declare, or a value its type cannot send,
   * throws at once.
   */
  callRemote<C extends Command>(command: C, args: ArgumentsOf<C>): CallResult<C> {
    const values = args as Readonly<Record<string, unknown>>;
    const missing = Object.entries(command.arguments)
      .filter(([name, type]) => !type.optional && values[name] === undefined)
      .map(([name]) => name);
    if (missing.length > 0) {
      const error = new InvalidSignature(`forgot ${missing.join(', ')} for ${command.name}`);
      if (!command.requiresAnswer) throw error;
      return fail(error) as CallResult<C>;
    }
    for (const name of Object.keys(values)) {
      if (!Object.hasOwn(command.arguments, name)) {
        throw new InvalidSignature(`${name} is not a valid argument`);
      }
    }
    const box = valuesToBox(command.arguments, values);
    const d = this.sendBoxCommand(command.name, box, command.requiresAnswer);
    if (d === undefined) return undefined as CallResult<C>;
    return d
      .addCallback((answer) => boxToValues(command.response, answer))
      .addErrback((failure) => {
        const remote = failure.check(RemoteAmpError);
        if (remote === null) return failure;
        const error = failure.value as RemoteAmpError;
        const type =
          errorClassFor(command.errors, error.errorCode) ??
          errorClassFor(command.fatalErrors, error.errorCode) ??
          UnknownRemoteError;
        return new Failure(new type(error.description));
      }) as CallResult<C>;
  }

  /** Hands `failure` to the sender: logged, and the connection dropped. */
  unhandledError(failure: Failure): void {
    this.boxSender?.unhandledError(failure);
  }

  /**
   * Routes a received box: `_answer`, then `_error`, then `_command`.
   *
   * @throws {NoEmptyBoxes} if it has none of those keys.
   * @throws {MalformedAmpBox} if an answer or error names no outstanding call.
   */
  ampBoxReceived(box: AmpBox): void {
    if (box.has(ANSWER)) this.#answerReceived(box);
    else if (box.has(ERROR)) this.#errorReceived(box);
    else if (box.has(COMMAND)) this.#commandReceived(box);
    else
      throw new NoEmptyBoxes(
        `box with no _answer, _error or _command: ${[...box.keys()].join(', ')}`,
      );
  }

  #question(tag: string): Deferred<AmpBox> {
    const d = this.#outstanding.get(tag);
    if (d === undefined)
      throw new MalformedAmpBox(`answer for a call never made: tag ${JSON.stringify(tag)}`);
    this.#outstanding.delete(tag);
    d.addErrback((f) => {
      this.unhandledError(f);
    });
    return d;
  }

  #answerReceived(box: AmpBox): void {
    this.#question(box.getString(ANSWER) as string).callback(box);
  }

  #errorReceived(box: AmpBox): void {
    const code = box.getString(ERROR_CODE);
    const description = box.getString(ERROR_DESCRIPTION);
    if (code === undefined || description === undefined) {
      throw new MalformedAmpBox('error box without _error_code or _error_description');
    }
    const question = this.#question(box.getString(ERROR) as string);
    question.errback(
      code === UNHANDLED_ERROR_CODE
        ? new UnhandledCommand(description, code)
        : new RemoteAmpError(code, description),
    );
  }

  #commandReceived(box: AmpBox): void {
    const ask = box.get(ASK);
    let d: Deferred;
    if (ask === undefined) d = this.dispatchCommand(box);
    else {
      d = this.dispatchCommand(box)
        .addCallbacks(
          (answer) => answer.set(ANSWER, ask),
          (failure) => errorBox(failure, ask),
        )
        .addCallback((answer) => {
          this.#safeEmit(answer);
        });
    }
    d.addErrback((f) => {
      this.unhandledError(f);
    });
  }

  /** Sends `box`, ignoring a connection already gone (the answer cannot go anywhere). */
  #safeEmit(box: AmpBox): void {
    try {
      this.boxSender?.sendBox(box);
    } catch (e) {
      if (!(e instanceof ConnectionLost)) throw e;
    }
  }

  /**
   * Runs the responder for the command box `box`; a Deferred of the answer
   * box, failing with `UNHANDLED` when there is no responder.
   */
  dispatchCommand(box: AmpBox): Deferred<AmpBox> {
    const name = box.get(COMMAND) as Uint8Array;
    const responder = this.locator.locateResponder(box.getString(COMMAND) as string);
    if (responder === undefined) {
      return fail(
        new RemoteAmpError(UNHANDLED_ERROR_CODE, `Unhandled Command: ${pythonBytesRepr(name)}`, {
          local: new Failure(new UnhandledCommand()),
        }),
      );
    }
    return maybeDeferred(responder, box);
  }
}

/** The class `errors` maps `code` to, if any. */
function errorClassFor(errors: ErrorMap, code: string): ErrorMap[string] | undefined {
  return Object.hasOwn(errors, code) ? errors[code] : undefined;
}

/** The error answer for a failed responder (Twisted's `formatError`). */
function errorBox(failure: Failure, ask: Uint8Array): AmpBox {
  let box: AmpBox;
  let code: string;
  let description: string;
  const remote = failure.check(RemoteAmpError) === null ? null : (failure.value as RemoteAmpError);
  if (remote !== null) {
    code = remote.errorCode;
    description = remote.description;
    box = remote.fatal ? new QuitBox() : new AmpBox();
  } else {
    log.failure('AMP responder failed with an undeclared error', failure, {}, 'error');
    code = UNKNOWN_ERROR_CODE;
    description = 'Unknown Error';
    box = new QuitBox();
  }
  box.set(ERROR, ask);
  box.setValue(ERROR_DESCRIPTION, description);
  box.setValue(ERROR_CODE, code);
  return box;
}

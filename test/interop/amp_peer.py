"""Twisted AMP peer for weft's interop tests (run with /usr/bin/python3).

    amp_peer.py server         listen on 127.0.0.1, port 0; print "listening on <port>"; serve
                               until SIGTERM
    amp_peer.py client <port>  connect to a weft AMP server, run every scenario, print
                               "ok <scenario>" for each, then "done"; exit 1 on the first failure

Both sides declare the same commands as test/support/amp-commands.ts. No argument is named "f":
Twisted 22.4 passes arguments as keywords to maybeDeferred(f, ...), so one named f breaks.
"""
import datetime
import decimal
import math
import sys

from twisted.internet import defer, endpoints, protocol, reactor
from twisted.protocols import amp
from twisted.python import filepath, log


class Sum(amp.Command):
    arguments = [(b"a", amp.Integer()), (b"b", amp.Integer())]
    response = [(b"total", amp.Integer())]


class Divide(amp.Command):
    arguments = [(b"numerator", amp.Integer()), (b"denominator", amp.Integer())]
    response = [(b"result", amp.Float())]
    errors = {ZeroDivisionError: b"ZERO_DIVISION"}


class Boom(amp.Command):
    fatalErrors = {RuntimeError: b"BOOM"}


class Nope(amp.Command):
    pass


class Note(amp.Command):
    arguments = [(b"text", amp.Unicode())]
    requiresAnswer = False


class GetNotes(amp.Command):
    response = [(b"notes", amp.ListOf(amp.Unicode()))]


class Double(amp.Command):
    arguments = [(b"x", amp.Integer())]
    response = [(b"y", amp.Integer())]


class Back(amp.Command):
    arguments = [(b"x", amp.Integer())]
    response = [(b"y", amp.Integer())]


class SwitchToEcho(amp.ProtocolSwitchCommand):
    arguments = [(b"greeting", amp.Unicode())]


class EchoProtocol(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


FIELDS = [
    (b"i", amp.Integer()),
    (b"s", amp.String()),
    (b"u", amp.Unicode()),
    (b"fl", amp.Float()),
    (b"b", amp.Boolean()),
    (b"l", amp.ListOf(amp.Integer())),
    (b"al", amp.AmpList([(b"n", amp.Integer()), (b"note", amp.Unicode(optional=True))])),
    (b"dt", amp.DateTime()),
    (b"dec", amp.Decimal()),
    (b"opt", amp.Unicode(optional=True)),
    (b"p", amp.Path()),
]


class Echo(amp.Command):
    arguments = FIELDS
    response = FIELDS


def tz(sign, hours, minutes):
    return amp._FixedOffsetTZInfo.fromSignHoursMinutes(sign, hours, minutes)


EDGE_CASES = [
    dict(
        i=2**100, s=b"", u="", fl=float("nan"), b=True, l=[], al=[],
        dt=datetime.datetime(1, 1, 1, 0, 0, 0, 0, tzinfo=tz("+", 5, 30)),
        dec=decimal.Decimal("1.50"), opt=None, p=filepath.FilePath("/"),
    ),
    dict(
        i=-(10**40), s=bytes(range(256)) * 255, u="καλημέρα κόσμε 🌍", fl=float("-inf"), b=False,
        l=[0, -1, 2**70], al=[{"n": 7, "note": "hi"}, {"n": 9, "note": None}],
        dt=datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=tz("-", 23, 59)),
        dec=decimal.Decimal("-sNaN"), opt="ü", p=filepath.FilePath("/tmp/καλημέρα/ü 🌍"),
    ),
    dict(
        i=0, s=b"\x00" * 65535, u="x", fl=1e-05, b=True, l=[300], al=[{"n": 1, "note": "ä"}],
        dt=datetime.datetime(2026, 11, 22, 3, 15, 0, 1, tzinfo=amp.utc),
        dec=decimal.Decimal("1E+2"), opt="", p=filepath.FilePath("/a b/c.txt"),
    ),
]


def same(a, b):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, decimal.Decimal):
        return str(a) == str(b)
    if isinstance(a, datetime.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


class Peer(amp.AMP):
    def __init__(self):
        super().__init__()
        self.notes = []

    @Sum.responder
    def sum(self, a, b):
        return {"total": a + b}

    @Divide.responder
    def divide(self, numerator, denominator):
        return {"result": numerator / denominator}

    @Boom.responder
    def boom(self):
        raise RuntimeError("kaboom")

    @Note.responder
    def note(self, text):
        self.notes.append(text)
        return {}

    @GetNotes.responder
    def getNotes(self):
        return {"notes": self.notes}

    @Double.responder
    def double(self, x):
        return {"y": 2 * x}

    @Back.responder
    def back(self, x):
        return self.callRemote(Double, x=x).addCallback(lambda r: {"y": r["y"] + 1})

    @Echo.responder
    def echo(self, **kw):
        return kw

    @SwitchToEcho.responder
    def switch_to_echo(self, greeting):
        return EchoProtocol()

    def amp_HELLO(self, box):
        # Low-level string dispatch: no Command, the raw box in and out.
        return amp.Box(hello=box[b"hello"])


def serve():
    log.startLogging(sys.stderr, setStdout=False)
    factory = protocol.Factory.forProtocol(Peer)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    print("listening on %d" % (port.getHost().port,), flush=True)
    reactor.run()


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok " + what, flush=True)


@defer.inlineCallbacks
def scenarios(port):
    ep = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    p = yield endpoints.connectProtocol(ep, Peer())
    r = yield p.callRemote(Sum, a=13, b=81)
    check(r == {"total": 94}, "sum")
    for n, case in enumerate(EDGE_CASES):
        r = yield p.callRemote(Echo, **case)
        bad = [k for k in case if not same(case[k], r.get(k))]
        check(not bad, "echo %d %s" % (n, ",".join(bad)))
    try:
        yield p.callRemote(Divide, numerator=1, denominator=0)
        check(False, "divide raised")
    except ZeroDivisionError as e:
        check(str(e) == "division by zero", "declared error")
    try:
        yield p.callRemote(Nope)
        check(False, "nope raised")
    except amp.UnhandledCommand as e:
        check("Nope" in str(e), "unknown command")
    r = yield p.callRemoteString(b"hello", hello=b"world")
    check(r[b"hello"] == b"world", "string dispatch")
    p.callRemote(Note, text="first")
    p.callRemote(Note, text="second")
    r = yield p.callRemote(GetNotes)
    check(r["notes"] == ["first", "second"], "requiresAnswer false")
    r = yield p.callRemote(Back, x=20)
    check(r == {"y": 41}, "server calls back the client")
    results = yield defer.gatherResults([p.callRemote(Sum, a=i, b=i) for i in range(200)])
    check([x["total"] for x in results] == [2 * i for i in range(200)], "200 calls in flight")
    echoed = defer.Deferred()

    class Collect(protocol.Protocol):
        got = b""

        def connectionMade(self):
            self.transport.write(b"ping over the switched connection")

        def dataReceived(self, data):
            self.got += data
            if len(self.got) >= len(b"ping over the switched connection"):
                echoed.callback(self.got)

    switching = yield endpoints.connectProtocol(ep, Peer())
    r = yield switching.callRemote(
        SwitchToEcho, protocol.ClientFactory.forProtocol(Collect), greeting="hi"
    )
    check(r == {}, "protocol switch answered")
    got = yield echoed
    check(got == b"ping over the switched connection", "switched connection echoes")
    switching.transport.loseConnection()
    lost = defer.Deferred()
    p.connectionLost = lambda reason: (amp.AMP.connectionLost(p, reason), lost.callback(None))
    try:
        yield p.callRemote(Boom)
        check(False, "boom raised")
    except RuntimeError as e:
        check(str(e) == "kaboom", "fatal error")
    yield lost
    check(True, "connection closed after fatal error")


def client(port):
    status = []

    def finish(result):
        if isinstance(result, Exception) or hasattr(result, "getTraceback"):
            print("FAIL " + str(getattr(result, "value", result)), flush=True)
            status.append(1)
        else:
            print("done", flush=True)
            status.append(0)
        reactor.stop()

    reactor.callWhenRunning(lambda: scenarios(port).addBoth(finish))
    reactor.run()
    sys.exit(status[0] if status else 1)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve()
    else:
        client(int(sys.argv[2]))

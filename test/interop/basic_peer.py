"""Twisted's own framing receivers as a peer for weft's interop tests.

    /usr/bin/python3 basic_peer.py <mode> <delimiter-hex> <max-length> [<long-line-length>]

Modes: lines (LineReceiver), netstrings (NetstringReceiver), int32 (Int32StringReceiver).
Listens on 127.0.0.1, port 0, prints the port on stdout, and serves one connection: it greets
with one frame (or, given <long-line-length>, with a line of that many bytes), answers each frame
with "echo:" + frame, closes on "QUIT", and prints what happens ("exceeded <n>", "parse-error",
"lost <reason>"). It exits on its own once the connection is gone, or after 20 seconds.
"""
import sys

from twisted.internet import protocol, reactor
from twisted.protocols import basic

mode = sys.argv[1]
delimiter = bytes.fromhex(sys.argv[2])
max_length = int(sys.argv[3])
long_line = int(sys.argv[4]) if len(sys.argv) > 4 else 0

GREETING = b"hello from twisted \x00\xff:,"


def report(text):
    print(text, flush=True)


class Peer:
    def connectionMade(self):
        if long_line:
            self.transport.write(b"x" * long_line + delimiter)
        else:
            self.send(GREETING)

    def received(self, frame):
        if frame == b"QUIT":
            self.transport.loseConnection()
        else:
            self.send(b"echo:" + frame)

    def connectionLost(self, reason):
        report("lost " + reason.type.__name__)
        reactor.callLater(0, reactor.stop)


class Lines(Peer, basic.LineReceiver):
    delimiter = delimiter
    MAX_LENGTH = max_length

    def send(self, frame):
        self.sendLine(frame)

    def lineReceived(self, line):
        self.received(line)

    def lineLengthExceeded(self, line):
        report("exceeded %d" % len(line))
        basic.LineReceiver.lineLengthExceeded(self, line)


class Netstrings(Peer, basic.NetstringReceiver):
    MAX_LENGTH = max_length

    def send(self, frame):
        self.sendString(frame)

    def stringReceived(self, string):
        self.received(string)

    def _handleParseError(self):
        report("parse-error")
        basic.NetstringReceiver._handleParseError(self)


class Int32(Peer, basic.Int32StringReceiver):
    MAX_LENGTH = max_length

    def send(self, frame):
        self.sendString(frame)

    def stringReceived(self, string):
        self.received(string)

    def lengthLimitExceeded(self, length):
        report("length-limit %d" % length)
        basic.Int32StringReceiver.lengthLimitExceeded(self, length)


factory = protocol.Factory.forProtocol(
    {"lines": Lines, "netstrings": Netstrings, "int32": Int32}[mode]
)
port = reactor.listenTCP(0, factory, interface="127.0.0.1")
report(str(port.getHost().port))
reactor.callLater(20, reactor.stop)
reactor.run()

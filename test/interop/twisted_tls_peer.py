"""Twisted's TLS as a peer for weft's interop tests (run with /usr/bin/python3).

    twisted_tls_peer.py server CERT KEY        TLS echo server on 127.0.0.1; prints "PORT n"
    twisted_tls_peer.py starttls CERT KEY      line server: "STARTTLS" -> "OK", then TLS; each
                                               later line is answered upper-cased; prints "PORT n"
    twisted_tls_peer.py client PORT CA         connects with TLS verifying "localhost" against CA,
                                               sends "hello from twisted\\n", prints each line it
                                               gets back as "GOT <line>", then "LOST <reason>"

Servers stop on their own after 20 seconds, so a failed test never leaves one behind.
"""
import sys

from twisted.internet import protocol, reactor, ssl
from twisted.protocols.basic import LineReceiver


def server_options(cert, key):
    with open(cert) as c, open(key) as k:
        return ssl.PrivateCertificate.loadPEM(c.read() + k.read()).options()


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class StartTLSServer(LineReceiver):
    delimiter = b"\n"

    def lineReceived(self, line):
        if line == b"STARTTLS":
            self.sendLine(b"OK")
            self.transport.startTLS(self.factory.options)
        else:
            self.sendLine(line.upper())


class Client(LineReceiver):
    delimiter = b"\n"

    def connectionMade(self):
        self.sendLine(b"hello from twisted")

    def lineReceived(self, line):
        print("GOT " + line.decode(), flush=True)
        self.transport.loseConnection()

    def connectionLost(self, reason):
        print("LOST " + reason.type.__name__, flush=True)
        reactor.stop()


def main(mode, *args):
    if mode in ("server", "starttls"):
        options = server_options(*args)
        if mode == "server":
            port = reactor.listenSSL(0, protocol.Factory.forProtocol(Echo), options,
                                     interface="127.0.0.1")
        else:
            factory = protocol.Factory.forProtocol(StartTLSServer)
            factory.options = options
            port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        print("PORT %d" % port.getHost().port, flush=True)
        reactor.callLater(20, reactor.stop)
    else:
        port, ca = args
        with open(ca) as f:
            trust = ssl.Certificate.loadPEM(f.read())
        options = ssl.optionsForClientTLS("localhost", trustRoot=trust)
        reactor.connectSSL("127.0.0.1", int(port), protocol.ClientFactory.forProtocol(Client),
                           options)
        reactor.callLater(20, reactor.stop)
    reactor.run()


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Twisted AMP StartTLS peer for weft's interop tests (run with /usr/bin/python3).

    amp_tls_peer.py server <ca> <cert> <key> <self-cert> <self-key>
        listen on 127.0.0.1, port 0; print "listening on <port>"; serve until SIGTERM.
        StartTLS is answered with <cert> (CA-signed), StartTLSSelfSigned with <self-cert>; both
        ask for no client certificate. Besides amp_peer.py's commands, WhoAmI answers the CN of
        the client certificate, if any. InviteTLS(self_signed) makes this server the StartTLS
        caller: it answers, then calls StartTLS on the weft client with <cert> (or <self-cert>)
        and <ca> to verify the client's certificate, calls Double (held until the answer, then
        sent over TLS) and prints "invited ok <cn>" with the client certificate's CN, or
        "invited failed <error>".
    amp_tls_peer.py client <port> <ca> <cert> <key>
        connect to a weft AMP server, call StartTLS with <cert> as the client certificate and
        <ca> to verify the server; run calls over TLS; print "ok <scenario>" for each, then
        "done"; exit 1 on the first failure.

The PEM files are made by the test with openssl; amp_peer.py holds the shared commands.
"""
import sys

from amp_peer import Back, Double, Peer, Sum
from twisted.internet import defer, endpoints, protocol, reactor, ssl
from twisted.protocols import amp
from twisted.python import log


class StartTLSSelfSigned(amp.StartTLS):
    pass


class WhoAmI(amp.Command):
    response = [(b"cn", amp.Unicode())]


class InviteTLS(amp.Command):
    arguments = [(b"self_signed", amp.Boolean())]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def peer_cn(transport):
    cert = transport.getPeerCertificate()
    if cert is None:
        return ""
    return dict(cert.get_subject().get_components()).get(b"CN", b"").decode()


class TLSPeer(Peer):
    authority = None
    certificate = None
    self_signed = None

    @amp.StartTLS.responder
    def start_tls(self):
        return {"tls_localCertificate": self.certificate}

    @StartTLSSelfSigned.responder
    def start_tls_self_signed(self):
        return {"tls_localCertificate": self.self_signed}

    @WhoAmI.responder
    def who_am_i(self):
        return {"cn": peer_cn(self.transport)}

    @InviteTLS.responder
    def invite_tls(self, self_signed):
        reactor.callLater(0, self.initiate_tls, self_signed)
        return {}

    @defer.inlineCallbacks
    def initiate_tls(self, self_signed):
        try:
            started = self.callRemote(
                amp.StartTLS,
                tls_localCertificate=self.self_signed if self_signed else self.certificate,
                tls_verifyAuthorities=[self.authority],
            )
            held = self.callRemote(Double, x=21)
            r = yield started
            if r != {}:
                raise AssertionError("StartTLS answered %r" % (r,))
            r = yield held
            if r != {"y": 42}:
                raise AssertionError("Double answered %r" % (r,))
            print("invited ok " + peer_cn(self.transport), flush=True)
        except Exception as e:
            print("invited failed %s: %s" % (type(e).__name__, e), flush=True)


def serve(ca, cert, key, self_cert, self_key):
    log.startLogging(sys.stderr, setStdout=False)
    TLSPeer.authority = ssl.Certificate.loadPEM(read(ca))
    TLSPeer.certificate = ssl.PrivateCertificate.loadPEM(read(cert) + read(key))
    TLSPeer.self_signed = ssl.PrivateCertificate.loadPEM(read(self_cert) + read(self_key))
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(TLSPeer), interface="127.0.0.1")
    print("listening on %d" % (port.getHost().port,), flush=True)
    reactor.run()


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok " + what, flush=True)


@defer.inlineCallbacks
def scenarios(port, ca, cert, key):
    authority = ssl.Certificate.loadPEM(read(ca))
    mine = ssl.PrivateCertificate.loadPEM(read(cert) + read(key))
    ep = endpoints.TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    p = yield endpoints.connectProtocol(ep, Peer())
    r = yield p.callRemote(Sum, a=1, b=2)
    check(r == {"total": 3}, "sum in clear")
    started = p.callRemote(amp.StartTLS, tls_localCertificate=mine,
                           tls_verifyAuthorities=[authority])
    held = p.callRemote(Sum, a=20, b=22)
    r = yield started
    check(r == {}, "starttls answered")
    r = yield held
    check(r == {"total": 42}, "call held until the answer, then sent over TLS")
    check(p.transport.TLS, "connection is TLS")
    check(peer_cn(p.transport) == "localhost", "weft server certificate verified")
    r = yield p.callRemote(WhoAmI)
    check(r == {"cn": "weft client"}, "weft server saw the client certificate")
    r = yield p.callRemote(Back, x=20)
    check(r == {"y": 41}, "server calls back the client over TLS")
    results = yield defer.gatherResults([p.callRemote(Sum, a=i, b=i) for i in range(100)])
    check([x["total"] for x in results] == [2 * i for i in range(100)], "100 calls over TLS")
    p.transport.loseConnection()


def client(port, ca, cert, key):
    status = []

    def finish(result):
        if isinstance(result, Exception) or hasattr(result, "getTraceback"):
            print("FAIL " + str(getattr(result, "value", result)), flush=True)
            status.append(1)
        else:
            print("done", flush=True)
            status.append(0)
        reactor.stop()

    reactor.callWhenRunning(lambda: scenarios(port, ca, cert, key).addBoth(finish))
    reactor.run()
    sys.exit(status[0] if status else 1)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(*sys.argv[2:7])
    else:
        client(int(sys.argv[2]), *sys.argv[3:6])

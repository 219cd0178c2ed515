package works.cast.relay.server.delivery.tls;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Judges an upstream's TLS session right after the STARTTLS handshake, before EHLO is sent again (MTA-STS, DANE).
 * Also hears of the connection's local address and the server's name as the session opens. Called on the
 * connection's event loop; must not block.
 */
@FunctionalInterface
public interface PeerVerifier {

    /** Accepts every session (opportunistic TLS, RFC 7435). */
    PeerVerifier NONE = (host, session) -> null;

    /** Null when the session may carry mail; else why not, and the session is closed. */
    TlsFailure verify(String host, SSLSession session);

    /** The TCP connection is up, from {@code local} (for TLS reports: {@code sending-mta-ip}). */
    default void connected(InetSocketAddress local) {
    }

    /**
     * The first word of the server's greeting, then of each EHLO reply: the name it gives itself (for TLS reports:
     * {@code receiving-mx-helo}).
     */
    default void greeted(String name) {
    }

    /** The peer's certificates, leaf first; empty when it sent none. */
    static List<X509Certificate> chain(SSLSession session) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            for (Certificate c : session.getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
        return out;
    }
}

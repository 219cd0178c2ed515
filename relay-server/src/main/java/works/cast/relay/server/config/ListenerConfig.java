package works.cast.relay.server.config;

import java.util.Objects;

/**
 * One SMTP listening socket (RFC 6409 section 3.1 submission on 587 with STARTTLS, RFC 8314 section 3.3 implicit TLS).
 *
 * @param address the IP literal to bind
 * @param port    0..65535; 0 picks a free port
 * @param tls     whether the listener offers STARTTLS, starts in TLS, or neither
 */
public record ListenerConfig(String address, int port, Tls tls) {

    /** TLS on a listener. */
    public enum Tls { NONE, STARTTLS, IMPLICIT }

    public ListenerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tls, "tls");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }
}

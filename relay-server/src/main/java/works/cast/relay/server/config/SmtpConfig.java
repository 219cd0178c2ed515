package works.cast.relay.server.config;

import java.util.List;
import java.util.Objects;

/**
 * The SMTP side of the relay: listeners, PROXY protocol and the bare-LF policy (RFC 5321 section 2.3.8).
 *
 * @param listen        the listeners, at least one
 * @param proxyProtocol whether every connection starts with a HAProxy PROXY header
 * @param bareLf        what to do with a bare LF in DATA
 * @param trustedProxies the peers whose PROXY header is believed (required with proxyProtocol)
 */
public record SmtpConfig(List<ListenerConfig> listen, boolean proxyProtocol, BareLf bareLf,
                         List<works.cast.relay.server.net.Cidr> trustedProxies) {

    /** Handling of a LF not preceded by CR in message content. */
    public enum BareLf { REJECT, NORMALIZE }

    public SmtpConfig {
        listen = List.copyOf(listen);
        trustedProxies = List.copyOf(trustedProxies);
        Objects.requireNonNull(bareLf, "bareLf");
    }
}

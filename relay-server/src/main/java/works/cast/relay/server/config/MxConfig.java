package works.cast.relay.server.config;

import java.util.List;
import java.util.Objects;

/**
 * Direct delivery to the recipient domains' MX hosts (RFC 5321 section 5.1).
 *
 * @param dnsServers           resolvers as {@code ip} or {@code ip:port}; empty means the system resolvers
 * @param port                 the SMTP port on the MX hosts
 * @param connectionsPerDomain parallel connections per recipient domain
 * @param tls                  STARTTLS use
 * @param allowLoopback        MX hosts may resolve to loopback addresses (never to the relay's own listeners)
 * @param cachedDestinations   recipient domains whose connections are kept for reuse at once
 * @param security             MTA-STS, DANE and the trust store
 */
public record MxConfig(List<String> dnsServers, int port, int connectionsPerDomain, OutboundTls tls,
                       boolean allowLoopback, int cachedDestinations, MxTlsConfig security) {

    /** Without MTA-STS and DANE. */
    public MxConfig(List<String> dnsServers, int port, int connectionsPerDomain, OutboundTls tls,
                    boolean allowLoopback, int cachedDestinations) {
        this(dnsServers, port, connectionsPerDomain, tls, allowLoopback, cachedDestinations, MxTlsConfig.off());
    }

    public MxConfig {
        dnsServers = List.copyOf(dnsServers);
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(security, "security");
        if (cachedDestinations < 1) {
            throw new IllegalArgumentException("cachedDestinations must be positive: " + cachedDestinations);
        }
    }
}

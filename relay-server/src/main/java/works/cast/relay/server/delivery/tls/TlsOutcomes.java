package works.cast.relay.server.delivery.tls;

/**
 * Receives the TLS outcome of each MX delivery attempt (for {@code dkim_relay_delivery_tls_total} and the RFC 8460
 * reports). Called on delivery threads; must not block.
 */
@FunctionalInterface
public interface TlsOutcomes {

    TlsOutcomes IGNORE = (domain, policy, result) -> { };

    /**
     * @param domain the recipient domain
     * @param policy the policy that applied
     * @param result the result type and what is known of the session
     */
    void record(String domain, HostTls.Policy policy, TlsResult result);
}

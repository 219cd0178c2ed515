package works.cast.relay.server.delivery.tls;

/**
 * Receives the TLS outcome of each MX delivery attempt (for {@code dkim_relay_delivery_tls_total}). Called on
 * delivery threads; must not block.
 */
@FunctionalInterface
public interface TlsOutcomes {

    TlsOutcomes IGNORE = (domain, policy, result) -> { };

    /**
     * @param domain the recipient domain
     * @param policy the policy that applied
     * @param result {@code success}, {@code plaintext} (opportunistic without TLS) or an RFC 8460 result type
     */
    void record(String domain, HostTls.Policy policy, String result);
}

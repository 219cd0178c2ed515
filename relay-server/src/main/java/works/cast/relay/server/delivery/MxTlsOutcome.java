package works.cast.relay.server.delivery;

import java.net.InetSocketAddress;
import works.cast.relay.server.delivery.tls.HostTls;
import works.cast.relay.server.delivery.tls.TlsFailure;
import works.cast.relay.server.delivery.tls.TlsResult;

/** Names the TLS outcome of one connection attempt to an MX host, for {@link works.cast.relay.server.delivery.tls.TlsOutcomes}. */
final class MxTlsOutcome {

    private MxTlsOutcome() {
    }

    /**
     * The outcome with what a TLS report says of the session (RFC 8460 section 4.3): the MX host, both IP addresses,
     * the server's name and why it failed; null for a failure that has nothing to do with TLS.
     *
     * @param host    the MX host name connected to
     * @param address the address connected to
     * @param session the session opened, or null
     * @param failure why it could not be opened, or null
     */
    static TlsResult of(HostTls.Check check, String host, InetSocketAddress address, UpstreamSession session,
                        Throwable failure) {
        String type = type(check, session, failure);
        if (type == null) {
            return null;
        }
        return TlsResult.of(type).withPolicy(check.tls().text()).withHost(host)
                .withSession(check.localIp(), address.getAddress().getHostAddress(), check.serverName())
                .withReason(reason(check, session, failure));
    }

    /**
     * {@code success}, {@code plaintext} (opportunistic TLS not offered), an RFC 8460 result type, or null for a
     * failure that has nothing to do with TLS (the host was down, refused the greeting).
     */
    static String type(HostTls.Check check, UpstreamSession session, Throwable failure) {
        if (check.failure().isPresent()) {
            return check.failure().get().type();
        }
        boolean policy = check.tls().policy() != HostTls.Policy.NONE;
        if (failure == null) {
            return session.isEncrypted() ? "success" : policy ? TlsFailure.STARTTLS_NOT_SUPPORTED : "plaintext";
        }
        UpstreamException u = UpstreamException.of(failure, "mx");
        String text = String.valueOf(u.getMessage());
        if ((u.kind() == UpstreamException.Kind.TLS || u.kind() == UpstreamException.Kind.REFUSED)
                && text.contains("STARTTLS")) {
            return TlsFailure.STARTTLS_NOT_SUPPORTED;
        }
        return u.kind() == UpstreamException.Kind.TLS ? TlsFailure.VALIDATION_FAILURE : null;
    }

    /** The check's finding, the TLS engine's message (the alert), or the server's refusal; empty on success. */
    private static String reason(HostTls.Check check, UpstreamSession session, Throwable failure) {
        if (check.failure().isPresent()) {
            return check.failure().get().detail();
        }
        if (failure == null) {
            return session.isEncrypted() ? "" : "STARTTLS not offered";
        }
        UpstreamException u = UpstreamException.of(failure, "mx");
        Throwable cause = u.getCause();
        return cause != null && cause.getMessage() != null ? cause.getMessage() : String.valueOf(u.getMessage());
    }
}

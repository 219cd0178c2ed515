package works.cast.relay.server.delivery;

import works.cast.relay.server.delivery.tls.HostTls;
import works.cast.relay.server.delivery.tls.TlsFailure;

/** Names the TLS outcome of one connection attempt to an MX host, for {@link works.cast.relay.server.delivery.tls.TlsOutcomes}. */
final class MxTlsOutcome {

    private MxTlsOutcome() {
    }

    /**
     * {@code success}, {@code plaintext} (opportunistic TLS not offered), an RFC 8460 result type, or null for a
     * failure that has nothing to do with TLS (the host was down, refused the greeting).
     *
     * @param session the session opened, or null
     * @param failure why it could not be opened, or null
     */
    static String of(HostTls.Check check, UpstreamSession session, Throwable failure) {
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
}

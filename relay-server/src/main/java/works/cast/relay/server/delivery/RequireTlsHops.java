package works.cast.relay.server.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import works.cast.relay.server.smtp.Replies;
import works.cast.relay.server.message.Reply;

/**
 * The hosts a REQUIRETLS message was offered to in one delivery attempt, and what that means for it (RFC 8689
 * section 4.2.1): each host that cannot satisfy REQUIRETLS is left for the next MX; when every host refused so, the
 * message is not sent to the domain and bounces with the last refusal (5.7.30 when a host lacked REQUIRETLS, 5.7.10
 * when TLS could not be validated). A host that failed for another reason (unreachable, busy) may do better later,
 * so then the recipients wait for the next retry, as any deferred mail. Thread-safe; one per attempt.
 */
final class RequireTlsHops {

    private final List<UpstreamException> failures = new ArrayList<>();

    /** One host (or address) failed with {@code u}. */
    synchronized void failed(UpstreamException u) {
        failures.add(u);
    }

    /**
     * A failure of TLS itself (no STARTTLS, a certificate that does not verify) counts as not satisfying REQUIRETLS:
     * the certificate is authenticated or the message does not go (section 4.2.1).
     */
    static UpstreamException asRequireTls(UpstreamException u, String host) {
        if (u.kind() == UpstreamException.Kind.TLS) {
            return UpstreamException.requireTls(host, Replies.requireTlsUnvalidated(host, u.getMessage()));
        }
        return u;
    }

    /** The reply to bounce with, when every host tried refused REQUIRETLS; empty when one failed otherwise. */
    synchronized Optional<Reply> bounce() {
        if (failures.isEmpty()) {
            return Optional.empty();
        }
        for (UpstreamException u : failures) {
            if (u.kind() != UpstreamException.Kind.REQUIRE_TLS || u.reply().isTransient()) {
                return Optional.empty();
            }
        }
        return Optional.of(failures.get(failures.size() - 1).reply());
    }
}

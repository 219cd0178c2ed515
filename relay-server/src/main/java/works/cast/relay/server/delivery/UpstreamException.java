package works.cast.relay.server.delivery;

import java.util.Objects;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Replies;

/**
 * A failure of an upstream connection as a whole: it could not be opened, timed out, broke the protocol or refused
 * the session (greeting, EHLO, STARTTLS, AUTH). Every recipient still open in it is deferred with {@link #reply()}.
 */
public final class UpstreamException extends Exception {

    /** What went wrong. */
    public enum Kind { CONNECT, TIMEOUT, CLOSED, PROTOCOL, REFUSED, TLS, LOCAL, LOOP, REQUIRE_TLS }

    private final Kind kind;
    private final Reply reply;

    public UpstreamException(Kind kind, Reply reply, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.reply = Objects.requireNonNull(reply, "reply");
    }

    public UpstreamException(Kind kind, Reply reply, String message) {
        this(kind, reply, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The upstream's refusal, or a local {@code 451 4.4.x} reply that describes the failure. */
    public Reply reply() {
        return reply;
    }

    /** The destination resolves only to this relay: a permanent failure, not retried. */
    static UpstreamException loop(String domain, String detail) {
        return new UpstreamException(Kind.LOOP, Replies.mailLoopsBack(domain, detail),
                "mail for " + domain + " loops back to myself (" + detail + ")");
    }

    /** A next hop that cannot take a REQUIRETLS message (RFC 8689 section 4.2.1); {@code reply} says why. */
    static UpstreamException requireTls(String peer, Reply reply) {
        return new UpstreamException(Kind.REQUIRE_TLS, reply, "REQUIRETLS not satisfied by " + peer + ": "
                + reply.summary());
    }

    static UpstreamException connect(String peer, Throwable cause) {
        return new UpstreamException(Kind.CONNECT, Replies.upstreamCannotConnect(peer, describe(cause)), "cannot connect to " + peer, cause);
    }

    static UpstreamException timeout(String peer, String step) {
        return new UpstreamException(Kind.TIMEOUT, Replies.upstreamTimeout(peer, step), "timeout at " + step + " from " + peer);
    }

    static UpstreamException closed(String peer, String step) {
        return new UpstreamException(Kind.CLOSED, Replies.upstreamConnectionLost(peer, step), "connection lost at " + step + " to " + peer);
    }

    static UpstreamException protocol(String peer, Throwable cause) {
        return new UpstreamException(Kind.PROTOCOL, Replies.upstreamProtocolError(peer, describe(cause)), "protocol error from " + peer, cause);
    }

    static UpstreamException refused(String peer, String step, Reply reply) {
        return new UpstreamException(Kind.REFUSED, reply, peer + " refused " + step + ": " + reply.summary());
    }

    static UpstreamException tls(String peer, String why, Throwable cause) {
        return new UpstreamException(Kind.TLS, Replies.upstreamTlsFailed(peer, why),
                "tls with " + peer + " failed: " + why, cause);
    }

    /** The {@link UpstreamException} inside a completion failure, or a protocol error wrapping another. */
    static UpstreamException of(Throwable t, String peer) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c instanceof UpstreamException u ? u : protocol(peer, c);
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown";
        }
        String m = t.getMessage();
        return (m == null ? t.getClass().getSimpleName() : m).replaceAll("[^\\x20-\\x7e]", "?");
    }
}

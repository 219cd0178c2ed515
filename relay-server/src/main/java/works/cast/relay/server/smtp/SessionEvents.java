package works.cast.relay.server.smtp;

/**
 * Hears session events for metrics. Called on event loops: implementations must be thread-safe and must not block.
 */
public interface SessionEvents {

    /** Does nothing. */
    SessionEvents NONE = new SessionEvents() {
    };

    /** A client connected (after the PROXY header, when there is one). */
    default void opened() {
    }

    /** A connection that was {@link #opened()} is gone. */
    default void closed() {
    }

    /** A TLS handshake completed (STARTTLS or implicit TLS). */
    default void tls(String protocol, String cipher) {
    }
}

package works.cast.relay.server.smtp;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What all connections of one {@link SmtpServer} share: the receiver, the authenticator, TLS, the counters, and
 * whether the server is draining for shutdown (new connections and new transactions then get 421).
 */
record SmtpServerContext(MessageReceiver receiver, Authenticator authenticator, AtomicReference<SmtpServerSettings> live,
                         ConnectionLimiter connections, AuthFailureTracker authFailures, AuthTurns authTurns,
                         AtomicBoolean draining, SessionEvents events, SenderGate senderGate) {

    SmtpServerContext {
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(live, "live");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(authFailures, "authFailures");
        Objects.requireNonNull(authTurns, "authTurns");
        Objects.requireNonNull(draining, "draining");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(senderGate, "senderGate");
    }

    /** Without a sender gate. */
    SmtpServerContext(MessageReceiver receiver, Authenticator authenticator, AtomicReference<SmtpServerSettings> live,
                      ConnectionLimiter connections, AuthFailureTracker authFailures, AtomicBoolean draining,
                      SessionEvents events) {
        this(receiver, authenticator, live, connections, authFailures, new AuthTurns(), draining, events,
                SenderGate.OPEN);
    }

    /** The settings new connections get; a reload may replace them (networks, TLS certificate). */
    SmtpServerSettings settings() {
        return live.get();
    }

    /** The TLS context for STARTTLS and implicit TLS, as of now. */
    Optional<SslContext> sslContext() {
        return live.get().sslContext();
    }
}

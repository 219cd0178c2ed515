package works.cast.relay.server.smtp;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What all connections of one {@link SmtpServer} share: the receiver, the authenticator, TLS, the counters, and
 * whether the server is draining for shutdown (new connections and new transactions then get 421).
 */
record SmtpServerContext(MessageReceiver receiver, Authenticator authenticator, Optional<SslContext> sslContext,
                         ConnectionLimiter connections, AuthFailureTracker authFailures, AtomicBoolean draining,
                         SessionEvents events) {

    SmtpServerContext {
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(sslContext, "sslContext");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(authFailures, "authFailures");
        Objects.requireNonNull(draining, "draining");
        Objects.requireNonNull(events, "events");
    }
}

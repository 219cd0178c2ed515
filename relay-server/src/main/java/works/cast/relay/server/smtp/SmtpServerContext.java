package works.cast.relay.server.smtp;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;
import java.util.Optional;

/**
 * What all connections of one {@link SmtpServer} share: the receiver, the authenticator, TLS and the counters.
 */
record SmtpServerContext(MessageReceiver receiver, Authenticator authenticator, Optional<SslContext> sslContext,
                         ConnectionLimiter connections, AuthFailureTracker authFailures) {

    SmtpServerContext {
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(sslContext, "sslContext");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(authFailures, "authFailures");
    }
}

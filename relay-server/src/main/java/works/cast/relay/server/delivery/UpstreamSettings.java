package works.cast.relay.server.delivery;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import works.cast.relay.server.config.OutboundTls;

/**
 * How to talk to one kind of upstream (RFC 5321 section 4.5.3.2 timeouts, RFC 3207 STARTTLS, RFC 4954 AUTH).
 *
 * @param heloName           the name sent in EHLO/HELO
 * @param tls                STARTTLS policy
 * @param sslContext         client context for STARTTLS; verifying for {@code REQUIRED}, trusting all otherwise
 * @param credentials        AUTH user and password, if the upstream wants AUTH
 * @param allowPlaintextAuth send AUTH without TLS (only for a trusted network)
 * @param connectTimeout     TCP connect
 * @param commandTimeout     the greeting, each command's reply and each block of content written
 * @param dataTimeout        the reply after the final dot
 */
public record UpstreamSettings(String heloName, OutboundTls tls, Optional<SslContext> sslContext,
                               Optional<Credentials> credentials, boolean allowPlaintextAuth, Duration connectTimeout,
                               Duration commandTimeout, Duration dataTimeout) {

    /** AUTH credentials; {@link #toString()} hides the password. */
    public record Credentials(String user, String password) {
        public Credentials {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }

    public UpstreamSettings {
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(sslContext, "sslContext");
        Objects.requireNonNull(credentials, "credentials");
        positive("connect timeout", connectTimeout);
        positive("command timeout", commandTimeout);
        positive("data timeout", dataTimeout);
        if (tls != OutboundTls.NONE && sslContext.isEmpty()) {
            throw new IllegalArgumentException("upstream: tls " + tls + " needs a client TLS context");
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("upstream: " + name + " must be positive: " + d);
        }
    }
}

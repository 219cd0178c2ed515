package works.cast.relay.server.delivery.tls;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;

/**
 * The TLS policy for one connection to one MX host: which policy applies (DANE over MTA-STS over none, RFC 8461
 * section 2), whether TLS is mandatory, and the check of the server's certificate after the handshake. A failed
 * check of a mandatory policy closes the connection (the mail is deferred); of a testing policy it is only recorded.
 * {@link #newCheck()} gives one verifier per connection attempt, which remembers its failure for metrics and logs.
 */
public final class HostTls {

    /** The policies, by precedence. */
    public enum Policy {
        NONE, STS, DANE;

        /** {@code none}, {@code sts}, {@code dane}: the metric label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Judges a session's certificates; null when they satisfy the policy. */
    @FunctionalInterface
    interface Rule {
        TlsFailure check(String host, SSLSession session);
    }

    private final Policy policy;
    private final boolean required;
    private final Rule rule;

    HostTls(Policy policy, boolean required, Rule rule) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.required = required;
        this.rule = rule;
    }

    /** Opportunistic TLS (RFC 7435): anything goes, plaintext included. */
    public static HostTls opportunistic() {
        return new HostTls(Policy.NONE, false, null);
    }

    public Policy policy() {
        return policy;
    }

    /** TLS is mandatory and a failed check refuses the session. */
    public boolean required() {
        return required;
    }

    /** The check of one connection attempt. */
    public Check newCheck() {
        return new Check();
    }

    /** One connection attempt's verifier; remembers the failure it found. */
    public final class Check implements PeerVerifier {
        private final AtomicReference<TlsFailure> failure = new AtomicReference<>();

        @Override
        public TlsFailure verify(String host, SSLSession session) {
            if (rule == null) {
                return null;
            }
            String protocol = session.getProtocol();
            TlsFailure f = "TLSv1.2".equals(protocol) || "TLSv1.3".equals(protocol) ? rule.check(host, session)
                    : new TlsFailure(TlsFailure.VALIDATION_FAILURE, "TLS version " + protocol + " is below 1.2");
            failure.set(f);
            return required ? f : null;
        }

        /** What the check found wrong, if it ran and found something. */
        public Optional<TlsFailure> failure() {
            return Optional.ofNullable(failure.get());
        }

        public HostTls tls() {
            return HostTls.this;
        }
    }

    @Override
    public String toString() {
        return policy.label() + (required ? " required" : rule != null ? " testing" : "");
    }
}

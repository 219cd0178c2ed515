package works.cast.relay.server.delivery.tls;

import java.net.InetSocketAddress;
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

    /** A host name or address literal as a greeting or EHLO reply starts with (RFC 5321 section 4.1.1.1). */
    private static final java.util.regex.Pattern SERVER_NAME = java.util.regex.Pattern.compile(
            "[A-Za-z0-9._:\\[\\]-]{1," + TlsResult.MAX_NAME + "}");

    private final Policy policy;
    private final boolean required;
    private final Rule rule;
    private final PolicyText text;

    /** @param text the policy as TLS reports show it */
    HostTls(Policy policy, boolean required, Rule rule, PolicyText text) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.required = required;
        this.rule = rule;
        this.text = Objects.requireNonNull(text, "text");
    }

    /** Opportunistic TLS (RFC 7435): anything goes, plaintext included. */
    public static HostTls opportunistic() {
        return new HostTls(Policy.NONE, false, null, PolicyText.NONE);
    }

    public Policy policy() {
        return policy;
    }

    /** The policy's text for TLS reports ({@code policy-string}, {@code mx-host}). */
    public PolicyText text() {
        return text;
    }

    /** TLS is mandatory and a failed check refuses the session. */
    public boolean required() {
        return required;
    }

    /** The check of one connection attempt. */
    public Check newCheck() {
        return new Check();
    }

    /**
     * One connection attempt's verifier; remembers the failure it found, and for TLS reports the relay's address and
     * the name the server last gave (greeting, then EHLO).
     */
    public final class Check implements PeerVerifier {
        private final AtomicReference<TlsFailure> failure = new AtomicReference<>();
        private volatile String localIp = "";
        private volatile String serverName = "";

        @Override
        public void connected(InetSocketAddress local) {
            if (local != null && local.getAddress() != null) {
                localIp = local.getAddress().getHostAddress();
            }
        }

        @Override
        public void greeted(String name) {
            if (SERVER_NAME.matcher(name).matches()) {
                serverName = name;
            }
        }

        /** The local IP address of the connection, empty before it was up. */
        public String localIp() {
            return localIp;
        }

        /** The host name the server gave in its last greeting or EHLO reply, empty when none looked like one. */
        public String serverName() {
            return serverName;
        }

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

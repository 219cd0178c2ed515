package works.cast.relay.server.delivery.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import works.cast.relay.server.config.MxTlsConfig;
import works.cast.relay.server.dns.DnsClient;

/**
 * Decides the TLS policy of MX delivery, per domain and per host: DANE when the host has usable DNSSEC-validated
 * TLSA records (RFC 7672), else the domain's MTA-STS policy (RFC 8461), else opportunistic TLS (RFC 7435). DANE
 * takes precedence over MTA-STS (RFC 8461 section 2). Thread-safe.
 */
public final class MxTlsPolicies {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MxTlsPolicies.class);

    private final PeerTrust trust;
    private final Optional<MtaSts> sts;
    private final Optional<Dane> dane;
    private final Optional<String> reportSender;

    MxTlsPolicies(PeerTrust trust, Optional<MtaSts> sts, Optional<Dane> dane, Optional<String> reportSender) {
        this.trust = trust;
        this.sts = sts;
        this.dane = dane;
        this.reportSender = reportSender;
    }

    /**
     * True for the envelope sender of the relay's TLS reports (RFC 8460 section 5.3): they go with opportunistic
     * TLS, as {@code TLS-Required: No} asks (RFC 8689 section 5), and their sessions are not reported on.
     */
    public boolean isReportSender(String reversePath) {
        return reportSender.isPresent() && reportSender.get().equalsIgnoreCase(reversePath);
    }

    /**
     * From {@code delivery.mx}: the policy cache in {@code <queueDir>/mta-sts/}, every lookup through {@code dns}.
     *
     * @param timeout bounds the policy fetch (connect, each read)
     * @param io      runs the blocking policy fetches
     */
    public static MxTlsPolicies of(MxTlsConfig config, DnsClient dns, Path queueDir, Duration timeout, Executor io,
                                   Clock clock) throws IOException {
        PeerTrust trust = PeerTrust.of(config.trustStore());
        Optional<MtaSts> sts = config.mtaSts() ? Optional.of(new MtaSts(dns, trust, config.httpsPort(), timeout,
                queueDir.resolve("mta-sts"), io, clock)) : Optional.empty();
        Optional<Dane> dane = config.dane() ? Optional.of(new Dane(dns)) : Optional.empty();
        if (config.dane()) {
            ResolverCheck.daneWarning(dns).thenAccept(w -> w.ifPresent(log::warn));
        }
        return new MxTlsPolicies(trust, sts, dane, config.tlsRpt());
    }

    /** Opportunistic TLS only. */
    public static MxTlsPolicies none() throws IOException {
        return new MxTlsPolicies(PeerTrust.of(Optional.empty()), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    public boolean daneEnabled() {
        return dane.isPresent();
    }

    /** The domain's MTA-STS policy ({@link MtaSts.Lookup#none()} when MTA-STS is off); never fails. */
    public CompletableFuture<MtaSts.Lookup> domain(String domain) {
        return sts.map(s -> s.lookup(domain)).orElse(CompletableFuture.completedFuture(MtaSts.Lookup.none()));
    }

    /**
     * The policy of a connection to {@code host} on {@code port}: DANE when the MX answer ({@code mxSecure}), the
     * host's addresses and its TLSA records are DNSSEC-validated and usable, else the domain's MTA-STS policy, else
     * opportunistic. Fails (a temporary condition: try the next host) when the TLSA lookup fails, and with
     * {@link RefusedHost} when an enforced MTA-STS policy does not list the host (RFC 8461 section 4.1; a host
     * under DANE is judged by DANE alone, section 2).
     */
    public CompletableFuture<HostTls> host(MtaSts.Lookup domain, String host, int port, boolean mxSecure) {
        CompletableFuture<Optional<HostTls>> byDane = dane.isPresent() && mxSecure ? dane.get().lookup(host, port)
                : CompletableFuture.completedFuture(Optional.empty());
        return byDane.thenApply(t -> t.orElseGet(() -> {
            Optional<StsPolicy> p = domain.active();
            if (p.isEmpty()) {
                return HostTls.opportunistic();
            }
            if (p.get().mode() == StsPolicy.Mode.ENFORCE && !p.get().allows(host)) {
                throw new java.util.concurrent.CompletionException(new RefusedHost(HostTls.Policy.STS, new TlsFailure(
                        TlsFailure.MX_NOT_IN_POLICY, host + " is not among the MTA-STS policy's mx " + p.get().mx()),
                        PolicyText.of(p.get())));
            }
            return sts(p.get());
        }));
    }

    /**
     * The policy of a connection that carries a REQUIRETLS message (RFC 8689 section 4.2.1, {@link RequireTlsRoute}):
     * DANE when usable, else TLS required with the certificate verified for the host name when MTA-STS lists the host
     * or the MX answer was DNSSEC-validated, or the host is {@code recipientDomain} itself. Fails with
     * {@link Unvalidated} for a host that cannot be validated, and as {@link #host} when the TLSA lookup fails.
     */
    public CompletableFuture<HostTls> requireTlsHost(String recipientDomain, MtaSts.Lookup domain, String host,
                                                     int port, boolean mxSecure) {
        CompletableFuture<Optional<HostTls>> byDane = dane.isPresent() && mxSecure ? dane.get().lookup(host, port)
                : CompletableFuture.completedFuture(Optional.empty());
        return byDane.thenApply(t -> {
            Optional<HostTls> daneTls = t.filter(h -> h.policy() == HostTls.Policy.DANE && h.required());
            Optional<StsPolicy> p = domain.active();
            RequireTlsRoute.Verdict v = RequireTlsRoute.judge(daneTls.isPresent(), p.isPresent(),
                    p.map(x -> x.allows(host)).orElse(false), domain.failure().isPresent(), mxSecure,
                    HostNames.normalize(host).equals(HostNames.normalize(recipientDomain)));
            return switch (v) {
                case DANE -> daneTls.get();
                case STS -> new HostTls(HostTls.Policy.STS, true, pkix(), PolicyText.of(p.get()));
                case DNSSEC_MX, DOMAIN_NAME -> new HostTls(HostTls.Policy.NONE, true, pkix(), PolicyText.NONE);
                default -> throw new java.util.concurrent.CompletionException(new Unvalidated(v, host));
            };
        });
    }

    /** A host a REQUIRETLS message cannot go to, by {@link RequireTlsRoute.Verdict}. */
    public static final class Unvalidated extends Exception {
        private final RequireTlsRoute.Verdict verdict;

        Unvalidated(RequireTlsRoute.Verdict verdict, String host) {
            super(switch (verdict) {
                case NOT_IN_POLICY -> host + " is not among the MTA-STS policy's mx hosts";
                case POLICY_UNKNOWN -> "the MTA-STS policy of " + host + "'s domain could not be fetched";
                default -> host + " cannot be validated: no DANE, no MTA-STS policy, MX not DNSSEC-signed";
            }, null, false, false);
            this.verdict = verdict;
        }

        public RequireTlsRoute.Verdict verdict() {
            return verdict;
        }
    }

    private HostTls.Rule pkix() {
        return (host, session) -> trust.check(PeerVerifier.chain(session), host);
    }

    /**
     * An MX host not to try: an enforced MTA-STS policy does not list it, or its TLSA records could not be looked up
     * (RFC 7672 section 2.2: a failed lookup makes the host unusable, not insecure).
     */
    public static final class RefusedHost extends Exception {
        private final HostTls.Policy policy;
        private final TlsFailure failure;
        private final PolicyText text;

        RefusedHost(HostTls.Policy policy, TlsFailure failure, PolicyText text) {
            super(failure.toString(), null, false, false);
            this.policy = policy;
            this.failure = failure;
            this.text = text;
        }

        /** The refusing policy's text, for TLS reports. */
        public PolicyText text() {
            return text;
        }

        public HostTls.Policy policy() {
            return policy;
        }

        public TlsFailure failure() {
            return failure;
        }
    }

    private HostTls sts(StsPolicy p) {
        return new HostTls(HostTls.Policy.STS, p.mode() == StsPolicy.Mode.ENFORCE, pkix(), PolicyText.of(p));
    }
}

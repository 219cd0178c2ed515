package works.cast.relay.server.delivery;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.config.DeliveryConfig;
import works.cast.relay.server.config.MxConfig;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.delivery.tls.HostTls;
import works.cast.relay.server.delivery.tls.MtaSts;
import works.cast.relay.server.delivery.tls.MxTlsPolicies;
import works.cast.relay.server.delivery.tls.PolicyText;
import works.cast.relay.server.delivery.tls.StsPolicy;
import works.cast.relay.server.delivery.tls.TlsFailure;
import works.cast.relay.server.delivery.tls.TlsOutcomes;
import works.cast.relay.server.delivery.tls.TlsResult;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsServers;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Replies;

/**
 * Delivers straight to each recipient domain's MX hosts ({@code delivery.mode = mx}, RFC 5321 section 5.1): the
 * recipients are grouped by domain, the hosts tried in preference order (the next one on a connection failure or a
 * refused greeting), with at most {@code mx.connections-per-domain} sessions per domain and STARTTLS as configured
 * (opportunistic by default, RFC 7435). A null MX (RFC 7505) or a domain that does not exist fails its recipients;
 * so does a domain whose hosts all resolve to this relay itself ({@link LoopGuard}). Connections are pooled per
 * domain in {@link DestinationPools}, bounded by {@code mx.cached-destinations}.
 *
 * <p>TLS follows the policy {@link MxTlsPolicies} finds: DANE (RFC 7672) for a host with validated TLSA records,
 * else the domain's MTA-STS policy (RFC 8461), else STARTTLS as configured. Under a mandatory policy only the hosts
 * it allows are tried and only over TLS with a certificate it accepts; anything else defers the recipients (4xx,
 * retried until {@code queue.max-age}), never plaintext.
 *
 * <p>A REQUIRETLS message (RFC 8689 section 4.2.1) goes only to hosts validated by DANE, by MTA-STS or by a
 * DNSSEC-validated MX answer ({@link MxTlsPolicies#requireTlsHost}), over TLS with a verified certificate, that offer
 * REQUIRETLS after STARTTLS; the others are skipped for the next MX, and when all refuse, the recipients fail
 * ({@link RequireTlsHops}) and bounce. A message with {@code TLS-Required: No} (section 4.2.2) ignores MTA-STS and
 * DANE and goes with opportunistic TLS.
 */
public final class MxForwarder implements Forwarder {

    private static final Logger log = LoggerFactory.getLogger(MxForwarder.class);

    private final MxConfig config;
    private final UpstreamSettings settings;
    private final Executor io;
    private final UpstreamTransport transport;
    private final MxResolver resolver;
    private final LoopGuard loops;
    private final DestinationPools pools;
    private final MxTlsPolicies policies;
    private final TlsOutcomes outcomes;
    private final List<AutoCloseable> closing = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final UpstreamSettings mandatoryTls;
    /** The TLS policy and version of each pooled session, for the delivery log line. */
    private final Map<UpstreamSession, String> sessionTls =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /**
     * From the configuration: {@code delivery.mx} and the delivery timeouts.
     *
     * @param listenAddresses the relay's SMTP listener addresses, which no MX host may resolve to
     */
    public MxForwarder(DeliveryConfig config, String heloName, List<String> listenAddresses, Executor io)
            throws IOException {
        this(config.mx(), new LoopGuard(config.mx().allowLoopback(), listenAddresses),
                UpstreamTransport.settings(config, heloName, config.mx().tls(), java.util.Optional.empty(),
                        java.util.Optional.empty()), SmarthostForwarder.IDLE_TIMEOUT, io, MxTlsPolicies.none(),
                TlsOutcomes.IGNORE);
    }

    /**
     * With the MTA-STS and DANE policies of {@code delivery.mx}: MTA-STS policies are cached under
     * {@code queueDir/mta-sts/}; {@code outcomes} receives the TLS outcome of every connection attempt.
     */
    public MxForwarder(DeliveryConfig config, String heloName, List<String> listenAddresses, Path queueDir,
                       TlsOutcomes outcomes, EventLoopGroup loops, Executor io) throws IOException {
        this(new UpstreamTransport(loops), config.mx(), new LoopGuard(config.mx().allowLoopback(), listenAddresses),
                UpstreamTransport.settings(config, heloName, config.mx().tls(), java.util.Optional.empty(),
                        java.util.Optional.empty()), SmarthostForwarder.IDLE_TIMEOUT, io,
                MxTlsPolicies.of(config.mx().security(), dnsClient(config.mx(), config.commandTimeout()), queueDir,
                        config.connectTimeout().compareTo(Duration.ofSeconds(30)) < 0 ? config.connectTimeout()
                                : Duration.ofSeconds(30), io, java.time.Clock.systemUTC()), outcomes);
    }

    MxForwarder(MxConfig config, LoopGuard loops, UpstreamSettings settings, Duration idleTimeout, Executor io,
                MxTlsPolicies policies, TlsOutcomes outcomes) throws IOException {
        this(new UpstreamTransport("mx", 2), config, loops, settings, idleTimeout, io, policies, outcomes);
    }

    MxForwarder(MxConfig config, LoopGuard loops, UpstreamSettings settings, Duration idleTimeout, Executor io)
            throws IOException {
        this(config, loops, settings, idleTimeout, io, MxTlsPolicies.none(), TlsOutcomes.IGNORE);
    }

    private MxForwarder(UpstreamTransport transport, MxConfig config, LoopGuard loops, UpstreamSettings settings,
                        Duration idleTimeout, Executor io, MxTlsPolicies policies, TlsOutcomes outcomes)
            throws IOException {
        this.config = config;
        this.loops = loops;
        this.settings = settings;
        this.io = io;
        this.policies = policies;
        this.outcomes = outcomes;
        // A mandatory policy checks the certificate itself after the handshake (PeerVerifier), so the context
        // accepts any chain and the policy decides.
        this.mandatoryTls = new UpstreamSettings(settings.heloName(), OutboundTls.REQUIRED,
                UpstreamTransport.tlsContext(OutboundTls.OPPORTUNISTIC, java.util.Optional.empty()),
                settings.credentials(), false, settings.connectTimeout(), settings.commandTimeout(),
                settings.dataTimeout());
        this.transport = transport;
        this.resolver = new MxResolver(transport.group().next(), dnsClient(config, settings.commandTimeout()));
        this.pools = new DestinationPools(config.cachedDestinations(), config.connectionsPerDomain(), idleTimeout,
                transport.group());
    }

    @Override
    public CompletionStage<Map<String, DeliveryResult>> forward(OutboundMessage message) {
        Map<String, List<String>> byDomain = new LinkedHashMap<>();
        for (String r : message.recipients()) {
            byDomain.computeIfAbsent(domain(r), d -> new ArrayList<>()).add(r);
        }
        List<CompletableFuture<Map<String, DeliveryResult>>> parts = new ArrayList<>();
        byDomain.forEach((domain, rcpts) -> parts.add(deliver(message, domain, rcpts)));
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            Map<String, DeliveryResult> all = new LinkedHashMap<>();
            parts.forEach(p -> all.putAll(p.join()));
            Map<String, DeliveryResult> ordered = new LinkedHashMap<>();
            message.recipients().forEach(r -> ordered.put(r, all.get(r)));
            return ordered;
        });
    }

    private static DnsClient dnsClient(MxConfig config, Duration timeout) {
        return new DnsClient(DnsServers.parse(config.dnsServers()), timeout, 2);
    }

    static String domain(String recipient) {
        return recipient.substring(recipient.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    private CompletableFuture<Map<String, DeliveryResult>> deliver(OutboundMessage m, String domain,
                                                                   List<String> rcpts) {
        OutboundMessage part = m.withRecipients(rcpts);
        // Reports about TLS (RFC 8460) carry TLS-Required: No (RFC 8689 section 5): opportunistic TLS, not counted.
        boolean report = policies.isReportSender(m.reversePath());
        // TLS-Required: No (RFC 8689 section 4.2.2): MTA-STS and DANE are ignored, TLS stays opportunistic.
        boolean optional = report || m.tls() == TlsRequirement.OPTIONAL;
        RequireTlsHops hops = m.requiresTls() ? new RequireTlsHops() : null;
        TlsOutcomes out = report ? TlsOutcomes.IGNORE : outcomes;
        CompletableFuture<MtaSts.Lookup> sts = optional ? CompletableFuture.completedFuture(MtaSts.Lookup.none())
                : policies.domain(domain);
        AtomicReference<String> tls = new AtomicReference<>("policy=none tls=none");
        return resolver.route(domain).thenCombine(sts, (route, lookup) -> {
            lookup.failure().ifPresent(f -> out.record(domain, HostTls.Policy.STS, TlsResult.of(f.type())
                    .withPolicy(lookup.policy().map(PolicyText::of).orElse(PolicyText.NONE)).withReason(f.detail())));
            return new Planned(route, lookup);
        }).handle((plan, e) -> {
            if (e != null) {
                return CompletableFuture.completedFuture(all(rcpts, new DeliveryResult.Deferred(
                        Replies.mxLookupFailed(domain, e.getMessage()))));
            }
            MxResolver.Route route = plan.route();
            return switch (route.kind()) {
                case NULL_MX -> CompletableFuture.completedFuture(all(rcpts, new DeliveryResult.Failed(
                        Replies.nullMx(domain))));
                case NO_DOMAIN -> CompletableFuture.completedFuture(all(rcpts, new DeliveryResult.Failed(
                        Replies.noSuchDomain(domain))));
                case HOSTS -> send(part, new Attempt(domain, plan.sts(), route.authenticated() && !optional, out,
                        optional, hops), route, tls);
            };
        }).thenCompose(f -> f).thenApply(results -> {
            Forwarding.log(log, part, "mx " + domain, tls.get() + RequireTlsLog.label(part.tls()), results);
            return results;
        });
    }

    private record Planned(MxResolver.Route route, MtaSts.Lookup sts) {
    }

    /**
     * One delivery to a domain: its MTA-STS policy, whether its MX answer was validated (for DANE), where TLS
     * outcomes go, whether policies are ignored (a TLS report, TLS-Required: No: opportunistic TLS only) and, for a
     * REQUIRETLS message, the hosts that refused it (null otherwise).
     */
    private record Attempt(String domain, MtaSts.Lookup sts, boolean mxSecure, TlsOutcomes outcomes,
                           boolean report, RequireTlsHops hops) {
        boolean requireTls() {
            return hops != null;
        }
    }

    private CompletableFuture<Map<String, DeliveryResult>> send(OutboundMessage m, Attempt a, MxResolver.Route route,
                                                               AtomicReference<String> tls) {
        String domain = a.domain();
        MtaSts.Lookup sts = a.sts();
        List<String> hosts = route.hosts();
        String pool = a.report() ? domain + " report" : domain;
        Optional<StsPolicy> policy = sts.active();
        if (policy.isPresent()) {
            // Under enforce, hosts outside the policy are refused one by one (MxTlsPolicies.host), since a host
            // with DANE is judged by DANE alone; under testing they are tried and the mismatch is recorded.
            StsPolicy p = policy.get();
            if (p.mode() == StsPolicy.Mode.TESTING && !hosts.stream().allMatch(p::allows)) {
                log.warn("mta-sts mx mismatch domain={} mode=testing hosts={} policy={}", domain, hosts, p.mx());
                String outside = hosts.stream().filter(h -> !p.allows(h)).findFirst().orElse("");
                a.outcomes().record(domain, HostTls.Policy.STS, TlsResult.of(TlsFailure.MX_NOT_IN_POLICY)
                        .withPolicy(PolicyText.of(p)).withHost(outside)
                        .withReason(outside + " is not among the MTA-STS policy's mx " + p.mx()));
            }
            pool = domain + " sts " + sts.id() + " " + p.mode();
        }
        String key = a.requireTls() ? pool + " requiretls" : pool;
        return StaleSessions.send(m, () -> pools.acquire(key, () -> open(a, hosts, 0, null, true)), lease -> {
                    String t = sessionTls.get(lease.session());
                    if (t != null) {
                        tls.set(t);
                    }
                    return lease.session();
                }, DestinationPools.Lease::release)
                .exceptionally(e -> {
                    UpstreamException u = UpstreamException.of(e, "mx " + domain);
                    Optional<Reply> bounce = a.requireTls() ? a.hops().bounce() : Optional.empty();
                    if (bounce.isPresent()) {
                        log.warn("requiretls not satisfied id={} domain={} reply=\"{}\"", m.id(), domain,
                                bounce.get().summary());
                        return all(m.recipients(), new DeliveryResult.Failed(bounce.get()));
                    }
                    return all(m.recipients(), u.kind() == UpstreamException.Kind.LOOP
                            ? new DeliveryResult.Failed(u.reply()) : new DeliveryResult.Deferred(u.reply()));
                });
    }

    /**
     * Tries the hosts in order, each host's addresses in order, never an address of this relay; fails with the last
     * failure, or as a loop when every host resolved only to refused addresses ({@code onlyLoops} so far).
     */
    private CompletableFuture<UpstreamSession> open(Attempt a, List<String> hosts, int index,
                                                    UpstreamException last, boolean onlyLoops) {
        String domain = a.domain();
        if (index >= hosts.size()) {
            return CompletableFuture.failedFuture(last != null ? last : UpstreamException.connect(
                    String.join(",", hosts), new IllegalStateException("no MX host")));
        }
        String host = hosts.get(index);
        CompletableFuture<HostTls> hostTls = a.report() ? CompletableFuture.completedFuture(HostTls.opportunistic())
                : a.requireTls() ? policies.requireTlsHost(domain, a.sts(), host, config.port(), a.mxSecure())
                : policies.host(a.sts(), host, config.port(), a.mxSecure());
        return resolver.addresses(host).thenCombine(hostTls, HostPlan::new).handle((plan, e) -> {
            if (e != null) {
                UpstreamException u;
                Throwable cause = e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e;
                if (cause instanceof MxTlsPolicies.RefusedHost refused) {
                    u = UpstreamException.tls(host, refused.failure().toString(), null);
                    a.outcomes().record(domain, refused.policy(), TlsResult.of(refused.failure().type())
                            .withPolicy(refused.text()).withHost(host).withReason(refused.failure().detail()));
                } else if (cause instanceof MxTlsPolicies.Unvalidated unvalidated) {
                    u = UpstreamException.requireTls(host, unvalidated.verdict().transientRefusal()
                            ? Replies.requireTlsUndecided(host, unvalidated.getMessage())
                            : Replies.requireTlsUnvalidated(host, unvalidated.getMessage()));
                } else {
                    u = UpstreamException.connect(host, cause);
                }
                if (a.requireTls()) {
                    a.hops().failed(u);
                }
                log.info("mx host skipped host={} error=\"{}\"", host, u.getMessage());
                return open(a, hosts, index + 1, u, false);
            }
            List<InetAddress> addresses = plan.addresses();
            List<InetAddress> allowed = new ArrayList<>();
            String refused = null;
            for (InetAddress address : addresses) {
                Optional<String> why = loops.refusal(address);
                if (why.isPresent()) {
                    refused = host + ": " + why.get();
                    log.warn("mx host refused domain={} host={} reason=\"{}\"", domain, host, why.get());
                } else {
                    allowed.add(address);
                }
            }
            if (allowed.isEmpty()) {
                return open(a, hosts, index + 1, onlyLoops ? UpstreamException.loop(domain, refused) : last,
                        onlyLoops);
            }
            return openAddress(a, host, allowed, 0, null, plan.tls()).handle((s, f) -> {
                if (f == null) {
                    return CompletableFuture.completedFuture(s);
                }
                UpstreamException u = UpstreamException.of(f, host);
                if (a.requireTls()) {
                    u = RequireTlsHops.asRequireTls(u, host);
                    a.hops().failed(u);
                }
                log.info("mx host failed host={} error=\"{}\"", host, u.getMessage());
                return open(a, hosts, index + 1, u, false);
            }).thenCompose(x -> x);
        }).thenCompose(x -> x);
    }

    private record HostPlan(List<InetAddress> addresses, HostTls tls) {
    }

    private CompletableFuture<UpstreamSession> openAddress(Attempt a, String host, List<InetAddress> addresses,
                                                           int index, Throwable last, HostTls tls) {
        if (index >= addresses.size()) {
            return CompletableFuture.failedFuture(last != null ? last : UpstreamException.connect(host,
                    new IllegalStateException("no address")));
        }
        InetSocketAddress address = new InetSocketAddress(addresses.get(index), config.port());
        HostTls.Check check = tls.newCheck();
        return UpstreamSession.open(transport.bootstrap(), address, host, tls.required() ? mandatoryTls : settings,
                        io, check)
                .handle((s, e) -> {
                    Throwable cause = e instanceof CompletionException c ? c.getCause() : e;
                    TlsResult result = MxTlsOutcome.of(check, host, address, s, cause);
                    // A certificate check that only REQUIRETLS asked for (no receiver policy) is not the receiver's
                    // policy failing, so TLS reports (RFC 8460) do not hear of it.
                    if (result != null && !(a.requireTls() && tls.policy() == HostTls.Policy.NONE)) {
                        a.outcomes().record(a.domain(), tls.policy(), result);
                    }
                    if (e == null && a.requireTls() && !s.offersRequireTls()) {
                        // RFC 8689 section 4.2.1: QUIT, and try the next host.
                        s.quit();
                        return openAddress(a, host, addresses, index + 1, UpstreamException.requireTls(host,
                                Replies.requireTlsNotOffered(host)), tls);
                    }
                    if (e == null) {
                        sessionTls.put(s, "policy=" + tls.policy().label() + " tls=" + s.tlsProtocol()
                                + check.failure().map(f -> " tls_failure=" + f.type()).orElse(""));
                        return CompletableFuture.completedFuture(s);
                    }
                    return openAddress(a, host, addresses, index + 1, cause, tls);
                })
                .thenCompose(x -> x);
    }

    private static Map<String, DeliveryResult> all(List<String> rcpts, DeliveryResult r) {
        Map<String, DeliveryResult> out = new LinkedHashMap<>();
        rcpts.forEach(x -> out.put(x, r));
        return out;
    }

    /** Sessions opened so far by the domain's current pool. */
    public int sessionsOpened(String domain) {
        return pools.opened(domain);
    }

    /** Recipient domains with a connection pool now. */
    int cachedDestinations() {
        return pools.size();
    }

    @Override
    public String describe() {
        return "mx port " + config.port();
    }

    /** Closes {@code c} when this forwarder closes (the TLS report timer, which reports on its sessions). */
    public void closeWith(AutoCloseable c) {
        closing.add(c);
    }

    @Override
    public void close() {
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("close {}: {}", c, e.toString());
            }
        }
        pools.close();
        resolver.close();
        transport.close();
    }
}

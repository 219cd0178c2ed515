package works.cast.relay.server.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.config.DeliveryConfig;
import works.cast.relay.server.config.MxConfig;
import works.cast.relay.server.smtp.Reply;

/**
 * Delivers straight to each recipient domain's MX hosts ({@code delivery.mode = mx}, RFC 5321 section 5.1): the
 * recipients are grouped by domain, the hosts tried in preference order (the next one on a connection failure or a
 * refused greeting), with at most {@code mx.connections-per-domain} sessions per domain and STARTTLS as configured
 * (opportunistic by default, RFC 7435). A null MX (RFC 7505) or a domain that does not exist fails its recipients;
 * so does a domain whose hosts all resolve to this relay itself ({@link LoopGuard}). Connections are pooled per
 * domain in {@link DestinationPools}, bounded by {@code mx.cached-destinations}.
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

    /**
     * From the configuration: {@code delivery.mx} and the delivery timeouts.
     *
     * @param listenAddresses the relay's SMTP listener addresses, which no MX host may resolve to
     */
    public MxForwarder(DeliveryConfig config, String heloName, List<String> listenAddresses, Executor io)
            throws IOException {
        this(config.mx(), new LoopGuard(config.mx().allowLoopback(), listenAddresses),
                UpstreamTransport.settings(config, heloName, config.mx().tls(), java.util.Optional.empty(),
                        java.util.Optional.empty()), SmarthostForwarder.IDLE_TIMEOUT, io);
    }

    MxForwarder(MxConfig config, LoopGuard loops, UpstreamSettings settings, Duration idleTimeout, Executor io) {
        this.config = config;
        this.loops = loops;
        this.settings = settings;
        this.io = io;
        this.transport = new UpstreamTransport("mx", 2);
        this.resolver = new MxResolver(transport.group().next(), config.dnsServers(), settings.commandTimeout());
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

    static String domain(String recipient) {
        return recipient.substring(recipient.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    private CompletableFuture<Map<String, DeliveryResult>> deliver(OutboundMessage m, String domain,
                                                                   List<String> rcpts) {
        OutboundMessage part = new OutboundMessage(m.id(), m.reversePath(), rcpts, m.size(), m.eightBit(),
                m.smtpUtf8(), m.content());
        return resolver.route(domain).handle((route, e) -> {
            if (e != null) {
                return CompletableFuture.completedFuture(all(rcpts, new DeliveryResult.Deferred(new Reply(451,
                        "4.4.3", "MX lookup for " + domain + " failed: " + e.getMessage()))));
            }
            return switch (route.kind()) {
                case NULL_MX -> CompletableFuture.completedFuture(all(rcpts, new DeliveryResult.Failed(
                        new Reply(556, "5.1.10", "Domain " + domain + " does not accept mail (null MX)"))));
                case NO_DOMAIN -> CompletableFuture.completedFuture(all(rcpts, new DeliveryResult.Failed(
                        new Reply(550, "5.1.2", "Domain " + domain + " does not exist"))));
                case HOSTS -> send(part, domain, route.hosts());
            };
        }).thenCompose(f -> f).thenApply(results -> {
            Forwarding.log(log, part, "mx " + domain, results);
            return results;
        });
    }

    private CompletableFuture<Map<String, DeliveryResult>> send(OutboundMessage m, String domain, List<String> hosts) {
        return StaleSessions.send(m, () -> pools.acquire(domain, () -> open(domain, hosts, 0, null,
                        true)), DestinationPools.Lease::session, DestinationPools.Lease::release)
                .exceptionally(e -> {
                    UpstreamException u = UpstreamException.of(e, "mx " + domain);
                    return all(m.recipients(), u.kind() == UpstreamException.Kind.LOOP
                            ? new DeliveryResult.Failed(u.reply()) : new DeliveryResult.Deferred(u.reply()));
                });
    }

    /**
     * Tries the hosts in order, each host's addresses in order, never an address of this relay; fails with the last
     * failure, or as a loop when every host resolved only to refused addresses ({@code onlyLoops} so far).
     */
    private CompletableFuture<UpstreamSession> open(String domain, List<String> hosts, int index,
                                                    UpstreamException last, boolean onlyLoops) {
        if (index >= hosts.size()) {
            return CompletableFuture.failedFuture(last != null ? last : UpstreamException.connect(
                    String.join(",", hosts), new IllegalStateException("no MX host")));
        }
        String host = hosts.get(index);
        return resolver.addresses(host).handle((addresses, e) -> {
            if (e != null) {
                UpstreamException u = UpstreamException.connect(host, e);
                log.info("mx host skipped host={} error=\"{}\"", host, u.getMessage());
                return open(domain, hosts, index + 1, u, false);
            }
            List<InetAddress> allowed = new ArrayList<>();
            String refused = null;
            for (InetAddress a : addresses) {
                Optional<String> why = loops.refusal(a);
                if (why.isPresent()) {
                    refused = host + ": " + why.get();
                    log.warn("mx host refused domain={} host={} reason=\"{}\"", domain, host, why.get());
                } else {
                    allowed.add(a);
                }
            }
            if (allowed.isEmpty()) {
                return open(domain, hosts, index + 1, onlyLoops ? UpstreamException.loop(domain, refused) : last,
                        onlyLoops);
            }
            return openAddress(host, allowed, 0, null).handle((s, f) -> {
                if (f == null) {
                    return CompletableFuture.completedFuture(s);
                }
                UpstreamException u = UpstreamException.of(f, host);
                log.info("mx host failed host={} error=\"{}\"", host, u.getMessage());
                return open(domain, hosts, index + 1, u, false);
            }).thenCompose(x -> x);
        }).thenCompose(x -> x);
    }

    private CompletableFuture<UpstreamSession> openAddress(String host, List<InetAddress> addresses, int index,
                                                           Throwable last) {
        if (index >= addresses.size()) {
            return CompletableFuture.failedFuture(last != null ? last : UpstreamException.connect(host,
                    new IllegalStateException("no address")));
        }
        InetSocketAddress address = new InetSocketAddress(addresses.get(index), config.port());
        return UpstreamSession.open(transport.bootstrap(), address, host, settings, io)
                .handle((s, e) -> e == null ? CompletableFuture.completedFuture(s)
                        : openAddress(host, addresses, index + 1, e instanceof CompletionException c ? c.getCause() : e))
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

    @Override
    public void close() {
        pools.close();
        resolver.close();
        transport.close();
    }
}

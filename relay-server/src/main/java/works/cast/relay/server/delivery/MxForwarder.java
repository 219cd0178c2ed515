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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
 * (opportunistic by default, RFC 7435). A null MX (RFC 7505) or a domain that does not exist fails its recipients.
 */
public final class MxForwarder implements Forwarder {

    private static final Logger log = LoggerFactory.getLogger(MxForwarder.class);

    private final MxConfig config;
    private final UpstreamSettings settings;
    private final Duration idleTimeout;
    private final Executor io;
    private final UpstreamTransport transport;
    private final MxResolver resolver;
    private final Map<String, ConnectionPool> pools = new ConcurrentHashMap<>();

    /** From the configuration: {@code delivery.mx} and the delivery timeouts. */
    public MxForwarder(DeliveryConfig config, String heloName, Executor io) throws IOException {
        this(config.mx(), UpstreamTransport.settings(config, heloName, config.mx().tls(), java.util.Optional.empty(),
                java.util.Optional.empty()), SmarthostForwarder.IDLE_TIMEOUT, io);
    }

    public MxForwarder(MxConfig config, UpstreamSettings settings, Duration idleTimeout, Executor io) {
        this.config = config;
        this.settings = settings;
        this.idleTimeout = idleTimeout;
        this.io = io;
        this.transport = new UpstreamTransport("mx", 2);
        this.resolver = new MxResolver(transport.group().next(), config.dnsServers(), settings.commandTimeout());
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
        ConnectionPool pool = pools.computeIfAbsent(domain,
                d -> new ConnectionPool(config.connectionsPerDomain(), idleTimeout, transport.group()));
        return pool.acquire(() -> open(hosts, 0, null))
                .thenCompose(session -> session.send(m).whenComplete((r, e) -> pool.release(session)))
                .exceptionally(e -> all(m.recipients(),
                        new DeliveryResult.Deferred(UpstreamException.of(e, "mx " + domain).reply())));
    }

    /** Tries the hosts in order, each host's addresses in order; fails with the last failure. */
    private CompletableFuture<UpstreamSession> open(List<String> hosts, int index, UpstreamException last) {
        if (index >= hosts.size()) {
            return CompletableFuture.failedFuture(last != null ? last : UpstreamException.connect(
                    String.join(",", hosts), new IllegalStateException("no MX host")));
        }
        String host = hosts.get(index);
        return resolver.addresses(host).handle((addresses, e) -> {
            if (e != null) {
                UpstreamException u = UpstreamException.connect(host, e);
                log.info("mx host skipped host={} error=\"{}\"", host, u.getMessage());
                return open(hosts, index + 1, u);
            }
            return openAddress(host, addresses, 0, null).handle((s, f) -> {
                if (f == null) {
                    return CompletableFuture.completedFuture(s);
                }
                UpstreamException u = UpstreamException.of(f, host);
                log.info("mx host failed host={} error=\"{}\"", host, u.getMessage());
                return open(hosts, index + 1, u);
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

    /** Sessions opened so far to the domain's hosts. */
    public int sessionsOpened(String domain) {
        ConnectionPool p = pools.get(domain);
        return p == null ? 0 : p.opened();
    }

    @Override
    public String describe() {
        return "mx port " + config.port();
    }

    @Override
    public void close() {
        pools.values().forEach(ConnectionPool::close);
        resolver.close();
        transport.close();
    }
}

package works.cast.relay.server.delivery;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.config.DeliveryConfig;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.config.SmarthostConfig;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.smtp.Replies;

/**
 * Forwards every message to one smarthost ({@code delivery.mode = smarthost}; RFC 6409 submission with STARTTLS and
 * AUTH), over a pool of up to {@code smarthost.connections} reused sessions. Per-recipient results come from the RCPT
 * replies and the reply after the data; a failure to connect defers every recipient.
 *
 * <p>A REQUIRETLS message (RFC 8689 section 4.2.1) goes only when {@code smarthost.tls = required} (TLS with the
 * certificate verified for the smarthost's name) and the smarthost offers REQUIRETLS after STARTTLS; otherwise its
 * recipients fail (5.7.10, 5.7.30) and bounce: there is no other next hop to try.
 */
public final class SmarthostForwarder implements Forwarder {

    private static final Logger log = LoggerFactory.getLogger(SmarthostForwarder.class);

    /** Idle sessions are closed after this long. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final String host;
    private final int port;
    private final UpstreamSettings settings;
    private final Executor io;
    private final UpstreamTransport transport;
    private final ConnectionPool pool;

    /**
     * From the configuration: {@code delivery.smarthost} and the delivery timeouts.
     *
     * @param heloName the relay's host name for EHLO
     * @param loops    the relay's shared outbound event loops (NIO); the forwarder does not shut them down
     * @param io       executor for blocking work (reading message files, resolving the smarthost's name)
     */
    public SmarthostForwarder(DeliveryConfig config, String heloName, EventLoopGroup loops, Executor io)
            throws IOException {
        this(config.smarthost().host().orElseThrow(
                        () -> new IllegalArgumentException("delivery.smarthost.host is not set")),
                config.smarthost().port(), config.smarthost().connections(),
                UpstreamTransport.settings(config, heloName, config.smarthost().tls(), config.smarthost().trustStore(),
                        credentials(config.smarthost())), IDLE_TIMEOUT, io, new UpstreamTransport(loops));
    }

    public SmarthostForwarder(String host, int port, int connections, UpstreamSettings settings, Duration idleTimeout,
                              Executor io) {
        this(host, port, connections, settings, idleTimeout, io,
                new UpstreamTransport("smarthost", Math.min(2, Math.max(1, connections))));
    }

    private SmarthostForwarder(String host, int port, int connections, UpstreamSettings settings,
                               Duration idleTimeout, Executor io, UpstreamTransport transport) {
        this.host = host;
        this.port = port;
        this.settings = settings;
        this.io = io;
        this.transport = transport;
        this.pool = new ConnectionPool(connections, idleTimeout, transport.group());
    }

    private static java.util.Optional<UpstreamSettings.Credentials> credentials(SmarthostConfig c) {
        return c.user().map(u -> new UpstreamSettings.Credentials(u, c.password().orElse("")));
    }

    @Override
    public CompletionStage<Map<String, DeliveryResult>> forward(OutboundMessage message) {
        if (message.recipients().isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        if (message.requiresTls() && settings.tls() != OutboundTls.REQUIRED) {
            Map<String, DeliveryResult> failed = new LinkedHashMap<>();
            DeliveryResult r = new DeliveryResult.Failed(
                    Replies.requireTlsSmarthostUnverified(describe()));
            message.recipients().forEach(x -> failed.put(x, r));
            Forwarding.log(log, message, describe(), "requiretls=yes", failed);
            return CompletableFuture.completedFuture(failed);
        }
        return StaleSessions.send(message, () -> pool.acquire(this::open), s -> s, pool::release)
                .exceptionally(e -> {
                    UpstreamException u = UpstreamException.of(e, describe());
                    log.warn("smarthost unavailable id={} host={}:{} error=\"{}\"", message.id(), host, port,
                            u.getMessage());
                    Map<String, DeliveryResult> deferred = new LinkedHashMap<>();
                    // the host tried, as a DSN after the message expires names it (RFC 3464 section 2.3.5)
                    message.recipients().forEach(r -> deferred.put(r,
                            new DeliveryResult.Deferred(u.reply(), java.util.Optional.of(host))));
                    return deferred;
                })
                .thenApply(results -> {
                    Forwarding.log(log, message, describe(), message.tls() == TlsRequirement.DEFAULT ? null : RequireTlsLog.label(message.tls()).trim(), results);
                    return results;
                });
    }

    private CompletableFuture<UpstreamSession> open() {
        return CompletableFuture.supplyAsync(() -> new InetSocketAddress(host, port), io).thenCompose(address -> {
            if (address.isUnresolved()) {
                return CompletableFuture.failedFuture(UpstreamException.connect(host + ":" + port,
                        new java.net.UnknownHostException(host)));
            }
            return UpstreamSession.open(transport.bootstrap(), address, host, settings, io);
        });
    }

    /** Sessions open now, busy or idle. */
    int sessionsOpen() {
        return pool.open();
    }

    /** Sessions opened so far (reuse shows as fewer sessions than messages). */
    public int sessionsOpened() {
        return pool.opened();
    }

    @Override
    public String describe() {
        return "smarthost " + host + ":" + port;
    }

    @Override
    public void close() {
        pool.close();
        transport.close();
    }
}

package works.cast.relay.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.policy.SigningPolicy;
import works.cast.relay.server.bounce.Bouncer;
import works.cast.relay.server.bounce.DsnBuilder;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.delivery.DeliveryWorker;
import works.cast.relay.server.delivery.DirectoryOutbox;
import works.cast.relay.server.delivery.Forwarder;
import works.cast.relay.server.delivery.MxForwarder;
import works.cast.relay.server.delivery.PassthroughCommitter;
import works.cast.relay.server.delivery.QueueDeferrals;
import works.cast.relay.server.delivery.RetrySchedule;
import works.cast.relay.server.delivery.SmarthostForwarder;
import works.cast.relay.server.delivery.tls.TlsReportCounts;
import works.cast.relay.server.intake.MessageCommitter;
import works.cast.relay.server.intake.StoreCommitter;
import works.cast.relay.server.message.IndexEntry;
import works.cast.relay.server.ops.MeteredForwarder;
import works.cast.relay.server.ops.RelayMetrics;
import works.cast.relay.server.queue.FileMessageQueue;

/**
 * Where accepted messages go, by {@code delivery.mode}: the outbox directory; or the durable queue and a delivery
 * worker forwarding to a smarthost or the recipients' MX hosts; or, with {@code passthrough}, straight to the
 * upstream while the client waits (the queue then only carries bounces).
 */
final class DeliveryStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryStack.class);

    final MessageCommitter committer;
    final Optional<FileMessageQueue> queue;
    private final Optional<DeliveryWorker> worker;
    private final Optional<Forwarder> forwarder;
    private final Optional<ExecutorService> io;

    private DeliveryStack(MessageCommitter committer, Optional<FileMessageQueue> queue, Optional<DeliveryWorker> worker,
                          Optional<Forwarder> forwarder, Optional<ExecutorService> io) {
        this.committer = committer;
        this.queue = queue;
        this.worker = worker;
        this.forwarder = forwarder;
        this.io = io;
    }

    /**
     * Builds the stack and recovers the queue; call before the SMTP listeners start. Delivery reads message files on
     * threads of its own: on the intake's I/O threads it would wait behind every message being received and signed,
     * and a relay under steady load would queue mail without delivering it. Outbound connections run on
     * {@code loops}, which the caller owns.
     */
    static DeliveryStack create(RelayConfig config, Clock clock, RelayMetrics metrics, DsnBuilder dsn,
                                SigningPolicy policy, EventLoopGroup loops) throws IOException {
        var delivery = config.delivery();
        if (delivery.mode() == works.cast.relay.server.config.DeliveryConfig.Mode.DIRECTORY) {
            return new DeliveryStack(new DirectoryOutbox(delivery.directory(), config.queue().dir().resolve("incoming")),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        ExecutorService io = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("delivery-blocking-io", true));
        try {
            return create(config, clock, metrics, io, dsn, policy, loops);
        } catch (IOException | RuntimeException e) {
            io.shutdownNow();
            throw e;
        }
    }

    private static DeliveryStack create(RelayConfig config, Clock clock, RelayMetrics metrics, ExecutorService io,
                                        DsnBuilder dsn, SigningPolicy policy, EventLoopGroup loops)
            throws IOException {
        var delivery = config.delivery();
        Optional<TlsReportCounts> tlsCounts = TlsReporting.counts(config, clock);
        MxForwarder[] mx = new MxForwarder[1];
        Forwarder forwarder = new MeteredForwarder(switch (delivery.mode()) {
            case SMARTHOST -> new SmarthostForwarder(delivery, config.hostname(), loops, io);
            case MX -> mx[0] = new MxForwarder(delivery, config.hostname(),
                    config.smtp().listen().stream().map(works.cast.relay.server.config.ListenerConfig::address).toList(),
                    config.queue().dir(), TlsReporting.outcomes(metrics, tlsCounts), loops, io);
            case DIRECTORY -> throw new IllegalStateException("unreachable");
        }, metrics);
        FileMessageQueue queue;
        try {
            queue = new FileMessageQueue(config.queue().dir(), clock);
        } catch (IOException | RuntimeException e) {
            forwarder.close();
            throw e;
        }
        if (mx[0] != null && tlsCounts.isPresent()) {
            mx[0].closeWith(TlsReporting.start(config, tlsCounts.get(), policy, clock, queue::enqueue));
        }
        List<IndexEntry> recovered = queue.recover();
        // Messages read from disk and handed to delivery at once: delivery's concurrency, capped by queue.active-limit.
        int inFlight = Math.min(config.queue().activeLimit(), Math.max(4, delivery.smarthost().connections() * 2));
        Bouncer bouncer = new Bouncer(queue, dsn);
        DeliveryWorker worker = new DeliveryWorker(queue, forwarder, RetrySchedule.of(config.queue()), bouncer,
                inFlight, clock);
        worker.start(recovered);
        if (!recovered.isEmpty()) {
            log.info("queue recovered messages={} dir={}", recovered.size(), config.queue().dir());
        }
        MessageCommitter committer = delivery.passthrough()
                ? new PassthroughCommitter(forwarder, queue.spoolDirectory(), io, bouncer,
                        new QueueDeferrals(queue, RetrySchedule.of(config.queue()), clock))
                : new StoreCommitter(queue);
        return new DeliveryStack(committer, Optional.of(queue), Optional.of(worker), Optional.of(forwarder),
                Optional.of(io));
    }

    @Override
    public void close() {
        worker.ifPresent(DeliveryWorker::close);
        forwarder.ifPresent(Forwarder::close);
        io.ifPresent(ExecutorService::shutdown);
        queue.ifPresent(q -> {
            try {
                q.close();
            } catch (IOException e) {
                log.warn("queue close: {}", e.toString());
            }
        });
    }
}

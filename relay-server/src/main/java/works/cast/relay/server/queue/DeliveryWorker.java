package works.cast.relay.server.queue;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.delivery.AttemptOutcome;
import works.cast.relay.server.delivery.DeliveryResult;
import works.cast.relay.server.delivery.DsnBuilder;
import works.cast.relay.server.delivery.Forwarder;
import works.cast.relay.server.delivery.OutboundMessage;
import works.cast.relay.server.delivery.RequireTlsLog;

/**
 * Delivers the queue (RFC 5321 section 4.5.4.1): one scheduler thread picks due messages, hands their pending
 * recipients to the {@link Forwarder} with at most {@code maxInFlight} messages out at once, records each outcome
 * atomically, bounces failed recipients once every recipient is final and then removes the message.
 *
 * <p>Threads: every field is touched only on the scheduler thread; forwarder results and side-file writes (on the
 * queue's store thread) hop back to it, so it never waits for an fsync but a bounce's commit. Each second
 * the worker also reads the requests the {@code queue} command drops in {@code <queue.dir>/control/}.
 */
public final class DeliveryWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration BOUNCE_RETRY = Duration.ofSeconds(10);

    private final FileMessageQueue queue;
    private final Forwarder forwarder;
    private final RetrySchedule schedule;
    private final Bouncer bouncer;
    private final int maxInFlight;
    private final Clock clock;
    private final boolean automatic;
    private final ScheduledExecutorService scheduler;
    private final QueueControl control;

    private final Map<QueueId, Tracked> tracked = new HashMap<>();
    /** Messages waiting for their next attempt, by when it is due. */
    private final DueQueue<Tracked> ready = new DueQueue<>(Comparator.comparing(t -> t.id));
    private int inFlight;

    /**
     * A queued message and what the worker is doing with it: its details stay on disk and are read when an attempt
     * starts ({@link IndexEntry}), except after a failed write, when the state to keep is only here.
     */
    private static final class Tracked {
        final QueueId id;
        boolean inFlight;
        boolean deleteRequested;
        QueueEntry unsaved;

        Tracked(QueueId id) {
            this.id = id;
        }
    }

    /**
     * @param maxInFlight messages handed to the forwarder at once (for example smarthost connections times two)
     */
    public DeliveryWorker(FileMessageQueue queue, Forwarder forwarder, RetrySchedule schedule, DsnBuilder dsn,
                          int maxInFlight, Clock clock) {
        this(queue, forwarder, schedule, dsn, maxInFlight, clock, true);
    }

    /** {@code automatic} false: no timer and no run on commit; tests drive rounds with {@link #runDue()}. */
    DeliveryWorker(FileMessageQueue queue, Forwarder forwarder, RetrySchedule schedule, DsnBuilder dsn,
                   int maxInFlight, Clock clock, boolean automatic) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("delivery worker: maxInFlight must be at least 1");
        }
        this.queue = queue;
        this.forwarder = forwarder;
        this.schedule = schedule;
        this.bouncer = new Bouncer(queue, dsn);
        this.maxInFlight = maxInFlight;
        this.clock = clock;
        this.automatic = automatic;
        this.control = new QueueControl(queue.directory());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("queue-delivery", true));
    }

    /** Takes over the recovered messages and starts delivering; newly committed messages join as they commit. */
    public void start(List<IndexEntry> recovered) {
        queue.onCommitted(e -> {
            IndexEntry i = IndexEntry.of(e);
            submit(() -> add(i));
        });
        submit(() -> recovered.forEach(this::add));
        if (automatic) {
            scheduler.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Removes a message without a bounce; one in flight goes when its attempt ends. False when not queued. */
    public CompletableFuture<Boolean> delete(QueueId id) {
        return call(() -> deleteNow(id));
    }

    /** One round: start every due message there is room for; completes when those attempts are recorded. */
    CompletableFuture<Void> runDue() {
        return call(this::round).thenCompose(f -> f);
    }

    /** Reads the queue command's requests now (the timer does it every second). */
    CompletableFuture<Void> pollControl() {
        return call(this::readControl);
    }

    private void tick() {
        try {
            readControl();
            round();
        } catch (RuntimeException e) {
            log.error("delivery round failed", e);
        }
    }

    private Void readControl() {
        for (QueueControl.Request r : control.take()) {
            switch (r.kind()) {
                case RETRY -> r.id().ifPresentOrElse(this::retryNow, this::retryAllNow);
                case DELETE -> r.id().ifPresent(this::deleteNow);
                default -> throw new IllegalStateException("unknown request " + r);
            }
        }
        return null;
    }

    private void add(IndexEntry e) {
        if (!tracked.containsKey(e.id()) && queue.contains(e.id())) {
            Tracked t = new Tracked(e.id());
            tracked.put(e.id(), t);
            ready.schedule(t, e.due());
        }
        if (automatic) {
            round();
        }
    }

    private boolean retryNow(QueueId id) {
        Tracked t = tracked.get(id);
        if (t == null) {
            return false;
        }
        dueNow(t, clock.instant());
        log.info("queue retry id={} by=operator", id);
        return true;
    }

    private int retryAllNow() {
        Instant now = clock.instant();
        tracked.values().forEach(t -> dueNow(t, now));
        log.info("queue retry all messages={} by=operator", tracked.size());
        return tracked.size();
    }

    /** Pending recipients due now; one in flight is rescheduled when its attempt ends. */
    private void dueNow(Tracked t, Instant now) {
        if (t.unsaved != null) {
            t.unsaved = t.unsaved.dueNow(now);
        }
        if (!t.inFlight) {
            ready.schedule(t, now);
        }
    }

    private boolean deleteNow(QueueId id) {
        Tracked t = tracked.get(id);
        if (t != null && t.inFlight) {
            t.deleteRequested = true;
            log.info("queue delete id={} by=operator state=in-flight (removed when the attempt ends)", id);
            return true;
        }
        forget(id);
        boolean existed = queue.contains(id);
        try {
            queue.remove(id);
        } catch (IOException e) {
            log.error("queue delete failed id={} error={}", id, e.toString());
            return false;
        }
        if (existed) {
            log.info("queue delete id={} by=operator", id);
        }
        return existed;
    }

    /** Starts the due messages there is room for, earliest first; costs O(log n) per message started. */
    private CompletableFuture<Void> round() {
        Instant now = clock.instant();
        List<CompletableFuture<Void>> launched = new ArrayList<>();
        Tracked t;
        while (inFlight < maxInFlight && (t = ready.firstDue(now)) != null) {
            ready.take(t);
            if (t.inFlight || tracked.get(t.id) != t) {
                continue;
            }
            QueueEntry e = details(t);
            if (e == null) {
                continue;
            }
            if (e.isFinal()) {
                finish(t, e);
            } else {
                launched.add(launch(t, e));
            }
        }
        return CompletableFuture.allOf(launched.toArray(CompletableFuture[]::new));
    }

    /** The message's details for an attempt: read from disk (or the state a failed write left); null when gone. */
    private QueueEntry details(Tracked t) {
        if (t.unsaved != null) {
            return t.unsaved;
        }
        try {
            Optional<QueueEntry> e = queue.load(t.id);
            if (e.isPresent()) {
                return e.get();
            }
            log.warn("queue message id={} is gone from disk; dropped", t.id);
        } catch (IOException ex) {
            log.error("queue message id={} unreadable ({}); left for the next start to check", t.id, ex.toString());
        }
        forget(t.id);
        return null;
    }

    private CompletableFuture<Void> launch(Tracked t, QueueEntry e) {
        List<String> rcpts = e.pending().stream().map(RecipientStatus::address).toList();
        OutboundMessage message = new OutboundMessage(e.id(), e.reversePath(), rcpts, e.totalSize(), e.eightBit(),
                e.smtpUtf8(), queue.content(e), e.tls());
        t.inFlight = true;
        inFlight++;
        long start = System.nanoTime();
        CompletionStage<Map<String, DeliveryResult>> stage;
        try {
            stage = forwarder.forward(message);
        } catch (RuntimeException ex) {
            stage = CompletableFuture.failedFuture(ex);
        }
        CompletableFuture<Void> handled = new CompletableFuture<>();
        try {
            stage.whenCompleteAsync((results, failure) -> {
                CompletableFuture<Void> recorded = CompletableFuture.completedFuture(null);
                try {
                    recorded = record(t, e, rcpts, results == null ? Map.of() : results, failure, start);
                } catch (RuntimeException ex) {
                    log.error("delivery bookkeeping failed id={}", e.id(), ex);
                } finally {
                    t.inFlight = false;
                    inFlight--;
                    recorded.whenComplete((v, f) -> handled.complete(null));
                }
                if (automatic) {
                    round();
                }
            }, scheduler);
        } catch (RejectedExecutionException ex) {
            handled.complete(null);
        }
        return handled;
    }

    /** Records an attempt's outcome; completes once the new state is durable (at once for a finished message). */
    private CompletableFuture<Void> record(Tracked t, QueueEntry before, List<String> rcpts,
                                           Map<String, DeliveryResult> results, Throwable failure, long start) {
        if (t.deleteRequested) {
            deleteAfterFlight(t);
            return CompletableFuture.completedFuture(null);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String upstream = forwarder.describe();
        AttemptOutcome.Result outcome = AttemptOutcome.of(before, rcpts, results, Optional.ofNullable(failure),
                schedule, clock.instant(), upstream);
        for (AttemptOutcome.Line l : outcome.lines()) {
            String reply = l.result().reply().summary().replace('"', '\'');
            // the key-value pairs are the JSON log format's fields (logstash names); the text is the plain line
            var line = log.atInfo().addKeyValue("queue_id", t.id.toString()).addKeyValue("rcpt", l.address())
                    .addKeyValue("upstream", upstream).addKeyValue("reply", reply).addKeyValue("duration_ms", millis)
                    .addKeyValue("result", l.label())
                    .addKeyValue("next", l.status().state() == RecipientState.PENDING ? l.next() : "-");
            if (l.status().state() == RecipientState.EXPIRED) {
                line = line.addKeyValue("reason", "expired");
            }
            if (before.tls() != works.cast.relay.core.mail.TlsRequirement.DEFAULT) {
                line = line.addKeyValue("tls_requirement", before.tls().label());
            }
            line.log("delivery id={} rcpt={} upstream={} reply=\"{}\" duration_ms={} result={} next={}{}", t.id,
                    l.address(), upstream, reply, millis, l.label(), l.next(), RequireTlsLog.label(before.tls()));
        }
        QueueEntry after = outcome.entry();
        if (after.isFinal()) {
            finish(t, after);
            return CompletableFuture.completedFuture(null);
        }
        ready.schedule(t, IndexEntry.of(after).due());
        return save(t, after);
    }

    /** Every recipient is final: bounce the failed ones (never for the null sender), then remove the message. */
    private void finish(Tracked t, QueueEntry e) {
        List<RecipientStatus> failed = e.bounced();
        try {
            bouncer.bounceFailed(e);
        } catch (IOException | RuntimeException ex) {
            log.error("bounce failed id={} error={} (will try again)", e.id(), ex.toString());
            save(t, e);
            ready.schedule(t, clock.instant().plus(BOUNCE_RETRY));
            return;
        }
        try {
            queue.remove(e.id());
            forget(e.id());
            log.info("queue removed id={} delivered={} failed={}", e.id(),
                    e.recipients().size() - failed.size(), failed.size());
        } catch (IOException ex) {
            log.error("queue remove failed id={} error={}", e.id(), ex.toString());
        }
    }

    /**
     * Writes the side file on the queue's store thread, so this thread never waits for an fsync. Until the write is
     * durable, and after it fails, the state to use is the one kept here.
     */
    private CompletableFuture<Void> save(Tracked t, QueueEntry e) {
        t.unsaved = e;
        CompletableFuture<Void> saved = new CompletableFuture<>();
        queue.updateLater(e).whenComplete((v, failure) -> submit(() -> {
            if (failure != null) {
                log.error("queue update failed id={} error={} (state kept in memory)", t.id, failure.toString());
            } else if (t.unsaved == e) {
                t.unsaved = null; // read from disk from now on
            }
            saved.complete(null);
        }));
        return saved;
    }

    private void deleteAfterFlight(Tracked t) {
        forget(t.id);
        try {
            queue.remove(t.id);
            log.info("queue delete id={} by=operator state=removed-after-attempt", t.id);
        } catch (IOException e) {
            log.error("queue delete failed id={} error={}", t.id, e.toString());
        }
    }

    /** Stops tracking a message: out of the index and the due queue. */
    private void forget(QueueId id) {
        Optional.ofNullable(tracked.remove(id)).ifPresent(ready::remove);
    }

    /** Messages the worker holds (queued, in flight or waiting). */
    CompletableFuture<Integer> size() {
        return call(tracked::size);
    }

    private void submit(Runnable r) {
        try {
            scheduler.execute(r);
        } catch (RejectedExecutionException e) {
            log.debug("delivery worker stopped; task dropped");
        }
    }

    private <T> CompletableFuture<T> call(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        submit(() -> {
            try {
                f.complete(task.call());
            } catch (Exception | Error e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Stops the scheduler; attempts still out are recorded at the next start (they are retried). */
    @Override
    public void close() {
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

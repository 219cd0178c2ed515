package works.cast.relay.server.delivery;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.bounce.Bouncer;
import works.cast.relay.server.delivery.DeliveryIndex.Tracked;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.IndexEntry;
import works.cast.relay.server.message.MessageStore;
import works.cast.relay.server.message.OperatorRequest;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientStatus;

/**
 * Delivers the stored messages (RFC 5321 section 4.5.4.1): one scheduler thread picks due messages, hands their
 * pending recipients to the {@link Forwarder} with at most {@code maxInFlight} messages out at once, records each
 * outcome ({@link AttemptOutcome}), bounces failed recipients once every recipient is final and then removes the
 * message.
 *
 * <p>Threads: every field is touched only on the scheduler thread. Forwarder results, side-file writes, removals and
 * bounce commits, and taking the {@code queue} command's requests ({@link MessageStore#takeRequests}, each second),
 * run elsewhere (the store's threads) and hop back to it, so it never writes a file nor waits for an fsync; it only
 * reads a message's file when an attempt starts.
 */
public final class DeliveryWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration BOUNCE_RETRY = Duration.ofSeconds(10);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final MessageStore store;
    private final Forwarder forwarder;
    private final RetrySchedule schedule;
    private final Bouncer bouncer;
    private final int maxInFlight;
    private final Clock clock;
    private final boolean automatic;
    private final SchedulerThread thread = new SchedulerThread("queue-delivery");
    private final DeliveryIndex index = new DeliveryIndex();
    private int inFlight;

    /**
     * @param maxInFlight messages handed to the forwarder at once (for example smarthost connections times two)
     */
    public DeliveryWorker(MessageStore store, Forwarder forwarder, RetrySchedule schedule, Bouncer bouncer,
                          int maxInFlight, Clock clock) {
        this(store, forwarder, schedule, bouncer, maxInFlight, clock, true);
    }

    /** {@code automatic} false: no timer and no run on commit; tests drive rounds with {@link #runDue()}. */
    DeliveryWorker(MessageStore store, Forwarder forwarder, RetrySchedule schedule, Bouncer bouncer,
                   int maxInFlight, Clock clock, boolean automatic) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("delivery worker: maxInFlight must be at least 1");
        }
        this.store = store;
        this.forwarder = forwarder;
        this.schedule = schedule;
        this.bouncer = bouncer;
        this.maxInFlight = maxInFlight;
        this.clock = clock;
        this.automatic = automatic;
    }

    /** Takes over the recovered messages and starts delivering; newly committed messages join as they commit. */
    public void start(List<IndexEntry> recovered) {
        store.onCommitted(e -> {
            IndexEntry i = IndexEntry.of(e);
            thread.submit(() -> add(i));
        });
        thread.submit(() -> recovered.forEach(this::add));
        if (automatic) {
            thread.every(TICK, this::tick);
        }
    }

    /** Removes a message without a bounce; one in flight goes when its attempt ends. False when not queued. */
    public CompletableFuture<Boolean> delete(QueueId id) {
        return thread.call(() -> deleteNow(id)).thenCompose(f -> f);
    }

    /** One round: start every due message there is room for; completes when those attempts are recorded. */
    CompletableFuture<Void> runDue() {
        return thread.call(this::round).thenCompose(f -> f);
    }

    /** Reads the queue command's requests now (the timer does it every second); completes once they are done. */
    CompletableFuture<Void> pollControl() {
        return thread.call(this::readControl).thenCompose(f -> f);
    }

    /** Messages the worker holds (queued, in flight or waiting). */
    CompletableFuture<Integer> size() {
        return thread.call(index::size);
    }

    private void tick() {
        try {
            readControl().whenComplete((v, e) -> {
                if (e != null) {
                    log.error("queue control requests failed", e);
                } else {
                    thread.submit(this::round); // at once for the messages a retry request made due
                }
            });
            round();
        } catch (RuntimeException e) {
            log.error("delivery round failed", e);
        }
    }

    /** Acts on the queue command's requests; completes once the removals asked are done. */
    private CompletableFuture<Void> readControl() {
        return store.takeRequests().thenComposeAsync(this::act, thread.executor()).toCompletableFuture();
    }

    /** Acts on the queue command's requests, on the scheduler thread; completes once the removals asked are done. */
    private CompletableFuture<Void> act(List<OperatorRequest> requests) {
        List<CompletableFuture<Boolean>> removals = new ArrayList<>();
        for (OperatorRequest r : requests) {
            switch (r.kind()) {
                case RETRY -> r.id().ifPresentOrElse(this::retryNow, this::retryAllNow);
                case DELETE -> r.id().ifPresent(id -> removals.add(deleteNow(id)));
                default -> throw new IllegalStateException("unknown request " + r);
            }
        }
        return CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new));
    }

    private void add(IndexEntry e) {
        if (index.get(e.id()).isEmpty() && store.contains(e.id())) {
            index.add(e.id(), e.due());
        }
        if (automatic) {
            round();
        }
    }

    private void retryNow(QueueId id) {
        index.get(id).ifPresent(t -> {
            index.dueNow(t, clock.instant());
            log.info("queue retry id={} by=operator", id);
        });
    }

    private void retryAllNow() {
        int n = index.allDueNow(clock.instant());
        log.info("queue retry all messages={} by=operator", n);
    }

    private CompletableFuture<Boolean> deleteNow(QueueId id) {
        Optional<Tracked> t = index.get(id);
        if (t.isPresent() && t.get().busy) {
            t.get().deleteRequested = true;
            log.info("queue delete id={} by=operator state=in-flight (removed when the attempt ends)", id);
            return CompletableFuture.completedFuture(true);
        }
        index.forget(id);
        return store.removeLater(id).handle((existed, failure) -> {
            if (failure != null) {
                log.error("queue delete failed id={} error={}", id, failure.toString());
                return false;
            }
            if (existed) {
                log.info("queue delete id={} by=operator", id);
            }
            return existed;
        }).toCompletableFuture();
    }

    /** Starts the due messages there is room for, earliest first; costs O(log n) per message started. */
    private CompletableFuture<Void> round() {
        Instant now = clock.instant();
        List<CompletableFuture<Void>> launched = new ArrayList<>();
        Tracked t;
        while (inFlight < maxInFlight && (t = index.takeDue(now)) != null) {
            QueueEntry e = details(t);
            if (e == null) {
                continue;
            }
            launched.add(e.isFinal() ? finish(t, e) : launch(t, e));
        }
        return CompletableFuture.allOf(launched.toArray(CompletableFuture[]::new));
    }

    /** The message's details for an attempt: from the store, or the state a pending write keeps; null when gone. */
    private QueueEntry details(Tracked t) {
        if (t.unsaved != null) {
            return t.unsaved;
        }
        try {
            Optional<QueueEntry> e = store.load(t.id);
            if (e.isPresent()) {
                return e.get();
            }
            log.warn("queue message id={} is gone from disk; dropped", t.id);
        } catch (IOException ex) {
            log.error("queue message id={} unreadable ({}); left for the next start to check", t.id, ex.toString());
        }
        index.forget(t.id);
        return null;
    }

    private CompletableFuture<Void> launch(Tracked t, QueueEntry e) {
        List<String> rcpts = e.pending().stream().map(RecipientStatus::address).toList();
        OutboundMessage message = new OutboundMessage(e.id(), e.reversePath(), rcpts, e.totalSize(), e.eightBit(),
                e.smtpUtf8(), store.content(e), e.tls());
        t.busy = true;
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
                CompletableFuture<Void> recorded = DONE;
                t.busy = false;
                inFlight--;
                try {
                    recorded = record(t, e, rcpts, results == null ? Map.of() : results, failure, start);
                } catch (RuntimeException ex) {
                    log.error("delivery bookkeeping failed id={}", e.id(), ex);
                } finally {
                    recorded.whenComplete((v, f) -> handled.complete(null));
                }
                if (automatic) {
                    round();
                }
            }, thread.executor());
        } catch (RejectedExecutionException ex) {
            handled.complete(null);
        }
        return handled;
    }

    /** Records an attempt's outcome; completes once the new state is durable, or the finished message is gone. */
    private CompletableFuture<Void> record(Tracked t, QueueEntry before, List<String> rcpts,
                                           Map<String, DeliveryResult> results, Throwable failure, long start) {
        if (t.deleteRequested) {
            return deleteAfterFlight(t);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String upstream = forwarder.describe();
        AttemptOutcome.Result outcome = AttemptOutcome.of(before, rcpts, results, Optional.ofNullable(failure),
                schedule, clock.instant(), upstream);
        AttemptLog.attempt(t.id, before.tls(), outcome, upstream, millis);
        QueueEntry after = outcome.entry();
        if (after.isFinal()) {
            return finish(t, after);
        }
        index.schedule(t, IndexEntry.of(after).due());
        return save(t, after);
    }

    /**
     * Every recipient is final: bounce the failed ones (never for the null sender), then remove the message. The
     * DSN's commit and the removal run on the store's threads; the message stays busy until they end. Completes when
     * the message is gone, or when the bounce failed and the message waits for the next try.
     */
    private CompletableFuture<Void> finish(Tracked t, QueueEntry e) {
        t.busy = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletionStage<Optional<QueueEntry>> bounced;
        try {
            bounced = bouncer.bounceFailed(e);
        } catch (RuntimeException ex) {
            bounced = CompletableFuture.failedFuture(ex);
        }
        bounced.whenComplete((dsn, failure) -> thread.submit(() -> {
            t.busy = false;
            if (failure != null && !t.deleteRequested) {
                log.error("bounce failed id={} error={} (will try again)", e.id(), failure.toString());
                index.schedule(t, clock.instant().plus(BOUNCE_RETRY));
                save(t, e).whenComplete((v, f) -> done.complete(null));
                return;
            }
            if (failure != null) {
                deleteAfterFlight(t).whenComplete((v, f) -> done.complete(null));
                return;
            }
            index.forget(e.id());
            int failed = e.bounced().size();
            store.removeLater(e.id()).whenComplete((existed, f) -> {
                if (f != null) {
                    log.error("queue remove failed id={} error={}", e.id(), f.toString());
                } else {
                    log.info("queue removed id={} delivered={} failed={}", e.id(),
                            e.recipients().size() - failed, failed);
                }
                done.complete(null);
            });
        }));
        return done;
    }

    /**
     * Writes the side file on the store's I/O thread, so this thread never waits for an fsync. Until the write is
     * durable, and after it fails, the state to use is the one kept here.
     */
    private CompletableFuture<Void> save(Tracked t, QueueEntry e) {
        t.unsaved = e;
        CompletableFuture<Void> saved = new CompletableFuture<>();
        store.updateLater(e).whenComplete((v, failure) -> thread.submit(() -> {
            if (failure != null) {
                log.error("queue update failed id={} error={} (state kept in memory)", t.id, failure.toString());
            } else if (t.unsaved == e) {
                t.unsaved = null; // read from disk from now on
            }
            saved.complete(null);
        }));
        return saved;
    }

    private CompletableFuture<Void> deleteAfterFlight(Tracked t) {
        index.forget(t.id);
        return store.removeLater(t.id).handle((existed, failure) -> {
            if (failure != null) {
                log.error("queue delete failed id={} error={}", t.id, failure.toString());
            } else {
                log.info("queue delete id={} by=operator state=removed-after-attempt", t.id);
            }
            return (Void) null;
        }).toCompletableFuture();
    }

    /** Stops the scheduler; attempts still out are recorded at the next start (they are retried). */
    @Override
    public void close() {
        thread.close();
    }
}

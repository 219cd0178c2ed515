package works.cast.relay.server.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Up to {@code max} upstream sessions to one destination, reused across messages (RFC 5321 section 4.1.4 RSET
 * between transactions). Callers wait first-in first-out when all are busy; a broken session is dropped and its
 * place taken by a new one; idle sessions are closed after {@code idleTimeout}. A retired pool takes no new callers
 * (its owner makes a new one): it serves those already waiting, and its sessions quit when idle. Thread-safe.
 */
final class ConnectionPool {

    private record Idle(UpstreamSession session, long since) {
    }

    private record Waiter(CompletableFuture<UpstreamSession> future, Supplier<CompletableFuture<UpstreamSession>> opener) {
    }

    private final int max;
    private final Duration idleTimeout;
    private final ScheduledExecutorService timer;
    private final ArrayDeque<Idle> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int open;
    private int opened;
    private boolean closed;
    private boolean retired;
    private long lastUsed = System.nanoTime();
    private boolean expiryScheduled; // one timer at a time, not one per released session

    ConnectionPool(int max, Duration idleTimeout, ScheduledExecutorService timer) {
        if (max < 1) {
            throw new IllegalArgumentException("connection pool: max must be positive: " + max);
        }
        this.max = max;
        this.idleTimeout = idleTimeout;
        this.timer = timer;
    }

    /** A ready session: an idle one, a new one from {@code opener}, or the next one released. */
    CompletableFuture<UpstreamSession> acquire(Supplier<CompletableFuture<UpstreamSession>> opener) {
        CompletableFuture<UpstreamSession> f = acquireUnlessRetired(opener);
        return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException("connection pool retired"));
    }

    /** As {@link #acquire}, or null when the pool is retired, so that the caller takes a fresh one. */
    CompletableFuture<UpstreamSession> acquireUnlessRetired(Supplier<CompletableFuture<UpstreamSession>> opener) {
        CompletableFuture<UpstreamSession> future = new CompletableFuture<>();
        List<UpstreamSession> stale = new ArrayList<>();
        UpstreamSession ready = null;
        boolean start = false;
        synchronized (this) {
            if (retired) {
                return null;
            }
            if (closed) {
                future.completeExceptionally(new IllegalStateException("connection pool closed"));
                return future;
            }
            lastUsed = System.nanoTime();
            Idle i;
            while (ready == null && (i = idle.pollFirst()) != null) {
                if (i.session.isReusable()) {
                    ready = i.session;
                } else {
                    open--;
                    stale.add(i.session);
                }
            }
            if (ready == null) {
                if (open < max) {
                    open++;
                    opened++;
                    start = true;
                } else {
                    waiters.add(new Waiter(future, opener));
                }
            }
        }
        stale.forEach(UpstreamSession::quit);
        if (ready != null) {
            future.complete(ready);
        } else if (start) {
            start(future, opener);
        }
        return future;
    }

    private void start(CompletableFuture<UpstreamSession> future, Supplier<CompletableFuture<UpstreamSession>> opener) {
        CompletableFuture<UpstreamSession> attempt;
        try {
            attempt = opener.get();
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((s, e) -> {
            if (e != null) {
                synchronized (this) {
                    open--;
                }
                future.completeExceptionally(e);
                dispatch();
            } else if (!future.complete(s)) {
                release(s);
            }
        });
    }

    /** Gives a session back after a message; a session that cannot be reused is closed and replaced on demand. */
    void release(UpstreamSession session) {
        Waiter next = null;
        boolean quit = false;
        synchronized (this) {
            lastUsed = System.nanoTime();
            if (closed || !session.isReusable()) {
                open--;
                quit = true;
            } else if (!waiters.isEmpty()) {
                next = waiters.poll();
            } else if (retired) {
                open--;
                quit = true;
            } else {
                idle.addFirst(new Idle(session, System.nanoTime()));
                if (!expiryScheduled) {
                    expiryScheduled = true;
                    timer.schedule(this::expire, idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        }
        if (quit) {
            session.quit();
            dispatch();
        } else if (next != null && !next.future.complete(session)) {
            release(session);
        }
    }

    /** Opens a session for the first waiter when there is room. */
    private void dispatch() {
        Waiter w = null;
        synchronized (this) {
            if (!closed && open < max && !waiters.isEmpty()) {
                w = waiters.poll();
                open++;
                opened++;
            }
        }
        if (w != null) {
            start(w.future, w.opener);
        }
    }

    /** Closes the sessions idle for {@code idleTimeout}, then waits for the oldest one left, if any. */
    private void expire() {
        List<UpstreamSession> old = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            long limit = now - idleTimeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(5);
            long oldestLeft = 0;
            boolean left = false;
            for (Iterator<Idle> it = idle.descendingIterator(); it.hasNext(); ) {
                Idle i = it.next();
                if (i.since - limit <= 0 || !i.session.isReusable()) {
                    it.remove();
                    open--;
                    old.add(i.session);
                } else if (!left) {
                    left = true;
                    oldestLeft = i.since;
                }
            }
            if (left && !closed) {
                long delay = Math.max(oldestLeft + idleTimeout.toNanos() - now, TimeUnit.MILLISECONDS.toNanos(1));
                timer.schedule(this::expire, delay, TimeUnit.NANOSECONDS);
            } else {
                expiryScheduled = false;
            }
        }
        old.forEach(UpstreamSession::quit);
    }

    /** Sessions open or being opened. */
    synchronized int open() {
        return open;
    }

    /** No session in use or wanted; idle sessions may be open. */
    synchronized boolean isIdle() {
        return open == idle.size() && waiters.isEmpty();
    }

    /** {@link System#nanoTime()} of the last acquire or release. */
    synchronized long lastUsed() {
        return lastUsed;
    }

    /** Retires the pool if it is idle ({@link #isIdle}), atomically with respect to callers. */
    boolean retireIfIdle() {
        return retire(true);
    }

    /** Takes no new callers; idle sessions quit now, busy ones when released and not wanted by a waiter. */
    void retire() {
        retire(false);
    }

    private boolean retire(boolean onlyIfIdle) {
        List<UpstreamSession> old = new ArrayList<>();
        synchronized (this) {
            if (onlyIfIdle && !isIdle()) {
                return false;
            }
            retired = true;
            idle.forEach(i -> old.add(i.session));
            open -= idle.size();
            idle.clear();
        }
        old.forEach(UpstreamSession::quit);
        return true;
    }

    /** Sessions opened since the start, for tests and metrics. */
    synchronized int opened() {
        return opened;
    }

    /** Quits idle sessions, fails waiters; busy sessions quit when released. */
    void close() {
        List<UpstreamSession> old = new ArrayList<>();
        List<Waiter> waiting;
        synchronized (this) {
            closed = true;
            idle.forEach(i -> old.add(i.session));
            open -= idle.size();
            idle.clear();
            waiting = new ArrayList<>(waiters);
            waiters.clear();
        }
        old.forEach(UpstreamSession::quit);
        waiting.forEach(w -> w.future.completeExceptionally(new IllegalStateException("connection pool closed")));
    }
}

package works.cast.relay.server.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The connection pools of MX delivery, one per recipient domain, in bounded number: a pool unused for
 * {@code idleTimeout} is dropped (its sessions quit), and a new destination past {@code max} drops the least recently
 * used pool, an idle one first. A busy pool dropped for room finishes the messages it has and then closes, so mail to
 * very many domains costs at most {@code max} entries, never a map that only grows. Thread-safe.
 */
final class DestinationPools implements AutoCloseable {

    /** A session taken from a pool; {@link #release()} gives it back. */
    record Lease(ConnectionPool pool, UpstreamSession session) {
        void release() {
            pool.release(session);
        }
    }

    private final int max;
    private final int perDomain;
    private final Duration idleTimeout;
    private final ScheduledExecutorService timer;
    private final Map<String, ConnectionPool> pools = new HashMap<>(); // guarded by this
    private final ScheduledFuture<?> sweep;
    private boolean closed;

    DestinationPools(int max, int perDomain, Duration idleTimeout, ScheduledExecutorService timer) {
        if (max < 1) {
            throw new IllegalArgumentException("destination pools: max must be positive: " + max);
        }
        this.max = max;
        this.perDomain = perDomain;
        this.idleTimeout = idleTimeout;
        this.timer = timer;
        long period = Math.max(idleTimeout.toNanos(), TimeUnit.MILLISECONDS.toNanos(10));
        this.sweep = timer.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    /** A session to {@code domain}: from its pool, or opened by {@code opener}. */
    CompletableFuture<Lease> acquire(String domain, Supplier<CompletableFuture<UpstreamSession>> opener) {
        for (;;) {
            ConnectionPool pool = pool(domain);
            CompletableFuture<UpstreamSession> f = pool.acquireUnlessRetired(opener);
            if (f != null) {
                return f.thenApply(s -> new Lease(pool, s));
            }
            synchronized (this) { // dropped between the look-up and the acquire: take a fresh one
                pools.remove(domain, pool);
            }
        }
    }

    private synchronized ConnectionPool pool(String domain) {
        ConnectionPool pool = pools.get(domain);
        if (pool != null || closed) {
            return pool != null ? pool : closedPool();
        }
        if (pools.size() >= max) {
            makeRoom();
        }
        pool = new ConnectionPool(perDomain, idleTimeout, timer);
        pools.put(domain, pool);
        return pool;
    }

    /** Drops the least recently used idle pool, else the least recently used one. */
    private void makeRoom() {
        Map.Entry<String, ConnectionPool> idle = null;
        Map.Entry<String, ConnectionPool> any = null;
        for (Map.Entry<String, ConnectionPool> e : pools.entrySet()) {
            long used = e.getValue().lastUsed();
            if (any == null || used - any.getValue().lastUsed() < 0) {
                any = e;
            }
            if (e.getValue().isIdle() && (idle == null || used - idle.getValue().lastUsed() < 0)) {
                idle = e;
            }
        }
        Map.Entry<String, ConnectionPool> victim = idle != null ? idle : any;
        pools.remove(victim.getKey());
        victim.getValue().retire();
    }

    /** Drops the pools nobody used for {@code idleTimeout}. */
    private void sweep() {
        long limit = System.nanoTime() - idleTimeout.toNanos();
        synchronized (this) {
            pools.values().removeIf(p -> p.lastUsed() - limit <= 0 && p.retireIfIdle());
        }
    }

    private ConnectionPool closedPool() {
        ConnectionPool p = new ConnectionPool(1, idleTimeout, timer);
        p.close();
        return p;
    }

    /** Destinations with a pool now. */
    synchronized int size() {
        return pools.size();
    }

    /** Sessions opened so far by the domain's current pool. */
    synchronized int opened(String domain) {
        ConnectionPool p = pools.get(domain);
        return p == null ? 0 : p.opened();
    }

    @Override
    public void close() {
        List<ConnectionPool> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(pools.values());
            pools.clear();
        }
        sweep.cancel(false);
        all.forEach(ConnectionPool::close);
    }
}

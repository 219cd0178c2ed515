package works.cast.relay.server.smtp;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed AUTH attempts per client ({@link ClientKey}: an IPv4 address or an IPv6 /64) within a sliding window,
 * shared by all connections of a server (RFC 4954 section 4 leaves the counter-measures to the server). Entries
 * whose failures have all left the window are dropped by {@link #sweep}, which the server runs on a timer, so the
 * table holds only clients that failed recently. Thread-safe.
 */
public final class AuthFailureTracker {

    private final int maxFailures;
    private final Duration window;
    private final Clock clock;
    private final ConcurrentHashMap<InetAddress, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public AuthFailureTracker(int maxFailures, Duration window, Clock clock) {
        if (maxFailures <= 0) {
            throw new IllegalArgumentException("max auth failures must be positive: " + maxFailures);
        }
        this.maxFailures = maxFailures;
        this.window = window;
        this.clock = clock;
    }

    /** Records one failure; true when the address has now reached the limit. */
    public boolean recordFailure(InetAddress address) {
        Instant now = clock.instant();
        while (true) {
            Deque<Instant> times = failures.computeIfAbsent(ClientKey.of(address), a -> new ArrayDeque<>());
            synchronized (times) {
                if (failures.get(ClientKey.of(address)) != times) {
                    continue; // swept away meanwhile: count in the fresh entry
                }
                prune(times, now);
                times.addLast(now);
                return times.size() >= maxFailures;
            }
        }
    }

    /** Drops the clients whose failures have all left the window. */
    public void sweep() {
        Instant now = clock.instant();
        for (var e : failures.entrySet()) {
            Deque<Instant> times = e.getValue();
            synchronized (times) {
                prune(times, now);
                if (times.isEmpty()) {
                    failures.remove(e.getKey(), times);
                }
            }
        }
    }

    /** Clients with failures in the table (swept or not). */
    public int clients() {
        return failures.size();
    }

    /** How often the server should {@link #sweep}: the window, at most once a minute. */
    public Duration sweepInterval() {
        return window.compareTo(Duration.ofMinutes(1)) < 0 ? window : Duration.ofMinutes(1);
    }

    /** True when the address has reached the limit within the window. */
    public boolean isBlocked(InetAddress address) {
        InetAddress key = ClientKey.of(address);
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return false;
        }
        synchronized (times) {
            prune(times, clock.instant());
            if (times.isEmpty()) {
                failures.remove(key, times);
                return false;
            }
            return times.size() >= maxFailures;
        }
    }

    private void prune(Deque<Instant> times, Instant now) {
        Instant oldest = now.minus(window);
        while (!times.isEmpty() && times.peekFirst().isBefore(oldest)) {
            times.removeFirst();
        }
    }
}

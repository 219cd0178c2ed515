package works.cast.relay.server.smtp;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed AUTH attempts per client address within a sliding window, shared by all connections of a server
 * (RFC 4954 section 4 leaves the counter-measures to the server). Thread-safe.
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
        Deque<Instant> times = failures.computeIfAbsent(address, a -> new ArrayDeque<>());
        synchronized (times) {
            prune(times, now);
            times.addLast(now);
            return times.size() >= maxFailures;
        }
    }

    /** True when the address has reached the limit within the window. */
    public boolean isBlocked(InetAddress address) {
        Deque<Instant> times = failures.get(address);
        if (times == null) {
            return false;
        }
        synchronized (times) {
            prune(times, clock.instant());
            if (times.isEmpty()) {
                failures.remove(address, times);
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

package works.cast.relay.server.intake;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The memory all sessions together may hold for messages in flight, in two parts that cannot wait on each other:
 * <ul>
 *   <li>header blocks kept for signing: a message reserves its full header limit before its {@code 354} and settles
 *       to the real size once the header is read. Reservations take at most three quarters of the budget; a DATA
 *       that finds no room waits for its {@code 354} (the client is not read meanwhile).</li>
 *   <li>DATA chunks read but not yet on disk: past a quarter of the budget every session that adds a chunk stops
 *       reading (TCP backpressure) until the disk writers bring it under an eighth. The writers drain on their own,
 *       so this wait always ends.</li>
 * </ul>
 * Each session also pauses past its own high-water mark; this bounds what 500 of them hold together. Thread-safe.
 */
public final class IntakeMemory {

    private final long limit;
    private final long maxReserved;
    private final long maxBuffered;
    private final long resumeBuffered;
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicLong buffered = new AtomicLong();
    private final LongAdder waits = new LongAdder();
    private final Queue<Runnable> waitingToReserve = new ConcurrentLinkedQueue<>();
    private final Queue<Runnable> waitingToBuffer = new ConcurrentLinkedQueue<>();

    /** @param limit bytes; {@code 0} means a quarter of the JVM's maximum heap */
    public IntakeMemory(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("intake memory must not be negative: " + limit);
        }
        this.limit = limit == 0 ? Runtime.getRuntime().maxMemory() / 4 : limit;
        this.maxReserved = this.limit / 4 * 3;
        this.maxBuffered = this.limit / 4;
        this.resumeBuffered = this.limit / 8;
    }

    /** A budget that never makes anyone wait, for tools and tests that do not run a server. */
    public static IntakeMemory unlimited() {
        return new IntakeMemory(Long.MAX_VALUE);
    }

    public long limit() {
        return limit;
    }

    /** Times a DATA found no room and waited for its {@code 354}. */
    public long waits() {
        return waits.sum();
    }

    public long used() {
        return reserved.get() + buffered.get();
    }

    /**
     * Reserves {@code n} header bytes for a message about to open; the first reservation always succeeds, so a
     * header limit larger than the budget slows intake to one message at a time instead of stopping it.
     *
     * @return false when there is no room: then {@code retry} runs (on any thread) after a reservation is returned
     */
    public boolean tryReserve(long n, Runnable retry) {
        while (true) {
            long r = reserved.get();
            if (r != 0 && r + n > maxReserved) {
                waitingToReserve.add(retry);
                if (reserved.get() == r) {
                    waits.increment();
                    return false;
                }
                // A release ran between the read and the add and may have missed the callback: look again.
                if (waitingToReserve.remove(retry)) {
                    continue;
                }
                waits.increment();
                return false; // a release already took it and runs it
            }
            if (reserved.compareAndSet(r, r + n)) {
                return true;
            }
        }
    }

    /** Returns reserved header bytes and lets the waiting DATA commands try again. */
    public void unreserve(long n) {
        if (n == 0) {
            return;
        }
        reserved.addAndGet(-n);
        Runnable r;
        while ((r = waitingToReserve.poll()) != null) {
            r.run(); // each retries and registers again if it still does not fit
        }
    }

    /** Counts {@code n} bytes read but not yet written; false when the reader should pause. */
    public boolean buffer(long n) {
        return buffered.addAndGet(n) <= maxBuffered;
    }

    /** Counts {@code n} bytes as written; wakes the paused readers once the backlog is under an eighth. */
    public void drained(long n) {
        if (buffered.addAndGet(-n) < resumeBuffered) {
            wakeReaders();
        }
    }

    public boolean canBuffer() {
        return buffered.get() < resumeBuffered;
    }

    /** Runs {@code resume} once the backlog is small again: at once if it already is. Register once per pause. */
    public void whenCanBuffer(Runnable resume) {
        waitingToBuffer.add(resume);
        if (canBuffer()) { // the last drain may have run before the add: do not wait for another one
            wakeReaders();
        }
    }

    private void wakeReaders() {
        Runnable r;
        while (canBuffer() && (r = waitingToBuffer.poll()) != null) {
            r.run();
        }
    }
}

package works.cast.relay.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of the relay that were started, newest on top. {@link #stop} closes them in reverse order: when the relay
 * stops, and when a later part fails to start, so that a failed start leaves no port bound and no thread running
 * without any cleanup written by hand for each step. A part that fails to close is logged and the rest still close.
 *
 * <p>The order of registration is the order of shutdown reversed: a part registered before another closes after
 * it. Called from the thread that starts or stops the relay.
 */
final class Lifecycle {

    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    /** How one part stops; {@code drain} is how long it may let work under way finish. */
    @FunctionalInterface
    interface Stop {
        void stop(Duration drain) throws Exception;
    }

    private record Part(String name, Stop stop) {
    }

    private final Deque<Part> started = new ArrayDeque<>();

    /** Registers a started part that closes without a drain; returns it. */
    <T extends AutoCloseable> T add(String name, T part) {
        started.push(new Part(name, drain -> part.close()));
        return part;
    }

    /** Registers a started part with its own way to stop. */
    void onStop(String name, Stop stop) {
        started.push(new Part(name, stop));
    }

    /** The names of the registered parts, in the order they will close. */
    java.util.List<String> closingOrder() {
        return started.stream().map(Part::name).toList();
    }

    /** Closes every registered part, newest first; afterwards nothing is registered. */
    synchronized void stop(Duration drain) {
        while (!started.isEmpty()) {
            Part p = started.pop();
            try {
                p.stop().stop(drain);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("stop interrupted part=\"{}\"", p.name());
            } catch (Exception e) {
                log.warn("stop failed part=\"{}\" error={}", p.name(), e.toString());
            }
        }
    }
}

package works.cast.relay.server.delivery;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery scheduler's one thread: tasks run on it one at a time, so the scheduler's state needs no lock. Tasks
 * handed to it after {@link #close} are dropped (the queue on disk is what counts; the next start picks it up).
 */
final class SchedulerThread implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SchedulerThread.class);

    private final ScheduledExecutorService executor;

    SchedulerThread(String name) {
        this.executor = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory(name, true));
    }

    /** The thread as an executor, for stages that complete elsewhere and hop back. */
    Executor executor() {
        return executor;
    }

    /** Runs {@code task} now and then every {@code period} after the previous run ended. */
    void every(Duration period, Runnable task) {
        executor.scheduleWithFixedDelay(task, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("delivery worker stopped; task dropped");
        }
    }

    /** Runs {@code task} on the thread; the future completes with its result or its failure. */
    <T> CompletableFuture<T> call(Callable<T> task) {
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

    /** Stops the thread after the task in progress, waiting up to ten seconds for it. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

package works.cast.relay.server.queue;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches directory fsyncs: every caller of {@link #sync()} whose renames are done waits for the next fsync of the
 * queue directory, and one fsync serves every caller that asked before it started. Runs on its own thread, so no
 * caller (least of all a Netty event loop) waits on the disk.
 *
 * <p>Each fsync has a generation number, counted from 1. {@link #nextGeneration()} read after a rename names the
 * first fsync that covers that rename; once {@link #durableGeneration()} reaches it, the rename survives a power
 * loss. {@link SpareFiles} uses this to reuse a removed message's file only after its removal is durable.
 */
final class GroupCommit implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    /** The fsync a batch shares. */
    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    private final Action action;
    private final Thread thread;
    private final Object lock = new Object();
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    private boolean closed;
    private long started;
    private volatile long durable;

    GroupCommit(Action action, String name) {
        this.action = action;
        this.thread = new DefaultThreadFactory(name, true).newThread(this::loop);
        thread.start();
    }

    /** Completes after an fsync that started after this call; fails with that fsync's exception. */
    CompletableFuture<Void> sync() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (lock) {
            if (closed) {
                f.completeExceptionally(new IOException("queue is closed"));
                return f;
            }
            waiting.add(f);
            lock.notifyAll();
        }
        return f;
    }

    /** The generation of the first fsync that starts after this call: it covers every rename done before. */
    long nextGeneration() {
        synchronized (lock) {
            return started + 1;
        }
    }

    /** The generation of the last fsync that completed; every rename that it covers is durable. */
    long durableGeneration() {
        return durable;
    }

    private void loop() {
        while (true) {
            List<CompletableFuture<Void>> batch;
            synchronized (lock) {
                while (waiting.isEmpty() && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (waiting.isEmpty()) {
                    return;
                }
                batch = waiting;
                waiting = new ArrayList<>();
                started++;
            }
            long generation = started;
            IOException failure = null;
            try {
                action.run();
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new IOException(e);
            }
            if (failure == null) {
                durable = generation;
            } else {
                log.error("queue fsync failed batch={} error={}", batch.size(), failure.toString());
            }
            for (CompletableFuture<Void> f : batch) {
                if (failure == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(failure);
                }
            }
        }
    }

    /** Serves the callers already waiting, then stops the thread. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.OperatorRequest;
import works.cast.relay.server.message.QueueId;

/**
 * What the {@code queue} command does to a queue directory, with the relay stopped or running. Stopped (the
 * {@code .lock} is free): it changes the files itself, holding the lock. Running: it never writes a file the relay
 * owns; it drops a request in {@code control/} ({@code <id>.retry}, {@code all.retry}, {@code <id>.delete})
 * that the running relay's delivery scheduler reads within a second or two, and a delete of a message in flight waits
 * for the attempt to end.
 */
public final class QueueControl {

    private static final Logger log = LoggerFactory.getLogger(QueueControl.class);
    private static final String ALL = "all";

    /** How a command ended. */
    public enum Outcome {
        /** Done on the files of a stopped relay. */
        DONE,
        /** Handed to the running relay. */
        REQUESTED,
        /** No such message. */
        NOT_FOUND
    }

    private final QueueFiles files;
    private final Clock clock;

    public QueueControl(Path dir) {
        this(dir, Clock.systemUTC());
    }

    public QueueControl(Path dir, Clock clock) {
        this.files = new QueueFiles(dir, FileSystemGuard.REAL);
        this.clock = clock;
    }

    /**
     * One page of the queue, oldest first.
     *
     * @param entries the readable messages of this page
     * @param total   messages in the queue
     * @param next    the id to list after for the next page; empty on the last page
     */
    public record Page(List<QueueEntry> entries, int total, Optional<QueueId> next) {
    }

    /** Every readable queued message, oldest first; unreadable ones are logged and skipped. */
    public List<QueueEntry> list() throws IOException {
        return list(Optional.empty(), Integer.MAX_VALUE).entries();
    }

    /** As {@link #list()}, reading at most the {@code max} oldest messages. */
    public List<QueueEntry> list(int max) throws IOException {
        return list(Optional.empty(), max).entries();
    }

    /** Up to {@code limit} messages with ids after {@code after}, oldest first; only those are read from disk. */
    public Page list(Optional<QueueId> after, int limit) throws IOException {
        requireQueue();
        List<QueueId> all = files.ids();
        List<QueueId> page = all;
        if (after.isPresent()) {
            int i = java.util.Collections.binarySearch(all, after.get());
            page = all.subList(i >= 0 ? i + 1 : -i - 1, all.size());
        }
        Optional<QueueId> next = Optional.empty();
        if (page.size() > limit) {
            page = page.subList(0, limit);
            next = Optional.of(page.get(limit - 1));
        }
        List<QueueEntry> out = new ArrayList<>();
        for (QueueId id : page) {
            try {
                out.add(files.read(id, false));
            } catch (NoSuchFileException e) {
                // delivered meanwhile
            } catch (IOException e) {
                log.warn("skipping unreadable message id={}: {}", id, e.getMessage());
            }
        }
        return new Page(out, all.size(), next);
    }

    public Optional<QueueEntry> show(QueueId id) throws IOException {
        requireQueue();
        try {
            return Optional.of(files.read(id, false));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** True when a relay holds the queue. */
    public boolean relayRunning() throws IOException {
        requireQueue();
        Optional<QueueLock> lock = QueueLock.tryAcquire(files.dir());
        if (lock.isPresent()) {
            lock.get().close();
            return false;
        }
        return true;
    }

    public Outcome retry(QueueId id) throws IOException {
        return act(new OperatorRequest(OperatorRequest.Kind.RETRY, Optional.of(id)));
    }

    public Outcome retryAll() throws IOException {
        return act(new OperatorRequest(OperatorRequest.Kind.RETRY, Optional.empty()));
    }

    public Outcome delete(QueueId id) throws IOException {
        return act(new OperatorRequest(OperatorRequest.Kind.DELETE, Optional.of(id)));
    }

    private Outcome act(OperatorRequest r) throws IOException {
        requireQueue();
        if (r.id().isPresent() && !files.contains(r.id().get())) {
            return Outcome.NOT_FOUND;
        }
        Optional<QueueLock> lock = QueueLock.tryAcquire(files.dir());
        if (lock.isEmpty()) {
            Files.createDirectories(files.control());
            Path marker = files.control().resolve(r.id().map(QueueId::value).orElse(ALL) + "."
                    + r.kind().name().toLowerCase(Locale.ROOT));
            try {
                Files.createFile(marker);
            } catch (FileAlreadyExistsException e) {
                // already asked
            }
            return Outcome.REQUESTED;
        }
        try (QueueLock held = lock.get()) {
            return applyDirectly(r);
        }
    }

    private Outcome applyDirectly(OperatorRequest r) throws IOException {
        List<QueueId> ids = r.id().isPresent() ? List.of(r.id().get()) : files.ids();
        boolean any = false;
        for (QueueId id : ids) {
            if (r.kind() == OperatorRequest.Kind.DELETE) {
                any |= files.contains(id);
                files.remove(id);
                continue;
            }
            try {
                files.writeState(files.read(id, false).dueNow(clock.instant()));
                any = true;
            } catch (NoSuchFileException e) {
                // gone meanwhile
            }
        }
        files.fsyncDirectory();
        return any || r.id().isEmpty() ? Outcome.DONE : Outcome.NOT_FOUND;
    }

    /** Reads and removes the pending requests; for the running relay's worker. */
    List<OperatorRequest> take() {
        List<OperatorRequest> out = new ArrayList<>();
        if (!Files.isDirectory(files.control())) {
            return out;
        }
        try (DirectoryStream<Path> markers = Files.newDirectoryStream(files.control())) {
            for (Path m : markers) {
                parse(m.getFileName().toString()).ifPresentOrElse(out::add,
                        () -> log.warn("queue control: ignoring unknown file {}", m.getFileName()));
                Files.deleteIfExists(m);
            }
        } catch (IOException e) {
            log.warn("queue control: cannot read {}: {}", files.control(), e.toString());
        }
        return out;
    }

    static Optional<OperatorRequest> parse(String name) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String base = name.substring(0, dot);
        OperatorRequest.Kind kind;
        switch (name.substring(dot + 1)) {
            case "retry" -> kind = OperatorRequest.Kind.RETRY;
            case "delete" -> kind = OperatorRequest.Kind.DELETE;
            default -> {
                return Optional.empty();
            }
        }
        if (base.equals(ALL) && kind == OperatorRequest.Kind.RETRY) {
            return Optional.of(new OperatorRequest(kind, Optional.empty()));
        }
        return QueueId.isValid(base) ? Optional.of(new OperatorRequest(kind, Optional.of(new QueueId(base))))
                : Optional.empty();
    }

    private void requireQueue() throws IOException {
        if (!Files.isDirectory(files.dir())) {
            throw new NoSuchFileException(files.dir().toString(), null, "not a queue directory");
        }
    }
}

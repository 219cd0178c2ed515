package works.cast.relay.server.ops;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import works.cast.relay.server.message.QueueId;

/**
 * Queue size and the age of its oldest message, read from the queue directory when metrics are scraped: one
 * {@code <id>.msg} per committed message (or {@code <id>.meta} of a v1 queue not yet upgraded), and the id tells when
 * it arrived.
 */
public final class QueueGauges {

    private final Path dir;
    private final Clock clock;

    public QueueGauges(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** Messages in the queue now. */
    public long size() {
        return scan().count;
    }

    /** Seconds since the oldest queued message arrived; 0 when the queue is empty. */
    public double oldestAgeSeconds() {
        Snapshot s = scan();
        return s.oldest == null ? 0 : Math.max(0, Duration.between(s.oldest, clock.instant()).toMillis() / 1000.0);
    }

    private record Snapshot(long count, Instant oldest) {
    }

    private Snapshot scan() {
        long count = 0;
        QueueId oldest = null;
        if (!Files.isDirectory(dir)) {
            return new Snapshot(0, null);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{msg,meta}")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String id = name.substring(0, name.lastIndexOf('.'));
                if (QueueId.isValid(id)) {
                    count++;
                    QueueId q = new QueueId(id);
                    if (oldest == null || q.compareTo(oldest) < 0) {
                        oldest = q;
                    }
                }
            }
        } catch (IOException e) {
            return new Snapshot(count, oldest == null ? null : oldest.createdAt());
        }
        return new Snapshot(count, oldest == null ? null : oldest.createdAt());
    }
}

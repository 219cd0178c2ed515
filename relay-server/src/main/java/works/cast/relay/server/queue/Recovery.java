package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.message.IndexEntry;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;

/**
 * The start of a relay on its queue directory, after a crash or a clean stop, in this order:
 * <ol>
 * <li>temporary files go, and so do spool files in {@code incoming/} (no client saw a 250 for them);</li>
 * <li>v1 messages ({@code <id>.eml} + {@code <id>.meta}, as relays before the v2 format wrote them) are rewritten as
 *     v2 {@code <id>.msg} files with their recipients' state; once a directory fsync has made the new files durable,
 *     the v1 files go;</li>
 * <li>a side file without its message, and a message file that fails its checks (version, id against the file name,
 *     length, CRC32C) or whose side file does, go to {@code corrupt/}, one log line each; they are never delivered.</li>
 * </ol>
 * Holds one message in memory at a time; returns the index of the usable ones.
 */
final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final QueueFiles files;
    private int removed;
    private int corrupt;
    private int upgraded;

    Recovery(QueueFiles files) {
        this.files = files;
    }

    List<IndexEntry> run() throws IOException {
        for (Path f : list(files.dir(), "*" + QueueFiles.TMP)) {
            Files.deleteIfExists(f);
            removed++;
        }
        for (Path f : list(files.incoming(), "*")) {
            if (SpoolSlots.isSlot(f)) {
                continue; // a reusable spool file (SpoolSlots): whatever it holds was never answered 250
            }
            Optional<QueueId> id = idOf(f, QueueFiles.EML);
            if (id.isPresent() && Files.exists(files.meta(id.get())) && !Files.exists(files.eml(id.get()))) {
                // A v1 relay moved the bytes out of incoming/ before it wrote the .meta; the move was not durable.
                Files.move(f, files.eml(id.get()), StandardCopyOption.ATOMIC_MOVE);
                log.warn("queue recovered message file id={} from incoming", id.get());
            } else {
                Files.deleteIfExists(f);
                log.warn("queue removed uncommitted file={} (the client never got a 250)", f.getFileName());
                removed++;
            }
        }
        upgradeV1();
        java.util.Set<QueueId> withState = new java.util.HashSet<>(files.ids(QueueFiles.STATE));
        for (QueueId id : List.copyOf(withState)) {
            if (!Files.exists(files.msg(id))) {
                withState.remove(id);
                log.error("queue side file {} has no message file; moved to {}", files.state(id).getFileName(),
                        files.corrupt());
                moveAside(files.state(id));
                corrupt++;
            }
        }
        List<IndexEntry> index = new ArrayList<>();
        for (QueueId id : files.ids(QueueFiles.MSG)) {
            try {
                index.add(IndexEntry.of(files.read(id, true, withState.contains(id))));
            } catch (IOException e) {
                boolean side = withState.contains(id);
                log.error("queue message id={} unusable ({}); moved to {}{}", id, e.getMessage(), files.corrupt(),
                        side ? " with its side file" : "");
                moveAside(files.msg(id));
                if (side) {
                    moveAside(files.state(id));
                }
                corrupt++;
            }
        }
        if (removed + corrupt > 0) {
            files.fsyncDirectory();
        }
        log.info("queue recovered dir={} messages={} removed={} corrupt={} upgraded={}", files.dir(), index.size(),
                removed, corrupt, upgraded);
        return index;
    }

    /** Rewrites every v1 message as v2, then removes the v1 files once the new ones are durable. */
    private void upgradeV1() throws IOException {
        for (Path f : list(files.dir(), "*" + QueueFiles.EML)) {
            Optional<QueueId> id = idOf(f, QueueFiles.EML);
            if (id.isPresent() && !Files.exists(files.meta(id.get()))) {
                Files.deleteIfExists(f);
                log.warn("queue removed uncommitted message id={} (no .meta; the client never got a 250)", id.get());
                removed++;
            }
        }
        List<QueueId> done = new ArrayList<>();
        for (QueueId id : files.ids(QueueFiles.META)) {
            try {
                if (!Files.exists(files.eml(id))) {
                    throw new IOException("no " + files.eml(id).getFileName());
                }
                QueueEntry e = MetaFormat.parse(Files.readAllBytes(files.meta(id)), files.meta(id).toString());
                if (!e.id().equals(id)) {
                    throw new IOException("holds message " + e.id());
                }
                if (Files.size(files.eml(id)) != e.size()) {
                    throw new IOException(files.eml(id).getFileName() + " has " + Files.size(files.eml(id))
                            + " bytes, .meta says " + e.size());
                }
                Files.deleteIfExists(files.state(id)); // v2 state of an earlier, interrupted upgrade: the .meta rules
                files.writeMessage(e, files.eml(id));
                done.add(id);
            } catch (IOException | RuntimeException e) {
                log.error("queue v1 message id={} unusable ({}); moved to {}", id, e.getMessage(), files.corrupt());
                moveAside(files.meta(id));
                if (Files.exists(files.eml(id))) {
                    moveAside(files.eml(id));
                }
                corrupt++;
            }
        }
        if (done.isEmpty()) {
            return;
        }
        files.fsyncDirectory(); // the v2 files are committed before the v1 files go
        for (QueueId id : done) {
            Files.deleteIfExists(files.meta(id));
            Files.deleteIfExists(files.eml(id));
        }
        files.fsyncDirectory();
        upgraded = done.size();
        log.info("queue upgraded messages={} from the v1 format (.eml + .meta) to v2 (.msg)", upgraded);
    }

    private void moveAside(Path f) throws IOException {
        Files.createDirectories(files.corrupt());
        Files.move(f, files.corrupt().resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    private static List<Path> list(Path dir, String glob) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            for (Path p : s) {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static Optional<QueueId> idOf(Path f, String suffix) {
        String name = f.getFileName().toString();
        if (!name.endsWith(suffix)) {
            return Optional.empty();
        }
        String base = name.substring(0, name.length() - suffix.length());
        return QueueId.isValid(base) ? Optional.of(new QueueId(base)) : Optional.empty();
    }
}

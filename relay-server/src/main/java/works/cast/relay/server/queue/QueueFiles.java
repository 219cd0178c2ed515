package works.cast.relay.server.queue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import works.cast.relay.server.delivery.OutboundMessage;

/**
 * The layout of the queue directory and the atomic operations on it, shared by the running relay and the
 * {@code queue} command.
 *
 * <pre>
 * &lt;dir&gt;/&lt;id&gt;.eml          the received bytes, untouched
 * &lt;dir&gt;/&lt;id&gt;.meta         envelope, prepended fields, per-recipient state ({@link MetaFormat}); the commit point
 * &lt;dir&gt;/&lt;id&gt;.meta.tmp     a .meta being written; removed at start
 * &lt;dir&gt;/incoming/&lt;id&gt;.eml messages still arriving (no 250 yet); removed at start
 * &lt;dir&gt;/spare/             files of removed messages, reused by the running relay ({@link SpareFiles})
 * &lt;dir&gt;/corrupt/            files recovery could not use, kept for the operator
 * &lt;dir&gt;/control/            requests from the queue command to the running relay ({@link QueueControl})
 * &lt;dir&gt;/.lock               held by the running relay
 * </pre>
 */
final class QueueFiles {

    static final String EML = ".eml";
    static final String META = ".meta";
    static final String TMP = ".tmp";

    private final Path dir;
    private final FileSystemGuard guard;
    private SpareFiles spares;

    QueueFiles(Path dir, FileSystemGuard guard) {
        this.dir = dir;
        this.guard = guard;
    }

    /** From now on new files come from, and removed ones go to, {@code spare/} (the running relay only). */
    SpareFiles useSpares() throws IOException {
        spares = new SpareFiles(dir.resolve("spare"));
        return spares;
    }

    int spareCount() {
        return spares == null ? 0 : spares.size();
    }

    /** A new file at {@code target}, written from offset 0; the caller truncates it to what it wrote. */
    FileChannel create(Path target) throws IOException {
        return spares != null ? spares.create(target) : FileChannel.open(target, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    Path dir() {
        return dir;
    }

    Path incoming() {
        return dir.resolve("incoming");
    }

    Path corrupt() {
        return dir.resolve("corrupt");
    }

    Path control() {
        return dir.resolve("control");
    }

    Path eml(QueueId id) {
        return dir.resolve(id.value() + EML);
    }

    Path meta(QueueId id) {
        return dir.resolve(id.value() + META);
    }

    Path metaTmp(QueueId id) {
        return dir.resolve(id.value() + META + TMP);
    }

    void createDirectories() throws IOException {
        Files.createDirectories(incoming());
        Files.createDirectories(control());
    }

    /** Writes {@code <id>.meta.tmp}, fsyncs it and renames it over {@code <id>.meta}; the caller fsyncs the dir. */
    void writeMeta(QueueEntry entry) throws IOException {
        Path tmp = metaTmp(entry.id());
        try {
            try (FileChannel ch = create(tmp)) {
                byte[] meta = MetaFormat.write(entry);
                guard.write(ch, ByteBuffer.wrap(meta));
                ch.truncate(meta.length);
                guard.force(ch);
            }
            Files.move(tmp, meta(entry.id()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp); // after a successful rename there is nothing to remove
            throw e;
        }
    }

    QueueEntry readMeta(QueueId id) throws IOException {
        return MetaFormat.parse(Files.readAllBytes(meta(id)), meta(id).toString());
    }

    /** The ids with a {@code .meta} file, oldest first. */
    List<QueueId> ids() throws IOException {
        List<QueueId> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + META)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String base = name.substring(0, name.length() - META.length());
                if (QueueId.isValid(base)) {
                    ids.add(new QueueId(base));
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    /** Removes a message: the {@code .meta} first (it stops being committed), then its {@code .eml}. */
    void remove(QueueId id) throws IOException {
        if (spares != null) {
            spares.recycle(meta(id));
            spares.recycle(eml(id));
            return;
        }
        Files.deleteIfExists(meta(id));
        Files.deleteIfExists(eml(id));
    }

    void fsyncDirectory() throws IOException {
        guard.forceDirectory(dir);
    }

    FileSystemGuard guard() {
        return guard;
    }

    /** The bytes to send: prepended fields, then {@code <id>.eml}, opened anew for every attempt. */
    OutboundMessage.Content content(QueueEntry entry) {
        byte[] prepend = entry.prepend();
        Path eml = eml(entry.id());
        return () -> ContentChannel.open(prepend, eml);
    }

    /**
     * The header section of the message as sent (prepended fields and the received header block, up to the empty
     * line), at most {@code max} bytes and cut at a line end; for the text/rfc822-headers part of a DSN.
     */
    byte[] headers(QueueEntry entry, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] prepend = entry.prepend();
        out.write(prepend, 0, Math.min(prepend.length, max));
        try (InputStream in = new BufferedInputStream(Files.newInputStream(eml(entry.id())))) {
            int prev = -1;
            int c;
            while (out.size() < max && (c = in.read()) >= 0) {
                if (c == '\n' && prev == '\n') {
                    break;
                }
                if (c != '\r') {
                    prev = c;
                }
                out.write(c);
            }
        }
        byte[] b = out.toByteArray();
        int end = b.length;
        while (end > 0 && b[end - 1] != '\n') {
            end--;
        }
        return Arrays.copyOf(b, end);
    }
}

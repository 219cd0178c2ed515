package works.cast.relay.server.queue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import works.cast.relay.server.message.MessageContent;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;

/**
 * The layout of the queue directory and the atomic operations on it, shared by the running relay and the
 * {@code queue} command.
 *
 * <pre>
 * &lt;dir&gt;/&lt;id&gt;.msg          the message, v2 ({@link MessageFile}): written once; its rename is the commit point
 * &lt;dir&gt;/&lt;id&gt;.state        recipient state after an attempt that did not finish the message ({@link StateFile})
 * &lt;dir&gt;/&lt;id&gt;.eml + .meta   a message queued by a v1 relay; recovery rewrites it as v2
 * &lt;dir&gt;/*.tmp               a file being written; removed at start
 * &lt;dir&gt;/incoming/spool-&lt;n&gt; messages still arriving (no 250 yet), files reused ({@link SpoolSlots})
 * &lt;dir&gt;/incoming/&lt;id&gt;.eml the same, written by other paths (passthrough deferrals); removed at start
 * &lt;dir&gt;/spare/             files of removed messages, reused by the running relay ({@link SpareFiles})
 * &lt;dir&gt;/corrupt/            files recovery could not use, kept for the operator
 * &lt;dir&gt;/control/            requests from the queue command to the running relay ({@link QueueControl})
 * &lt;dir&gt;/.lock               held by the running relay
 * </pre>
 */
final class QueueFiles {

    static final String MSG = ".msg";
    static final String STATE = ".state";
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
    SpareFiles useSpares(SpareFiles.Generations generations) throws IOException {
        spares = new SpareFiles(dir.resolve("spare"), generations);
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

    Path msg(QueueId id) {
        return dir.resolve(id.value() + MSG);
    }

    Path state(QueueId id) {
        return dir.resolve(id.value() + STATE);
    }

    Path eml(QueueId id) {
        return dir.resolve(id.value() + EML);
    }

    Path meta(QueueId id) {
        return dir.resolve(id.value() + META);
    }

    void createDirectories() throws IOException {
        Files.createDirectories(incoming());
        Files.createDirectories(control());
    }

    /** True when the message is queued, in either format. */
    boolean contains(QueueId id) {
        return Files.exists(msg(id)) || Files.exists(meta(id));
    }

    /**
     * Writes the message file (the head, {@code entry.size()} bytes of {@code body}, the trailer) in a spare file or
     * a new {@code <id>.msg.tmp}, fsyncs it and renames it to {@code <id>.msg}; the caller fsyncs the directory,
     * which commits the message.
     */
    void writeMessage(QueueEntry entry, Path body) throws IOException {
        // Written in a spare file where it lies (one rename fewer than moving it to <id>.msg.tmp first), else in
        // a new <id>.msg.tmp.
        Path spare = spares != null ? spares.takeForWrite() : null;
        Path work = spare != null ? spare : tmp(msg(entry.id()));
        try {
            try (FileChannel out = spare != null ? FileChannel.open(spare, StandardOpenOption.WRITE)
                    : FileChannel.open(work, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 FileChannel in = FileChannel.open(body, StandardOpenOption.READ)) {
                MessageFile.write(out, entry, in, guard);
                guard.force(out);
            }
            Files.move(work, msg(entry.id()), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(work);
            throw e;
        }
    }

    /**
     * Writes the recipients' state atomically: {@code <id>.state.tmp}, fsync, rename over {@code <id>.state}; a v1
     * message gets its {@code .meta} rewritten the same way. The caller fsyncs the directory.
     */
    void writeState(QueueEntry entry) throws IOException {
        boolean v2 = Files.exists(msg(entry.id()));
        Path target = v2 ? state(entry.id()) : meta(entry.id());
        Path tmp = tmp(target);
        try {
            try (FileChannel ch = create(tmp)) {
                byte[] data = v2 ? StateFile.write(entry) : MetaFormat.write(entry);
                guard.write(ch, ByteBuffer.wrap(data));
                ch.truncate(data.length);
                guard.force(ch);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp); // after a successful rename there is nothing to remove
            throw e;
        }
    }

    static Path tmp(Path file) {
        return file.resolveSibling(file.getFileName() + TMP);
    }

    /**
     * The message's current state, from {@code <id>.msg} and its side file, or from a v1 {@code .meta}. {@code
     * verify} also checks every byte's CRC (recovery). Throws {@link NoSuchFileException} when it is not queued.
     */
    QueueEntry read(QueueId id, boolean verify) throws IOException {
        return read(id, verify, true);
    }

    /** As {@link #read(QueueId, boolean)}; {@code mayHaveState} false skips looking for a side file (recovery). */
    QueueEntry read(QueueId id, boolean verify, boolean mayHaveState) throws IOException {
        QueueEntry e;
        try (FileChannel ch = FileChannel.open(msg(id), StandardOpenOption.READ)) {
            e = MessageFile.read(ch, id, verify, msg(id).toString());
        } catch (NoSuchFileException notV2) {
            return MetaFormat.parse(Files.readAllBytes(meta(id)), meta(id).toString());
        }
        if (!mayHaveState) {
            return e;
        }
        byte[] state;
        try {
            // Most messages have no side file: ask without an exception first.
            state = state(id).toFile().exists() ? Files.readAllBytes(state(id)) : null;
        } catch (NoSuchFileException none) {
            state = null;
        }
        if (state == null) {
            return e;
        }
        return StateFile.apply(e, state, state(id).toString());
    }

    /** The ids with a {@code .msg} or a v1 {@code .meta} file, oldest first. */
    List<QueueId> ids() throws IOException {
        return ids(MSG, META);
    }

    /** The ids of the files with one of these suffixes, oldest first, each once. */
    List<QueueId> ids(String... suffixes) throws IOException {
        java.util.TreeSet<QueueId> ids = new java.util.TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                for (String suffix : suffixes) {
                    if (name.endsWith(suffix)) {
                        String base = name.substring(0, name.length() - suffix.length());
                        if (QueueId.isValid(base)) {
                            ids.add(new QueueId(base));
                        }
                    }
                }
            }
        }
        return new ArrayList<>(ids);
    }

    /**
     * Removes a message: its {@code .msg} first (it stops being committed), then its side file; for v1 the
     * {@code .meta}, then the {@code .eml}. When the relay runs the {@code .msg} goes to {@code spare/}; the others,
     * small or rare, are unlinked.
     */
    void remove(QueueId id) throws IOException {
        for (Path p : List.of(msg(id), state(id), meta(id), eml(id))) {
            if (spares != null && p.equals(msg(id))) {
                spares.recycle(p);
            } else if (!p.toFile().delete() && p.toFile().exists()) {
                // java.io.File answers "no such file" without an exception (java.nio.file makes one, with a stack
                // trace); most of these files do not exist. One that is there and could not go is an error.
                Files.delete(p);
            }
        }
    }

    void fsyncDirectory() throws IOException {
        guard.forceDirectory(dir);
    }

    FileSystemGuard guard() {
        return guard;
    }

    /** The bytes to send: prepended fields, then the received bytes, from a file opened anew for every attempt. */
    MessageContent content(QueueEntry entry) {
        QueueId id = entry.id();
        byte[] prepend = entry.prepend();
        return () -> {
            try {
                FileChannel ch = FileChannel.open(msg(id), StandardOpenOption.READ);
                long start = MessageFile.contentOffset(entry, ch.size());
                return new ContentChannel(new byte[0], ch, start, start + entry.totalSize());
            } catch (NoSuchFileException v1) {
                FileChannel ch = FileChannel.open(eml(id), StandardOpenOption.READ);
                return new ContentChannel(prepend, ch, 0, entry.size());
            }
        };
    }

    /** The received bytes alone (without the prepended fields), streamed from disk. */
    InputStream received(QueueEntry entry) throws IOException {
        FileChannel ch;
        long start;
        try {
            ch = FileChannel.open(msg(entry.id()), StandardOpenOption.READ);
            start = MessageFile.contentOffset(entry, ch.size()) + entry.prepend().length;
        } catch (NoSuchFileException v1) {
            ch = FileChannel.open(eml(entry.id()), StandardOpenOption.READ);
            start = 0;
        }
        return Channels.newInputStream(new ContentChannel(new byte[0], ch, start, start + entry.size()));
    }

    /**
     * The header section of the message as sent (prepended fields and the received header block, up to the empty
     * line), at most {@code max} bytes and cut at a line end; for the text/rfc822-headers part of a DSN.
     */
    byte[] headers(QueueEntry entry, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] prepend = entry.prepend();
        out.write(prepend, 0, Math.min(prepend.length, max));
        try (InputStream in = new BufferedInputStream(received(entry))) {
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

package works.cast.relay.server.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.keys.AtomicFiles;
import works.cast.relay.server.message.AcceptedMessage;
import works.cast.relay.server.intake.MessageCommitter;
import works.cast.relay.server.message.Reply;

/**
 * The embedded default delivery ({@code delivery.mode = directory}): each signed message becomes {@code <id>.eml}
 * (prepended fields, then the exact received bytes) with its envelope in {@code <id>.json}, written atomically
 * (temporary file, fsync, rename, fsync of the directory) before the client gets its 250.
 */
public final class DirectoryOutbox implements MessageCommitter {

    private static final Logger log = LoggerFactory.getLogger(DirectoryOutbox.class);

    private final Path directory;
    private final Path spool;

    public DirectoryOutbox(Path directory, Path spool) throws IOException {
        this.directory = directory;
        this.spool = spool;
        Files.createDirectories(directory);
        Files.createDirectories(spool);
        removeLeftovers();
    }

    /**
     * After a crash: spool files of messages that were still arriving (never answered 250) or already copied to the
     * outbox, and temporary outbox files, are removed. Runs before the listeners start.
     */
    private void removeLeftovers() throws IOException {
        for (Path dir : List.of(spool, directory)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    if (dir.equals(spool) ? name.endsWith(".eml") : name.startsWith(".") && name.endsWith(".tmp")) {
                        Files.deleteIfExists(f);
                        log.info("outbox removed leftover {} (from a stop during DATA or commit)", f);
                    }
                }
            }
        }
    }

    @Override
    public Path spoolDirectory() {
        return spool;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public CompletionStage<Reply> commit(AcceptedMessage m, Path spoolFile) {
        try {
            write(m, spoolFile);
            return CompletableFuture.completedFuture(MessageCommitter.queued(m.id()));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void write(AcceptedMessage m, Path spoolFile) throws IOException {
        String id = m.id().value();
        Path emlTmp = directory.resolve("." + id + ".eml.tmp");
        Path jsonTmp = directory.resolve("." + id + ".json.tmp");
        try {
            try (FileChannel out = FileChannel.open(emlTmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 FileChannel in = FileChannel.open(spoolFile, StandardOpenOption.READ)) {
                writeFully(out, ByteBuffer.wrap(m.prepend()));
                long size = in.size();
                long pos = 0;
                while (pos < size) {
                    pos += in.transferTo(pos, size - pos, out);
                }
                out.force(true);
            }
            try (FileChannel out = FileChannel.open(jsonTmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, ByteBuffer.wrap(EnvelopeJson.of(m).getBytes(StandardCharsets.UTF_8)));
                out.force(true);
            }
            Files.move(jsonTmp, directory.resolve(id + ".json"), StandardCopyOption.ATOMIC_MOVE);
            Files.move(emlTmp, directory.resolve(id + ".eml"), StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(directory);
        } finally {
            Files.deleteIfExists(emlTmp);
            Files.deleteIfExists(jsonTmp);
        }
        Files.deleteIfExists(spoolFile);
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}

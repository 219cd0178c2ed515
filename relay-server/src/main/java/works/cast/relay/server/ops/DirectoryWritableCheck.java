package works.cast.relay.server.ops;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link ReadinessCheck} that a directory takes new files: it creates a small probe file in it and deletes it
 * again, as the queue does with each message (RFC 5321 §4.5.4.1 needs a durable queue to accept mail).
 *
 * @param what how the reason names the directory, e.g. {@code queue directory}
 * @param dir  the directory
 */
public record DirectoryWritableCheck(String what, Path dir) implements ReadinessCheck {

    public DirectoryWritableCheck {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(dir, "dir");
    }

    /** The check of the queue directory. */
    public static DirectoryWritableCheck queue(Path dir) {
        return new DirectoryWritableCheck("queue directory", dir);
    }

    @Override
    public Optional<String> check() {
        Path probe = null;
        try {
            if (!Files.isDirectory(dir)) {
                return Optional.of(fail(Files.exists(dir) ? "not a directory" : "does not exist"));
            }
            probe = Files.createTempFile(dir, ".readyz-", ".probe");
            Files.write(probe, new byte[] {'o', 'k'});
            Files.delete(probe);
            probe = null;
            return Optional.empty();
        } catch (AccessDeniedException e) {
            return Optional.of(fail("permission denied"));
        } catch (NoSuchFileException e) {
            return Optional.of(fail("does not exist"));
        } catch (NotDirectoryException e) {
            return Optional.of(fail("not a directory"));
        } catch (IOException | SecurityException e) {
            return Optional.of(fail(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // The probe name starts with a dot and is retried on the next check; nothing else to do.
                }
            }
        }
    }

    private String fail(String why) {
        return what + " " + dir + " not writable: " + why;
    }
}

package works.cast.relay.server.delivery.tls;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * MTA-STS policies cached on disk (RFC 8461 section 5.1), one file per domain in a directory of its own under the
 * queue directory, so a restart keeps them: {@code <dir>/<domain>.policy} holds the id, the fetch time and the policy
 * text as it was served. Written atomically (temporary file, fsync, rename). Thread-safe.
 *
 * <pre>
 * id: 20160831085700Z
 * fetched: 2026-12-04T14:00:00Z
 *
 * version: STSv1 ...
 * </pre>
 */
final class StsStore {

    /** A cached policy. */
    record Entry(String id, Instant fetched, String body, StsPolicy policy) {
        Instant expires() {
            return fetched.plus(policy.maxAge());
        }
    }

    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");

    private final Path dir;

    StsStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    /** The cached policy of the domain, if any and readable (a damaged file counts as none). */
    Optional<Entry> load(String domain) {
        Path file = file(domain);
        if (file == null) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        int blank = text.indexOf("\n\n");
        if (blank < 0) {
            return Optional.empty();
        }
        String id = null;
        Instant fetched = null;
        for (String line : text.substring(0, blank).split("\n")) {
            if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("fetched: ")) {
                try {
                    fetched = Instant.parse(line.substring(9));
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            }
        }
        String body = text.substring(blank + 2);
        if (id == null || fetched == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Entry(id, fetched, body, StsPolicy.parse(body)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Writes the entry, replacing the previous one. */
    void save(String domain, Entry e) throws IOException {
        Path file = file(domain);
        if (file == null) {
            throw new IOException("mta-sts cache: not a domain name: " + domain);
        }
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        byte[] bytes = ("id: " + e.id() + "\nfetched: " + e.fetched() + "\n\n" + e.body())
                .getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The file of a domain, or null for a name that could escape the directory. */
    private Path file(String domain) {
        return DOMAIN.matcher(domain).matches() ? dir.resolve(domain + ".policy") : null;
    }
}

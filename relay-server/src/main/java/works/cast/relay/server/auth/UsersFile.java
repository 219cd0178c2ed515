package works.cast.relay.server.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The users file: one {@code name:bcrypt-hash:domain1,domain2} line per AUTH user (RFC 4954), {@code #} comments
 * and blank lines allowed and kept when the file is rewritten. Immutable; changes return a new instance.
 * Writes are atomic (temporary file, fsync, rename, directory fsync) and leave the file at mode 0600.
 */
public final class UsersFile {

    /** A comment or blank line kept verbatim, or a user. */
    private record Line(String text, UserEntry user) {
    }

    private final List<Line> lines;
    private final Map<String, UserEntry> users;

    private UsersFile(List<Line> lines) {
        this.lines = List.copyOf(lines);
        Map<String, UserEntry> map = new LinkedHashMap<>();
        for (Line l : lines) {
            if (l.user() != null) {
                map.put(l.user().name(), l.user());
            }
        }
        this.users = Collections.unmodifiableMap(map);
    }

    /** A file without users. */
    public static UsersFile empty() {
        return new UsersFile(List.of());
    }

    /** Reads and parses {@code file}; every malformed line is reported in one {@link UsersFileException}. */
    public static UsersFile load(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * {@link #load}, for the relay: a file that group or others may access is refused, as the TLS and DKIM private
     * keys are, since it holds password hashes. (The {@code users} commands still read it, and rewrite it 0600.)
     */
    public static UsersFile loadPrivate(Path file) throws IOException {
        requirePrivate(file);
        return load(file);
    }

    private static void requirePrivate(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> open = view.readAttributes().permissions();
        open.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (!open.isEmpty()) {
            throw new UsersFileException(List.of("users file " + file + " is accessible by group or others (mode "
                    + PosixFilePermissions.toString(view.readAttributes().permissions()) + "); chmod 600 it"));
        }
    }

    /** Parses the text of a users file; {@code name} is used in error messages. */
    public static UsersFile parse(String text, String name) throws UsersFileException {
        List<Line> lines = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        String[] raw = text.split("\r?\n", -1);
        int count = text.endsWith("\n") ? raw.length - 1 : raw.length;
        for (int i = 0; i < count; i++) {
            String line = raw[i];
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                lines.add(new Line(line, null));
                continue;
            }
            String[] parts = trimmed.split(":", -1);
            if (parts.length != 3) {
                problems.add(name + ":" + (i + 1) + ": expected name:hash:domains, found " + (parts.length - 1)
                        + " colon(s)");
                continue;
            }
            try {
                UserEntry user = new UserEntry(parts[0], parts[1], List.of(parts[2].split(",", -1)));
                Integer previous = seen.putIfAbsent(user.name(), i + 1);
                if (previous != null) {
                    problems.add(name + ":" + (i + 1) + ": user " + user.name() + " already defined on line "
                            + previous);
                    continue;
                }
                lines.add(new Line(null, user));
            } catch (IllegalArgumentException e) {
                problems.add(name + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new UsersFileException(problems);
        }
        return new UsersFile(lines);
    }

    public Optional<UserEntry> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    /** The users in file order. */
    public List<UserEntry> users() {
        return List.copyOf(users.values());
    }

    /** Adds {@code user}, or replaces the line of the user with the same name in place. */
    public UsersFile with(UserEntry user) {
        List<Line> out = new ArrayList<>(lines);
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).user() != null && out.get(i).user().name().equals(user.name())) {
                out.set(i, new Line(null, user));
                return new UsersFile(out);
            }
        }
        out.add(new Line(null, user));
        return new UsersFile(out);
    }

    /** Removes the user named {@code name}, if present. */
    public UsersFile without(String name) {
        List<Line> out = new ArrayList<>(lines);
        out.removeIf(l -> l.user() != null && l.user().name().equals(name));
        return new UsersFile(out);
    }

    /** The file content, LF line ends. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(l.user() != null ? l.user().toLine() : l.text()).append('\n');
        }
        return sb.toString();
    }

    /** Writes the file atomically with mode 0600: temporary file in the same directory, fsync, rename. */
    /**
     * A rewrite keeps the file's owner and group, so that root editing the relay's users file does not take it away
     * from the relay's user.
     */
    private static void keepOwner(Path file, Path temp) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            var attrs = Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class);
            var view = Files.getFileAttributeView(temp, java.nio.file.attribute.PosixFileAttributeView.class);
            view.setGroup(attrs.group());
            view.setOwner(attrs.owner());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // Not permitted (not root, or another file system): the writer's own ownership stays.
        }
    }

    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp;
        try {
            temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        }
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(render().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            keepOwner(file, temp);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the rename is still atomic.
        }
    }
}

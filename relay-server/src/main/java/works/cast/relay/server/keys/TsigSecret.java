package works.cast.relay.server.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a TSIG secret (RFC 8945) from its file: the base64 secret alone, or the {@code key "name" { algorithm ...;
 * secret "..."; };} block that BIND's {@code tsig-keygen} prints. A file that group or others may access is refused,
 * as the users file is: whoever reads it can change the zone.
 */
public final class TsigSecret {

    private static final Pattern SECRET = Pattern.compile("secret\\s+\"([^\"]*)\"");

    private TsigSecret() {
    }

    /** The secret as base64 text; a {@link DnsUpdateException} says what is wrong with the file. */
    public static String read(Path file) {
        requirePrivate(file);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new DnsUpdateException("TSIG secret file " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
        Matcher m = SECRET.matcher(text);
        String secret = (m.find() ? m.group(1) : text).strip();
        try {
            if (secret.isEmpty() || Base64.getDecoder().decode(secret).length == 0) {
                throw new IllegalArgumentException("empty");
            }
        } catch (IllegalArgumentException e) {
            throw new DnsUpdateException("TSIG secret file " + file + ": not a base64 secret nor a key block with"
                    + " secret \"...\" (make one with tsig-keygen NAME)");
        }
        return secret;
    }

    private static void requirePrivate(Path file) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = view.readAttributes().permissions();
            Set<PosixFilePermission> open = new java.util.HashSet<>(perms);
            open.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE));
            if (!open.isEmpty()) {
                throw new DnsUpdateException("TSIG secret file " + file + " is accessible by group or others (mode "
                        + PosixFilePermissions.toString(perms) + "); chmod 600 it");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new DnsUpdateException("TSIG secret file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new DnsUpdateException("TSIG secret file " + file + ": " + e.getMessage(), e);
        }
    }
}

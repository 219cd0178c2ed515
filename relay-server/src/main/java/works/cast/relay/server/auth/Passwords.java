package works.cast.relay.server.auth;

import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt password hashes in the OpenBSD modular form {@code $2y$12$<salt><hash>} (as htpasswd -B and Dovecot
 * write them); verification accepts the {@code $2a$}, {@code $2b$} and {@code $2y$} variants.
 */
public final class Passwords {

    /** The default work factor: about a quarter second per check on current hardware. */
    public static final int DEFAULT_COST = 12;
    /** bcrypt ignores what follows the 72nd byte, so longer passwords are refused rather than cut. */
    public static final int MAX_BYTES = 72;

    private static final Pattern HASH = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /** A new {@code $2y$} hash with a random salt; cost 4..31. */
    public static String hash(char[] password, int cost) {
        if (cost < 4 || cost > 31) {
            throw new IllegalArgumentException("bcrypt cost must be in 4..31, got " + cost);
        }
        if (password.length == 0) {
            throw new IllegalArgumentException("empty password");
        }
        if (utf8Length(password) > MAX_BYTES) {
            throw new IllegalArgumentException("password longer than " + MAX_BYTES + " bytes (bcrypt limit)");
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password, salt, cost);
    }

    /** True when {@code password} matches {@code hash}; false for a malformed hash. */
    public static boolean verify(String hash, char[] password) {
        if (!isHash(hash)) {
            return false;
        }
        try {
            return OpenBSDBCrypt.checkPassword(hash, password);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** True for a syntactically valid {@code $2a$}/{@code $2b$}/{@code $2y$} hash. */
    public static boolean isHash(String text) {
        return HASH.matcher(text).matches();
    }

    static int utf8Length(char[] password) {
        return StandardCharsets.UTF_8.encode(CharBuffer.wrap(password)).remaining();
    }
}

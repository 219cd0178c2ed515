package works.cast.relay.server.message;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A message's id in the relay: 16 characters, sortable by arrival time (milliseconds in base 32) and unique (48 random
 * bits). Appears in the 250 reply, the Received field, logs and file names.
 *
 * @param value the id text
 */
public record QueueId(String value) implements Comparable<QueueId> {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray(); // Crockford base 32
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORM = Pattern.compile("[0-9A-HJKMNP-TV-Z]{16}");

    public QueueId {
        Objects.requireNonNull(value, "value");
        if (!FORM.matcher(value).matches()) {
            throw new IllegalArgumentException("queue id: '" + value + "' is not a relay queue id");
        }
    }

    /** A new id for a message arriving now. */
    public static QueueId next() {
        long time = System.currentTimeMillis();
        long random = RANDOM.nextLong();
        char[] c = new char[16];
        for (int i = 9; i >= 0; i--) {
            c[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        for (int i = 15; i >= 10; i--) {
            c[i] = ALPHABET[(int) (random & 31)];
            random >>>= 5;
        }
        return new QueueId(new String(c));
    }

    /** When the id was made (millisecond precision), from its first ten characters. */
    public java.time.Instant createdAt() {
        long time = 0;
        for (int i = 0; i < 10; i++) {
            time = (time << 5) | new String(ALPHABET).indexOf(value.charAt(i));
        }
        return java.time.Instant.ofEpochMilli(time);
    }

    public static boolean isValid(String s) {
        return s != null && FORM.matcher(s).matches();
    }

    @Override
    public int compareTo(QueueId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}

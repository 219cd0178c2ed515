package works.cast.relay.server.message;

import java.util.Locale;

/**
 * Where one recipient of a queued message stands (RFC 5321 section 4.5.4.1): still to try, or one of the final states.
 * {@code FAILED} and {@code EXPIRED} both bounce; they differ in the DSN status (the reply's code, or 4.4.7).
 */
public enum RecipientState {
    PENDING, DELIVERED, FAILED, EXPIRED;

    public boolean isFinal() {
        return this != PENDING;
    }

    /** Needs a delivery status notification to the sender (RFC 3464). */
    public boolean bounces() {
        return this == FAILED || this == EXPIRED;
    }

    /** The name in queue files and CLI output. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RecipientState parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}

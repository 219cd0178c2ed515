package works.cast.relay.core.keys;

import java.util.Locale;

/** Where a selector is in its life: made and published, signing, or withdrawn. */
public enum SelectorState {
    /** Generated; its record may not be in DNS yet. Does not sign. */
    PENDING,
    /** Signs every message of its domain. */
    ACTIVE,
    /** No longer signs; its record stays in DNS for a grace period so that mail already sent still verifies. */
    RETIRED;

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SelectorState parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("state: '" + s + "' is not one of pending, active, retired");
        }
    }
}

package works.cast.relay.core.dkim.canon;

import java.util.Locale;

/** A DKIM canonicalization algorithm, for header or body (RFC 6376 section 3.4). */
public enum Canonicalization {
    SIMPLE("simple"),
    RELAXED("relaxed");

    private final String tagValue;

    Canonicalization(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The name as written in the {@code c=} tag. */
    public String tagValue() {
        return tagValue;
    }

    /** Parses {@code simple} or {@code relaxed} (case-insensitive). */
    public static Canonicalization parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Canonicalization c : values()) {
            if (c.tagValue.equals(n)) {
                return c;
            }
        }
        throw new IllegalArgumentException("canonicalization: unknown algorithm '" + name + "'");
    }

    /** A body canonicalizer of this algorithm writing into {@code out}. */
    public BodyCanonicalizer newBodyCanonicalizer(ByteSink out) {
        return this == SIMPLE ? new SimpleBodyCanonicalizer(out) : new RelaxedBodyCanonicalizer(out);
    }
}

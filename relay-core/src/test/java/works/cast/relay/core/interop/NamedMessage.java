package works.cast.relay.core.interop;

import java.util.Objects;

/**
 * A test message in wire form (RFC 5322 §2.1, CRLF line ends) with a name that says what it exercises.
 *
 * <p>The bytes are copied in and out, so a test that flips a byte cannot change the corpus for the next one.
 * {@link #toString()} is the name, which makes it a readable {@code @ParameterizedTest} argument.
 *
 * @param name  short kebab-case description, unique within a corpus, for example {@code folded-subject-with-tabs}
 * @param bytes the whole message: header fields, blank line, body
 */
public record NamedMessage(String name, byte[] bytes) {

    public NamedMessage {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name: must not be blank");
        }
        bytes = Objects.requireNonNull(bytes, "bytes").clone();
    }

    /** A copy of the message bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The message length in bytes. */
    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NamedMessage that && name.equals(that.name)
                && java.util.Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return name;
    }
}

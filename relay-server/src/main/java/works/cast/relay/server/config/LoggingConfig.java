package works.cast.relay.server.config;

import java.util.Objects;

/**
 * Log output format: {@code plain} lines or one JSON object per line (RFC 8259).
 *
 * @param format the format
 */
public record LoggingConfig(Format format) {

    /** Log line formats. */
    public enum Format { PLAIN, JSON }

    public LoggingConfig {
        Objects.requireNonNull(format, "format");
    }
}

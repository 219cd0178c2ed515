package works.cast.relay.server.config;

import java.util.Objects;

/**
 * One thing wrong in the relay configuration, rendered as {@code FILE:LINE: relay.some.key: what is wrong}.
 *
 * @param origin  where the value (or its enclosing object) was written, {@code FILE:LINE}, or the file alone
 * @param path    the HOCON path such as {@code relay.tls.private-key}; empty for syntax errors
 * @param message what is wrong, one line
 */
public record ConfigProblem(String origin, String path, String message) {

    public ConfigProblem {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
        message = message.replace('\n', ' ');
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (!origin.isEmpty()) {
            sb.append(origin).append(": ");
        }
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}

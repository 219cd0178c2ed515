package works.cast.relay.server.delivery.tls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An MTA-STS policy (RFC 8461 section 3.2): the mode, the MX host patterns and how long the policy may be cached.
 *
 * <pre>
 * version: STSv1
 * mode: enforce
 * mx: mail.example.com
 * mx: *.example.net
 * max_age: 604800
 * </pre>
 *
 * @param mode   what the sender does with a host or certificate that does not satisfy the policy
 * @param mx     MX patterns: a host name, or {@code *.} and a domain for exactly one more leftmost label
 * @param maxAge how long the policy stays valid after it was fetched
 * @param lines  the policy's non-empty lines as fetched, for TLS reports ({@code policy-string}, RFC 8460 section 4.4)
 */
public record StsPolicy(Mode mode, List<String> mx, Duration maxAge, List<String> lines) {

    /** RFC 8461 section 5: {@code enforce} refuses, {@code testing} only reports, {@code none} has no policy. */
    public enum Mode { ENFORCE, TESTING, NONE }

    /** RFC 8461 section 3.2: max_age is at most 31557600 seconds (one year). */
    static final long MAX_AGE_LIMIT = 31_557_600L;

    public StsPolicy {
        Objects.requireNonNull(mode, "mode");
        mx = List.copyOf(mx);
        Objects.requireNonNull(maxAge, "maxAge");
        lines = List.copyOf(lines);
    }

    /** Parses a policy body; throws {@link IllegalArgumentException} saying what is wrong. */
    public static StsPolicy parse(String body) {
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String raw : body.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            lines.add(line);
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("policy line without a key: \"" + line + "\"");
            }
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = first(version, value, key);
                case "mode" -> {
                    if (mode != null) {
                        throw new IllegalArgumentException("policy: mode given twice");
                    }
                    mode = switch (value) {
                        case "enforce" -> Mode.ENFORCE;
                        case "testing" -> Mode.TESTING;
                        case "none" -> Mode.NONE;
                        default -> throw new IllegalArgumentException("policy: unknown mode \"" + value + "\"");
                    };
                }
                case "max_age" -> {
                    if (maxAge != null) {
                        throw new IllegalArgumentException("policy: max_age given twice");
                    }
                    if (!value.matches("[0-9]{1,10}") || Long.parseLong(value) > MAX_AGE_LIMIT) {
                        throw new IllegalArgumentException("policy: max_age \"" + value + "\" is not 0 to "
                                + MAX_AGE_LIMIT);
                    }
                    maxAge = Long.parseLong(value);
                }
                case "mx" -> mx.add(pattern(value));
                default -> { } // RFC 8461 section 3.2: unknown fields are ignored
            }
        }
        if (!"STSv1".equals(version)) {
            throw new IllegalArgumentException("policy: version is not STSv1");
        }
        if (mode == null) {
            throw new IllegalArgumentException("policy: no mode");
        }
        if (maxAge == null) {
            throw new IllegalArgumentException("policy: no max_age");
        }
        if (mx.isEmpty() && mode != Mode.NONE) {
            throw new IllegalArgumentException("policy: no mx");
        }
        return new StsPolicy(mode, mx, Duration.ofSeconds(maxAge), lines);
    }

    private static String first(String current, String value, String key) {
        if (current != null) {
            throw new IllegalArgumentException("policy: " + key + " given twice");
        }
        return value;
    }

    private static String pattern(String value) {
        String p = value.toLowerCase(Locale.ROOT);
        p = p.endsWith(".") ? p.substring(0, p.length() - 1) : p;
        String name = p.startsWith("*.") ? p.substring(2) : p;
        if (name.isEmpty() || !name.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)*")) {
            throw new IllegalArgumentException("policy: mx \"" + value + "\" is not a host name pattern");
        }
        return p;
    }

    /** RFC 8461 section 4.1: the host matches a pattern; a wildcard stands for exactly one leftmost label. */
    public boolean allows(String host) {
        String h = HostNames.normalize(host);
        for (String p : mx) {
            if (p.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot + 1).equals(p.substring(2))) {
                    return true;
                }
            } else if (p.equals(h)) {
                return true;
            }
        }
        return false;
    }
}

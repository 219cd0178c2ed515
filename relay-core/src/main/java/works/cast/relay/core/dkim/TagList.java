package works.cast.relay.core.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A DKIM tag-value list (RFC 6376 section 3.2), parsed strictly: tag names are ALPHA *ALNUMPUNC, a tag appears at
 * most once, values hold no control characters, and folding whitespace around names and values is dropped.
 */
public final class TagList {

    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = Collections.unmodifiableMap(tags);
    }

    /** @throws IllegalArgumentException with a precise reason for malformed input */
    public static TagList parse(String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        String[] specs = text.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i];
            if (spec.isBlank()) {
                if (i == specs.length - 1) {
                    continue; // a trailing ';' is allowed
                }
                throw new IllegalArgumentException("empty tag-spec in tag list");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("tag-spec without '=': '" + spec.strip() + "'");
            }
            String name = stripFws(spec.substring(0, eq));
            String value = stripFws(spec.substring(eq + 1));
            if (!validName(name)) {
                throw new IllegalArgumentException("invalid tag name '" + name + "'");
            }
            for (int k = 0; k < value.length(); k++) {
                char c = value.charAt(k);
                if (c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f) {
                    throw new IllegalArgumentException("control character in value of tag " + name + "=");
                }
            }
            if (tags.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("duplicate tag " + name + "=");
            }
        }
        return new TagList(tags);
    }

    private static String stripFws(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isFws(s.charAt(start))) {
            start++;
        }
        while (end > start && isFws(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(tags.get(name));
    }

    public boolean has(String name) {
        return tags.containsKey(name);
    }

    /** The value with all folding whitespace removed (for base64 values such as {@code b=} and {@code p=}). */
    public Optional<String> getCompact(String name) {
        return get(name).map(v -> v.replaceAll("[ \\t\\r\\n]", ""));
    }

    public Map<String, String> asMap() {
        return tags;
    }
}

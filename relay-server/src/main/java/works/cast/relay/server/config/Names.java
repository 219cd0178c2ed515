package works.cast.relay.server.config;

import java.util.Locale;

/**
 * Syntax checks for names in the configuration: domain names and selectors (RFC 6376 section 3.1, RFC 1035
 * section 2.3.1) and header field names (RFC 5322 section 3.6.8). No DNS lookups.
 */
public final class Names {

    private Names() {
    }

    /** True for a dot-separated sequence of LDH labels, 1..63 characters each, 253 in all; case-insensitive. */
    public static boolean isDomainName(String name) {
        if (name.isEmpty() || name.length() > 253 || name.endsWith(".")) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /** True for printable US-ASCII without colon, as header field names are. */
    public static boolean isHeaderName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                return false;
            }
        }
        return true;
    }

    /** Lower case without locale surprises. */
    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}

package works.cast.relay.server.smtp;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses SMTP command lines and MAIL/RCPT paths with the strict syntax of RFC 5321 section 4.1.2 (with the
 * UTF-8 extensions of RFC 6531 section 3.3).
 */
public final class CommandParser {

    /** RFC 5321 atext, plus any non-ASCII code point (RFC 6531 {@code UTF8-non-ascii}). */
    private static final String ATEXT = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\x{80}-\\x{10FFFF}]";
    private static final String DOT_STRING = ATEXT + "+(?:\\." + ATEXT + "+)*";
    private static final String QUOTED_STRING = "\"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x{80}-\\x{10FFFF}]"
            + "|\\\\[\\x20-\\x7e])*\"";
    private static final String LABEL = "[A-Za-z0-9\\x{80}-\\x{10FFFF}](?:[A-Za-z0-9\\-\\x{80}-\\x{10FFFF}]*"
            + "[A-Za-z0-9\\x{80}-\\x{10FFFF}])?";
    private static final String DOMAIN = LABEL + "(?:\\." + LABEL + ")*";
    private static final String ADDRESS_LITERAL = "\\[(?:\\d{1,3}(?:\\.\\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\\]";
    private static final Pattern MAILBOX = Pattern.compile(
            "(?:" + DOT_STRING + "|" + QUOTED_STRING + ")@(?:" + DOMAIN + "|" + ADDRESS_LITERAL + ")");
    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
    private static final Pattern VALUE = Pattern.compile("[\\x21-\\x3c\\x3e-\\x7e\\x{80}-\\x{10FFFF}]+");

    private static final int MAX_LOCAL_PART = 64;
    private static final int MAX_PATH = 256;

    private CommandParser() {
    }

    /** Splits a line (without CRLF) into verb and argument; verbs are case-insensitive. */
    public static Command parse(String line) {
        int space = line.indexOf(' ');
        String word = space < 0 ? line : line.substring(0, space);
        String argument = space < 0 ? "" : line.substring(space + 1);
        Command.Verb verb;
        try {
            verb = Command.Verb.valueOf(word.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            verb = Command.Verb.UNKNOWN;
        }
        if (verb == Command.Verb.UNKNOWN) {
            return new Command(verb, line);
        }
        if (verb == Command.Verb.MAIL || verb == Command.Verb.RCPT) {
            // "MAIL FROM:<a>": the argument is everything after "MAIL ".
            return new Command(verb, argument);
        }
        return new Command(verb, argument.strip());
    }

    /**
     * Parses {@code FROM:<path> params} ({@code prefix} "FROM") or {@code TO:<path> params} ("TO"). Empty when the
     * syntax is wrong. A null path {@code <>} is accepted only when {@code allowNull}.
     */
    public static Optional<MailPath> parsePath(String argument, String prefix, boolean allowNull) {
        if (argument.length() < prefix.length() + 1
                || !argument.regionMatches(true, 0, prefix + ":", 0, prefix.length() + 1)) {
            return Optional.empty();
        }
        String rest = argument.substring(prefix.length() + 1);
        if (!rest.startsWith("<")) {
            return Optional.empty();
        }
        int close = closingBracket(rest);
        if (close < 0) {
            return Optional.empty();
        }
        String mailbox = rest.substring(1, close);
        if (mailbox.isEmpty()) {
            if (!allowNull) {
                return Optional.empty();
            }
        } else {
            if (mailbox.startsWith("@")) {
                // Source route (RFC 5321 section 4.1.2 A-d-l): accepted and ignored.
                int colon = mailbox.indexOf(':');
                if (colon < 0) {
                    return Optional.empty();
                }
                mailbox = mailbox.substring(colon + 1);
            }
            if (mailbox.length() > MAX_PATH || !MAILBOX.matcher(mailbox).matches()
                    || mailbox.lastIndexOf('@') > MAX_LOCAL_PART) {
                return Optional.empty();
            }
        }
        Map<String, String> params = new HashMap<>();
        String tail = rest.substring(close + 1);
        if (!tail.isEmpty()) {
            if (!tail.startsWith(" ")) {
                return Optional.empty();
            }
            for (String p : tail.substring(1).split(" ", -1)) {
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                String key = eq < 0 ? p : p.substring(0, eq);
                String value = eq < 0 ? "" : p.substring(eq + 1);
                if (!KEYWORD.matcher(key).matches() || (eq >= 0 && !VALUE.matcher(value).matches())) {
                    return Optional.empty();
                }
                if (params.put(key.toUpperCase(Locale.ROOT), value) != null) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(new MailPath(mailbox, params));
    }

    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }
}

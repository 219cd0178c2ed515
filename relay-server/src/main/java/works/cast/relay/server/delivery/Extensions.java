package works.cast.relay.server.delivery;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import works.cast.relay.server.message.Reply;

/**
 * What an upstream server offers in its EHLO reply (RFC 5321 section 4.1.1.1): PIPELINING (RFC 2920), SIZE (RFC 1870),
 * 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), STARTTLS (RFC 3207), AUTH (RFC 4954), ENHANCEDSTATUSCODES (RFC 2034),
 * REQUIRETLS (RFC 8689).
 *
 * @param pipelining          PIPELINING
 * @param size                SIZE was offered
 * @param maxSize             the SIZE limit in bytes, 0 when none was given
 * @param eightBitMime        8BITMIME
 * @param smtpUtf8            SMTPUTF8
 * @param startTls            STARTTLS
 * @param authMechanisms      AUTH mechanisms, upper case
 * @param enhancedStatusCodes ENHANCEDSTATUSCODES
 * @param requireTls          REQUIRETLS (meaningful only in the EHLO reply after STARTTLS)
 */
public record Extensions(boolean pipelining, boolean size, long maxSize, boolean eightBitMime, boolean smtpUtf8,
                         boolean startTls, Set<String> authMechanisms, boolean enhancedStatusCodes,
                         boolean requireTls) {

    public Extensions {
        if (maxSize < 0) {
            throw new IllegalArgumentException("extensions: negative SIZE " + maxSize);
        }
        authMechanisms = Set.copyOf(authMechanisms);
    }

    /** A server that answered HELO only: no extensions. */
    public static Extensions none() {
        return new Extensions(false, false, 0, false, false, false, Set.of(), false, false);
    }

    /** Reads the keywords of a 250 EHLO reply; the first line is the greeting and unknown keywords are ignored. */
    public static Extensions parse(Reply ehlo) {
        boolean pipelining = false;
        boolean size = false;
        long maxSize = 0;
        boolean eightBit = false;
        boolean utf8 = false;
        boolean startTls = false;
        boolean enhanced = false;
        boolean requireTls = false;
        Set<String> auth = new LinkedHashSet<>();
        for (int i = 1; i < ehlo.lines().size(); i++) {
            String[] words = ehlo.lines().get(i).trim().split("[ =]+");
            String keyword = words[0].toUpperCase(Locale.ROOT);
            switch (keyword) {
                case "PIPELINING" -> pipelining = true;
                case "SIZE" -> {
                    size = true;
                    maxSize = words.length > 1 ? parseSize(words[1]) : 0;
                }
                case "8BITMIME" -> eightBit = true;
                case "SMTPUTF8" -> utf8 = true;
                case "STARTTLS" -> startTls = true;
                case "ENHANCEDSTATUSCODES" -> enhanced = true;
                case "REQUIRETLS" -> requireTls = true;
                case "AUTH" -> {
                    for (int w = 1; w < words.length; w++) {
                        auth.add(words[w].toUpperCase(Locale.ROOT));
                    }
                }
                default -> {
                }
            }
        }
        return new Extensions(pipelining, size, maxSize, eightBit, utf8, startTls, auth, enhanced, requireTls);
    }

    private static long parseSize(String s) {
        if (!s.matches("[0-9]{1,18}")) {
            return 0;
        }
        return Long.parseLong(s);
    }
}

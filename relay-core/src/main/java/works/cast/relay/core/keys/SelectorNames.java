package works.cast.relay.core.keys;

import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Selector names: validation (a DNS label sequence, RFC 6376 section 3.1) and the default names {@code sYYYYMMx}.
 *
 * <p>Default names sort as strings in the order they were made: the letter runs {@code a..y}, and {@code z} carries
 * to a longer name ({@code s202611y} &lt; {@code s202611za} &lt; ... &lt; {@code s202611zy} &lt; {@code s202611zza}),
 * so the 26th key of a month still sorts after the 25th.
 */
public final class SelectorNames {

    private static final Pattern SELECTOR = Pattern.compile(
            "[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?)*");

    private SelectorNames() {
    }

    /** The selector in lower case, or an exception saying why it cannot be one. */
    public static String validate(String selector) {
        String s = selector == null ? "" : selector.strip().toLowerCase(java.util.Locale.ROOT);
        if (!SELECTOR.matcher(s).matches()) {
            throw new IllegalArgumentException("selector: '" + selector
                    + "' is not valid (letters, digits, '-' and '_', dot-separated labels)");
        }
        return s;
    }

    /** The first default name of the clock's month (UTC) that is not taken. */
    public static String next(Clock clock, Set<String> taken) {
        YearMonth ym = YearMonth.from(clock.instant().atZone(ZoneOffset.UTC));
        String prefix = String.format(java.util.Locale.ROOT, "s%04d%02d", ym.getYear(), ym.getMonthValue());
        for (int i = 0; ; i++) {
            String name = prefix + suffix(i);
            if (!taken.contains(name)) {
                return name;
            }
        }
    }

    /** 0 -> a, 24 -> y, 25 -> za, 49 -> zy, 50 -> zza. */
    static String suffix(int index) {
        return "z".repeat(index / 25) + (char) ('a' + index % 25);
    }
}

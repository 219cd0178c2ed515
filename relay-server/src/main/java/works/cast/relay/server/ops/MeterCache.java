package works.cast.relay.server.ops;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Meters of one name by label values, made on first use and then found with one map lookup (the hot path). The
 * number of label combinations is capped: past {@code max}, new combinations share one meter whose labels are all
 * {@code other}, so a client that sends many From domains cannot grow the scrape without bound.
 *
 * @param <M> the meter type
 */
final class MeterCache<M> {

    static final String OTHER = "other";

    private final ConcurrentMap<List<String>, M> meters = new ConcurrentHashMap<>();
    private final Function<List<String>, M> factory;
    private final int max;
    private final List<String> overflow;

    /**
     * @param labels  the number of label values each meter has
     * @param max     the most label combinations kept apart, at least 1
     * @param factory makes (registers) the meter for one combination; runs at most once per combination
     */
    MeterCache(int labels, int max, Function<List<String>, M> factory) {
        if (labels < 1 || max < 1) {
            throw new IllegalArgumentException("meter cache: labels and max must be positive");
        }
        this.factory = Objects.requireNonNull(factory, "factory");
        this.max = max;
        String[] other = new String[labels];
        Arrays.fill(other, OTHER);
        this.overflow = List.of(other);
    }

    /** The meter for these label values (nulls and blanks become {@code none}). */
    M get(String... values) {
        String[] clean = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            clean[i] = values[i] == null || values[i].isBlank() ? "none" : values[i];
        }
        List<String> key = List.of(clean);
        M m = meters.get(key);
        if (m != null) {
            return m;
        }
        if (key.size() != overflow.size()) {
            throw new IllegalArgumentException("meter cache: expected " + overflow.size() + " label values, got "
                    + key.size());
        }
        if (meters.size() >= max) {
            return meters.computeIfAbsent(overflow, factory);
        }
        return meters.computeIfAbsent(key, factory);
    }

    int size() {
        return meters.size();
    }
}

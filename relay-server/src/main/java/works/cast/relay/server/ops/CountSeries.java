package works.cast.relay.server.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts by label in a ring of fixed-width time slots (60 minutes, 24 hours), for the console's charts: recording is
 * one map update under a lock, and a slot is cleared when the ring comes round to it again. At most
 * {@value #MAX_LABELS} labels per slot; later ones count under {@code other}. Thread-safe.
 */
final class CountSeries {

    static final int MAX_LABELS = 50;

    private final long widthMillis;
    private final long[] slotIndex;
    private final List<Map<String, Long>> counts;

    CountSeries(int slots, Duration width) {
        if (slots < 1 || width.toMillis() < 1) {
            throw new IllegalArgumentException("count series: " + slots + " slots of " + width);
        }
        this.widthMillis = width.toMillis();
        this.slotIndex = new long[slots];
        java.util.Arrays.fill(slotIndex, -1);
        this.counts = new ArrayList<>(slots);
        for (int i = 0; i < slots; i++) {
            counts.add(new HashMap<>());
        }
    }

    int slots() {
        return slotIndex.length;
    }

    /** Adds one to {@code label} in the slot of {@code now}. */
    synchronized void add(String label, Instant now) {
        long index = Math.floorDiv(now.toEpochMilli(), widthMillis);
        int s = (int) Math.floorMod(index, (long) slotIndex.length);
        Map<String, Long> slot = counts.get(s);
        if (slotIndex[s] != index) {
            slot.clear();
            slotIndex[s] = index;
        }
        String key = slot.containsKey(label) || slot.size() < MAX_LABELS ? label : "other";
        slot.merge(key, 1L, Long::sum);
    }

    /** The start of the oldest slot that {@link #byLabel(Instant)} returns for {@code now}. */
    Instant start(Instant now) {
        long index = Math.floorDiv(now.toEpochMilli(), widthMillis) - (slotIndex.length - 1);
        return Instant.ofEpochMilli(index * widthMillis);
    }

    /** Label to counts per slot, oldest slot first, ending with the slot of {@code now}; labels sorted. */
    synchronized Map<String, List<Long>> byLabel(Instant now) {
        long last = Math.floorDiv(now.toEpochMilli(), widthMillis);
        int n = slotIndex.length;
        Map<String, long[]> rows = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            long want = last - (n - 1) + i;
            int s = (int) Math.floorMod(want, (long) n);
            if (slotIndex[s] != want) {
                continue;
            }
            int at = i;
            counts.get(s).forEach((label, c) -> rows.computeIfAbsent(label, k -> new long[n])[at] += c);
        }
        Map<String, List<Long>> out = new TreeMap<>();
        rows.forEach((label, values) -> out.put(label, java.util.Arrays.stream(values).boxed().toList()));
        return out;
    }

    /** Label to its total over the whole ring. */
    Map<String, Long> totals(Instant now) {
        Map<String, Long> out = new TreeMap<>();
        byLabel(now).forEach((label, values) -> out.put(label, values.stream().mapToLong(Long::longValue).sum()));
        return out;
    }
}

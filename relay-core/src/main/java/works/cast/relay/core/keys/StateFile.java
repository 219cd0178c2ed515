package works.cast.relay.core.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import works.cast.relay.core.dkim.SigningAlgorithm;

/**
 * The {@code state.conf} of one domain directory: one line per selector with its state and dates.
 *
 * <pre>
 * s202611a state=active algorithm=rsa-sha256 bits=2048 created=2026-11-28T09:00:00Z activated=2026-11-28T09:00:00Z
 * </pre>
 * Lines starting with {@code #} and blank lines are ignored; timestamps are ISO-8601 instants.
 */
public final class StateFile {

    /** The file name inside a domain directory. */
    public static final String NAME = "state.conf";

    private StateFile() {
    }

    /**
     * One selector's line.
     *
     * @param selector  the selector
     * @param state     pending, active or retired
     * @param algorithm the key's algorithm, as recorded when it was written
     * @param bits      the key's size, as recorded
     * @param created   when it was generated or imported
     * @param activated when it last started signing
     * @param retired   when it stopped signing
     * @param revoked   when its DNS record was replaced by the revocation record {@code v=DKIM1; p=}
     * @param removed   when its DNS record was deleted
     */
    public record Entry(String selector, SelectorState state, SigningAlgorithm algorithm, int bits, Instant created,
                        Optional<Instant> activated, Optional<Instant> retired, Optional<Instant> revoked,
                        Optional<Instant> removed) {

        public Entry {
            selector = SelectorNames.validate(selector);
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(created, "created");
            Objects.requireNonNull(activated, "activated");
            Objects.requireNonNull(retired, "retired");
            Objects.requireNonNull(revoked, "revoked");
            Objects.requireNonNull(removed, "removed");
            if (bits <= 0) {
                throw new IllegalArgumentException("bits: must be positive");
            }
        }

        public Entry(String selector, SelectorState state, SigningAlgorithm algorithm, int bits, Instant created,
                     Optional<Instant> activated, Optional<Instant> retired) {
            this(selector, state, algorithm, bits, created, activated, retired, Optional.empty(), Optional.empty());
        }

        /** The record was replaced by the revocation record. */
        public Entry revoke(Instant now) {
            return new Entry(selector, state, algorithm, bits, created, activated, retired, Optional.of(now), removed);
        }

        /** The record was deleted from DNS. */
        public Entry remove(Instant now) {
            return new Entry(selector, state, algorithm, bits, created, activated, retired, revoked, Optional.of(now));
        }

        /** pending or retired to active; active again is a mistake. */
        public Entry activate(Instant now) {
            return switch (state) {
                case PENDING, RETIRED -> new Entry(selector, SelectorState.ACTIVE, algorithm, bits, created,
                        Optional.of(now), Optional.empty());
                case ACTIVE -> throw new IllegalStateException("selector " + selector + " is already active");
            };
        }

        /** pending or active to retired; retired stays as it was (activation may already have retired it). */
        public Entry retire(Instant now) {
            return switch (state) {
                case PENDING, ACTIVE -> new Entry(selector, SelectorState.RETIRED, algorithm, bits, created,
                        activated, Optional.of(now));
                case RETIRED -> this;
            };
        }

        String line() {
            StringBuilder sb = new StringBuilder(selector).append(" state=").append(state.text())
                    .append(" algorithm=").append(algorithm.tagValue()).append(" bits=").append(bits)
                    .append(" created=").append(created);
            activated.ifPresent(t -> sb.append(" activated=").append(t));
            retired.ifPresent(t -> sb.append(" retired=").append(t));
            revoked.ifPresent(t -> sb.append(" revoked=").append(t));
            removed.ifPresent(t -> sb.append(" removed=").append(t));
            return sb.toString();
        }
    }

    /** Reads the entries; problems (with file and line) go to {@code problems}. A missing file has no entries. */
    public static Map<String, Entry> read(Path file, List<String> problems) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        } catch (IOException e) {
            problems.add(file + ": cannot read (" + e.getMessage() + ")");
            return new TreeMap<>();
        }
        Map<String, Entry> entries = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                Entry e = parse(line);
                if (entries.put(e.selector(), e) != null) {
                    throw new IllegalArgumentException("selector " + e.selector() + " appears twice");
                }
            } catch (IllegalArgumentException | DateTimeParseException e) {
                problems.add(file + ":" + (i + 1) + ": " + e.getMessage()
                        + " (fix the line; format: SELECTOR state=pending|active|retired algorithm=... created=...)");
            }
        }
        return entries;
    }

    /** Reads the entries, failing on the first problem; for changes to the store. */
    public static Map<String, Entry> readStrict(Path file) {
        List<String> problems = new ArrayList<>();
        Map<String, Entry> entries = read(file, problems);
        if (!problems.isEmpty()) {
            throw new KeyException(String.join("; ", problems));
        }
        return entries;
    }

    static Entry parse(String line) {
        String[] words = line.split("\\s+");
        Map<String, String> kv = new HashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + words[i] + "' is not key=value");
            }
            String key = words[i].substring(0, eq);
            if (!List.of("state", "algorithm", "bits", "created", "activated", "retired", "revoked", "removed")
                    .contains(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "'");
            }
            kv.put(key, words[i].substring(eq + 1));
        }
        for (String required : List.of("state", "algorithm", "bits", "created")) {
            if (!kv.containsKey(required)) {
                throw new IllegalArgumentException("selector " + words[0] + ": missing " + required + "=");
            }
        }
        int bits;
        try {
            bits = Integer.parseInt(kv.get("bits"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bits: '" + kv.get("bits") + "' is not a number");
        }
        return new Entry(words[0], SelectorState.parse(kv.get("state")), SigningAlgorithm.parse(kv.get("algorithm")),
                bits, Instant.parse(kv.get("created")),
                Optional.ofNullable(kv.get("activated")).map(Instant::parse),
                Optional.ofNullable(kv.get("retired")).map(Instant::parse),
                Optional.ofNullable(kv.get("revoked")).map(Instant::parse),
                Optional.ofNullable(kv.get("removed")).map(Instant::parse));
    }

    /** The file text for these entries, with the header comment. */
    public static String render(String domain, Map<String, Entry> entries) {
        StringBuilder sb = new StringBuilder();
        sb.append("# dkim-relay key state for ").append(domain).append(": one line per selector.\n");
        sb.append("# SELECTOR state=pending|active|retired algorithm=rsa-sha256|ed25519-sha256 bits=N created=ISO-8601");
        sb.append(" [activated=ISO-8601] [retired=ISO-8601] [revoked=ISO-8601] [removed=ISO-8601]\n");
        sb.append("# Written by 'dkim-relay keys ...'; the running relay reloads it on change.\n");
        new TreeMap<>(entries).values().forEach(e -> sb.append(e.line()).append('\n'));
        return sb.toString();
    }

    /** Writes the entries atomically. */
    public static void write(Path file, String domain, Map<String, Entry> entries) {
        try {
            AtomicFiles.write(file, render(domain, entries).getBytes(StandardCharsets.UTF_8), AtomicFiles.PUBLIC);
        } catch (UncheckedIOException e) {
            throw new KeyException(e.getMessage(), e);
        }
    }
}

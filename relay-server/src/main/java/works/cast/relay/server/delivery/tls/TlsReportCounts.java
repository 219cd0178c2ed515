package works.cast.relay.server.delivery.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The TLS sessions of MX delivery counted per UTC day, recipient domain and policy, as an RFC 8460 report needs them
 * (section 4.4: a summary of successful and failed sessions, failures by result type). Opportunistic connections
 * without STARTTLS count as {@code starttls-not-supported} failures. At most {@link #MAX_DOMAINS} domains per day
 * are kept, so mail to very many domains costs bounded memory. {@link #save} and {@link #load} keep the counts across
 * a restart, one line per day, domain and policy:
 * <pre>
 * 2026-12-03 example.net sts 41 certificate-expired=2 starttls-not-supported=1
 * </pre>
 * Thread-safe.
 */
public final class TlsReportCounts implements TlsOutcomes {

    static final int MAX_DOMAINS = 10_000;

    /** The counts of one domain and policy on one day. */
    public record Key(LocalDate day, String domain, HostTls.Policy policy) {
    }

    /** Successful sessions and failures by RFC 8460 result type. */
    public static final class Counts {
        private long successes;
        private final Map<String, Long> failures = new TreeMap<>();

        synchronized void add(String result) {
            if (result.equals("success")) {
                successes++;
            } else {
                failures.merge(result.equals("plaintext") ? TlsFailure.STARTTLS_NOT_SUPPORTED : result, 1L,
                        Long::sum);
            }
        }

        public synchronized long successes() {
            return successes;
        }

        public synchronized Map<String, Long> failures() {
            return Map.copyOf(failures);
        }

        public synchronized long failureTotal() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Clock clock;
    private final Map<Key, Counts> counts = new ConcurrentHashMap<>();

    public TlsReportCounts(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void record(String domain, HostTls.Policy policy, String result) {
        Key key = new Key(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), domain, policy);
        Counts c = counts.get(key);
        if (c == null) {
            if (counts.size() >= MAX_DOMAINS) {
                return;
            }
            c = counts.computeIfAbsent(key, k -> new Counts());
        }
        c.add(result);
    }

    /** Writes the counts not yet reported to {@code file} (temporary file, then rename). */
    public void save(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, c) -> {
            sb.append(k.day()).append(' ').append(k.domain()).append(' ').append(k.policy().label()).append(' ')
                    .append(c.successes());
            c.failures().forEach((type, n) -> sb.append(' ').append(type).append('=').append(n));
            sb.append('\n');
        });
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Adds the counts saved in {@code file}, if it exists; malformed lines are skipped. */
    public void load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String[] f = line.strip().split(" ");
            try {
                Key key = new Key(LocalDate.parse(f[0]), f[1], HostTls.Policy.valueOf(f[2].toUpperCase(
                        java.util.Locale.ROOT)));
                long successes = Long.parseLong(f[3]);
                Map<String, Long> failures = new TreeMap<>();
                for (int i = 4; i < f.length; i++) {
                    int eq = f[i].indexOf('=');
                    failures.merge(f[i].substring(0, eq), Long.parseLong(f[i].substring(eq + 1)), Long::sum);
                }
                Counts c = counts.computeIfAbsent(key, k -> new Counts());
                synchronized (c) {
                    c.successes += successes;
                    failures.forEach((t, n) -> c.failures.merge(t, n, Long::sum));
                }
            } catch (RuntimeException e) {
                // a damaged line loses its counts, not the others
            }
        }
    }

    /** Removes and returns the counts of the days before {@code today}, in no particular order. */
    public List<Map.Entry<Key, Counts>> takeBefore(LocalDate today) {
        List<Map.Entry<Key, Counts>> out = new ArrayList<>();
        for (Key k : List.copyOf(counts.keySet())) {
            if (k.day().isBefore(today)) {
                Counts c = counts.remove(k);
                if (c != null) {
                    out.add(Map.entry(k, c));
                }
            }
        }
        return out;
    }
}

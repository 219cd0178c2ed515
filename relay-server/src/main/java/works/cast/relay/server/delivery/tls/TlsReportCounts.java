package works.cast.relay.server.delivery.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TLS sessions of MX delivery counted per UTC day, recipient domain and policy, as an RFC 8460 report needs them
 * (section 4.4): a summary of successful and failed sessions, failures by result type, one detail row per result
 * type, relay address, MX host and MX address (section 4.3), and the text of the policy last seen. Opportunistic
 * connections without STARTTLS count as {@code starttls-not-supported} failures. Memory is bounded: at most
 * {@link #MAX_DOMAINS} domains per day, {@link #MAX_ROWS_PER_POLICY} detail rows per day, domain and policy and
 * {@link #MAX_ROWS} in all; failures beyond them are still counted by type and reported in a catch-all row without
 * host fields. {@link #save} and {@link #load} keep the counts across a restart ({@link TlsCountsFile}). Thread-safe.
 */
public final class TlsReportCounts implements TlsOutcomes {

    static final int MAX_DOMAINS = 10_000;
    static final int MAX_ROWS_PER_POLICY = 100;
    static final int MAX_ROWS = 50_000;

    /** The counts of one domain and policy on one day. */
    public record Key(LocalDate day, String domain, HostTls.Policy policy) {
    }

    /** Successful sessions, failures by RFC 8460 result type, the detail rows and the policy's text. */
    public static final class Counts {
        private final AtomicInteger rowBudget;
        private long successes;
        private final Map<String, Long> failures = new TreeMap<>();
        private final Map<FailureDetail.Key, Row> rows = new LinkedHashMap<>();
        private PolicyText policy = PolicyText.NONE;
        private boolean closed;

        private static final class Row {
            long count;
            String helo = "";
            String reason = "";
        }

        Counts(AtomicInteger rowBudget) {
            this.rowBudget = rowBudget;
        }

        synchronized void add(TlsResult result) {
            if (!result.policy().isEmpty()) {
                policy = result.policy();
            }
            if (result.type().equals("success")) {
                successes++;
                return;
            }
            String type = result.type().equals("plaintext") ? TlsFailure.STARTTLS_NOT_SUPPORTED : result.type();
            failures.merge(type, 1L, Long::sum);
            addRow(FailureDetail.Key.of(result, type), 1, result.mxHelo(), result.reason());
        }

        /** Adds to the row of {@code key} (made when the caps allow); a row without host fields stays catch-all. */
        synchronized void addRow(FailureDetail.Key key, long count, String helo, String reason) {
            if (key.isEmpty() || closed) {
                return;
            }
            Row row = rows.get(key);
            if (row == null) {
                if (rows.size() >= MAX_ROWS_PER_POLICY) {
                    return;
                }
                if (rowBudget.incrementAndGet() > MAX_ROWS) {
                    rowBudget.decrementAndGet();
                    return;
                }
                row = new Row();
                rows.put(key, row);
            }
            row.count += count;
            if (!helo.isEmpty()) {
                row.helo = helo;
            }
            if (!reason.isEmpty()) {
                row.reason = reason;
            }
        }

        synchronized void addCounts(long moreSuccesses, Map<String, Long> moreFailures) {
            successes += moreSuccesses;
            moreFailures.forEach((t, n) -> failures.merge(t, n, Long::sum));
        }

        synchronized void setPolicy(PolicyText text) {
            policy = text;
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

        /** The text of the policy last seen, {@link PolicyText#NONE} when none was. */
        public synchronized PolicyText policy() {
            return policy;
        }

        /**
         * The {@code failure-details} entries: by result type, the rows with most failures first, then a catch-all
         * entry for the failures of that type no row holds. Their counts add up to {@link #failureTotal()}.
         */
        public synchronized List<FailureDetail> details() {
            List<FailureDetail> out = new ArrayList<>();
            List<FailureDetail> all = rows();
            failures.forEach((type, total) -> {
                List<FailureDetail> ofType = new ArrayList<>(all.stream().filter(d -> d.type().equals(type))
                        .toList());
                long inRows = ofType.stream().mapToLong(FailureDetail::count).sum();
                ofType.sort(Comparator.comparingLong(FailureDetail::count).reversed()
                        .thenComparing(FailureDetail::mxHost).thenComparing(FailureDetail::receivingIp)
                        .thenComparing(FailureDetail::sendingIp));
                out.addAll(ofType);
                if (total > inRows) {
                    out.add(new FailureDetail(type, "", "", "", "", "", total - inRows));
                }
            });
            return out;
        }

        /** The detail rows held, for saving; without the catch-all entries. */
        synchronized List<FailureDetail> rows() {
            List<FailureDetail> out = new ArrayList<>();
            rows.forEach((k, r) -> out.add(new FailureDetail(k.type(), k.sendingIp(), k.mxHost(), k.receivingIp(),
                    r.helo, r.reason, r.count)));
            return out;
        }

        /** Gives the rows back to the budget; no more rows are made after (the counts were taken for a report). */
        synchronized void close() {
            if (!closed) {
                closed = true;
                rowBudget.addAndGet(-rows.size());
            }
        }
    }

    private final Clock clock;
    private final Map<Key, Counts> counts = new ConcurrentHashMap<>();
    private final AtomicInteger rowBudget = new AtomicInteger();

    public TlsReportCounts(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void record(String domain, HostTls.Policy policy, TlsResult result) {
        Counts c = counts(new Key(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), domain, policy));
        if (c != null) {
            c.add(result);
        }
    }

    /** The counts of {@code key}, made if there is room; null when {@link #MAX_DOMAINS} are kept already. */
    Counts counts(Key key) {
        Counts c = counts.get(key);
        if (c == null) {
            if (counts.size() >= MAX_DOMAINS) {
                return null;
            }
            c = counts.computeIfAbsent(key, k -> new Counts(rowBudget));
        }
        return c;
    }

    /** Writes the counts not yet reported to {@code file} (temporary file, fsync, then rename). */
    public void save(Path file) throws IOException {
        TlsCountsFile.save(file, Map.copyOf(counts));
    }

    /** Adds the counts saved in {@code file}, if it exists; malformed lines are skipped. */
    public void load(Path file) throws IOException {
        TlsCountsFile.load(file, this);
    }

    /** Removes and returns the counts of the days before {@code today}, in no particular order. */
    public List<Map.Entry<Key, Counts>> takeBefore(LocalDate today) {
        List<Map.Entry<Key, Counts>> out = new ArrayList<>();
        for (Key k : List.copyOf(counts.keySet())) {
            if (k.day().isBefore(today)) {
                Counts c = counts.remove(k);
                if (c != null) {
                    c.close();
                    out.add(Map.entry(k, c));
                }
            }
        }
        return out;
    }
}

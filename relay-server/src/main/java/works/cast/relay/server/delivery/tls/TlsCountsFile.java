package works.cast.relay.server.delivery.tls;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The file that keeps {@link TlsReportCounts} across a restart ({@code <queue.dir>/tls-rpt/counts.txt}), ASCII, one
 * line per day, domain and policy with the counts by result type, then lines marked {@code +} for the detail rows
 * and the policy's text, their values URL-encoded:
 * <pre>
 * 2026-12-03 example.net sts 41 certificate-expired=2 starttls-not-supported=1
 * 2026-12-03 example.net sts +row certificate-expired 2 sending-mta-ip=192.0.2.1 receiving-mx-hostname=mx.example.net
 *     receiving-ip=198.51.100.7 receiving-mx-helo=mx.example.net failure-reason-code=certificate+expired
 * 2026-12-03 example.net sts +policy-string version%3A+STSv1 mode%3A+enforce mx%3A+mx.example.net max_age%3A+86400
 * 2026-12-03 example.net sts +mx-host mx.example.net
 * </pre>
 * (a row is one line). Files written before the detail rows existed have only the first kind of line and still load:
 * their failures are reported in catch-all rows. A relay of that time skips the {@code +} lines. Written to a
 * temporary file, forced to disk, then renamed over the old one.
 */
final class TlsCountsFile {

    private static final List<String> ROW_FIELDS = List.of("sending-mta-ip", "receiving-mx-hostname", "receiving-ip",
            "receiving-mx-helo", "failure-reason-code");

    private TlsCountsFile() {
    }

    static void save(Path file, Map<TlsReportCounts.Key, TlsReportCounts.Counts> counts) throws IOException {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, c) -> {
            String prefix = k.day() + " " + k.domain() + " " + k.policy().label() + " ";
            sb.append(prefix).append(c.successes());
            new TreeMap<>(c.failures()).forEach((type, n) -> sb.append(' ').append(type).append('=').append(n));
            sb.append('\n');
            for (FailureDetail d : c.rows()) {
                sb.append(prefix).append("+row ").append(d.type()).append(' ').append(d.count());
                List<String> values = List.of(d.sendingIp(), d.mxHost(), d.receivingIp(), d.mxHelo(), d.reason());
                for (int i = 0; i < values.size(); i++) {
                    if (!values.get(i).isEmpty()) {
                        sb.append(' ').append(ROW_FIELDS.get(i)).append('=').append(encode(values.get(i)));
                    }
                }
                sb.append('\n');
            }
            PolicyText text = c.policy();
            list(sb, prefix + "+policy-string", text.strings());
            list(sb, prefix + "+mx-host", text.mxHosts());
        });
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer bytes = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.US_ASCII));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void list(StringBuilder sb, String head, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        sb.append(head);
        values.forEach(v -> sb.append(' ').append(encode(v)));
        sb.append('\n');
    }

    /** Adds the counts saved in {@code file} to {@code into}; a malformed line is skipped, the others still load. */
    static void load(Path file, TlsReportCounts into) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String[] f = line.strip().split(" ");
            try {
                TlsReportCounts.Key key = new TlsReportCounts.Key(LocalDate.parse(f[0]), f[1],
                        HostTls.Policy.valueOf(f[2].toUpperCase(Locale.ROOT)));
                switch (f[3]) {
                    case "+row" -> row(into, key, f);
                    case "+policy-string" -> policy(into, key, f, true);
                    case "+mx-host" -> policy(into, key, f, false);
                    default -> counts(into, key, f);
                }
            } catch (RuntimeException e) {
                // a damaged line loses its counts, not the others
            }
        }
    }

    private static void counts(TlsReportCounts into, TlsReportCounts.Key key, String[] f) {
        long successes = Long.parseLong(f[3]);
        Map<String, Long> failures = new TreeMap<>();
        for (int i = 4; i < f.length; i++) {
            int eq = f[i].indexOf('=');
            failures.merge(f[i].substring(0, eq), Long.parseLong(f[i].substring(eq + 1)), Long::sum);
        }
        TlsReportCounts.Counts c = into.counts(key);
        if (c != null) {
            c.addCounts(successes, failures);
        }
    }

    private static void row(TlsReportCounts into, TlsReportCounts.Key key, String[] f) {
        String type = f[4];
        long count = Long.parseLong(f[5]);
        if (count <= 0) {
            throw new IllegalArgumentException("row count " + count);
        }
        Map<String, String> fields = new HashMap<>();
        for (int i = 6; i < f.length; i++) {
            int eq = f[i].indexOf('=');
            if (!ROW_FIELDS.contains(f[i].substring(0, eq))) {
                throw new IllegalArgumentException("unknown row field " + f[i]);
            }
            fields.put(f[i].substring(0, eq), decode(f[i].substring(eq + 1)));
        }
        // Through TlsResult, so that a hand-edited file gets the same bounds and ASCII as live results.
        TlsResult r = TlsResult.of(type).withHost(fields.getOrDefault("receiving-mx-hostname", ""))
                .withSession(fields.getOrDefault("sending-mta-ip", ""), fields.getOrDefault("receiving-ip", ""),
                        fields.getOrDefault("receiving-mx-helo", ""))
                .withReason(fields.getOrDefault("failure-reason-code", ""));
        TlsReportCounts.Counts c = into.counts(key);
        if (c != null) {
            c.addRow(FailureDetail.Key.of(r, type), count, r.mxHelo(), r.reason());
        }
    }

    private static void policy(TlsReportCounts into, TlsReportCounts.Key key, String[] f, boolean strings) {
        List<String> values = new ArrayList<>();
        for (int i = 4; i < f.length; i++) {
            values.add(decode(f[i]));
        }
        TlsReportCounts.Counts c = into.counts(key);
        if (c != null) {
            PolicyText old = c.policy();
            c.setPolicy(strings ? new PolicyText(values, old.mxHosts()) : new PolicyText(old.strings(), values));
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}

package works.cast.relay.server.delivery.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The day's TLS session counts: per domain and policy, taken once the day is over, kept across a restart. */
class TlsReportCountsTest {

    @TempDir
    Path dir;

    @Test
    void countsAreTakenOnceTheDayIsOverAndSurviveARestart() throws Exception {
        Clock day = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
        TlsReportCounts counts = new TlsReportCounts(day);
        counts.record("example.net", HostTls.Policy.STS, "success");
        counts.record("example.net", HostTls.Policy.STS, "certificate-expired");
        counts.record("example.org", HostTls.Policy.NONE, "plaintext");
        counts.save(dir.resolve("tls-rpt/counts.txt"));

        TlsReportCounts restarted = new TlsReportCounts(day);
        restarted.load(dir.resolve("tls-rpt/counts.txt"));
        assertEquals(List.of(), restarted.takeBefore(LocalDate.parse("2026-12-03")), "the day is not over");
        List<Map.Entry<TlsReportCounts.Key, TlsReportCounts.Counts>> taken =
                restarted.takeBefore(LocalDate.parse("2026-12-04"));
        assertEquals(2, taken.size());
        for (var e : taken) {
            if (e.getKey().domain().equals("example.net")) {
                assertEquals(HostTls.Policy.STS, e.getKey().policy());
                assertEquals(1, e.getValue().successes());
                assertEquals(Map.of("certificate-expired", 1L), e.getValue().failures());
            } else {
                assertEquals(Map.of("starttls-not-supported", 1L), e.getValue().failures(), "plaintext");
            }
        }
        assertEquals(List.of(), restarted.takeBefore(LocalDate.parse("2026-12-04")), "taken once");
        Files.writeString(dir.resolve("bad.txt"), "garbage\n2026-12-03 a.test dane 2 validation-failure=x\n"
                + "2026-12-03 b.test dane 3\n");
        TlsReportCounts damaged = new TlsReportCounts(day);
        damaged.load(dir.resolve("bad.txt"));
        assertEquals(List.of("b.test"), damaged.takeBefore(LocalDate.parse("2026-12-04")).stream()
                .map(e -> e.getKey().domain()).toList());
    }
}

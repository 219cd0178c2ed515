package works.cast.relay.server.delivery.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The day's TLS session counts: per domain and policy, with a detail row per failed session's addresses and the
 * policy's text, taken once the day is over, kept across a restart, bounded in memory.
 */
class TlsReportCountsTest {

    private static final Clock DAY = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
    private static final PolicyText STS = new PolicyText(List.of("version: STSv1", "mode: enforce",
            "mx: *.example.net", "max_age: 86400"), List.of("*.example.net"));

    @TempDir
    Path dir;

    private static TlsResult failure(String type, String host, String ip) {
        return TlsResult.of(type).withPolicy(STS).withHost(host).withSession("192.0.2.1", ip, host)
                .withReason("certificate not valid now: NotAfter: Tue Dec 01 00:00:00 UTC 2026");
    }

    private static TlsReportCounts.Counts only(TlsReportCounts counts) {
        List<Map.Entry<TlsReportCounts.Key, TlsReportCounts.Counts>> taken =
                counts.takeBefore(LocalDate.parse("2026-12-04"));
        assertEquals(1, taken.size(), taken.toString());
        return taken.get(0).getValue();
    }

    @Test
    void countsAreTakenOnceTheDayIsOverAndSurviveARestart() throws Exception {
        TlsReportCounts counts = new TlsReportCounts(DAY);
        counts.record("example.net", HostTls.Policy.STS, TlsResult.of("success"));
        counts.record("example.net", HostTls.Policy.STS, TlsResult.of("certificate-expired"));
        counts.record("example.org", HostTls.Policy.NONE, TlsResult.of("plaintext"));
        counts.save(dir.resolve("tls-rpt/counts.txt"));

        TlsReportCounts restarted = new TlsReportCounts(DAY);
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
        TlsReportCounts damaged = new TlsReportCounts(DAY);
        damaged.load(dir.resolve("bad.txt"));
        assertEquals(List.of("b.test"), damaged.takeBefore(LocalDate.parse("2026-12-04")).stream()
                .map(e -> e.getKey().domain()).toList());
    }

    @Test
    void failuresAreDetailedPerSessionAddressesAndKeepThePolicyText() {
        TlsReportCounts counts = new TlsReportCounts(DAY);
        counts.record("example.net", HostTls.Policy.STS, failure("certificate-expired", "mx1.example.net",
                "198.51.100.7"));
        counts.record("example.net", HostTls.Policy.STS, failure("certificate-expired", "mx1.example.net",
                "198.51.100.7"));
        counts.record("example.net", HostTls.Policy.STS, failure("certificate-expired", "mx2.example.net",
                "198.51.100.8"));
        counts.record("example.net", HostTls.Policy.STS, TlsResult.of("sts-policy-fetch-error")
                .withReason("mta-sts.example.net: connection refused"));
        counts.record("example.net", HostTls.Policy.STS, TlsResult.of("success"));
        TlsReportCounts.Counts c = only(counts);
        assertEquals(STS, c.policy(), "a result without policy text keeps the one seen");
        String reason = "certificate not valid now: NotAfter: Tue Dec 01 00:00:00 UTC 2026";
        assertEquals(List.of(
                new FailureDetail("certificate-expired", "192.0.2.1", "mx1.example.net", "198.51.100.7",
                        "mx1.example.net", reason, 2),
                new FailureDetail("certificate-expired", "192.0.2.1", "mx2.example.net", "198.51.100.8",
                        "mx2.example.net", reason, 1),
                new FailureDetail("sts-policy-fetch-error", "", "", "", "", "", 1)), c.details(),
                "a failure without a host is a catch-all entry, with no reason of its own");
        assertEquals(4, c.failureTotal());
        assertEquals(1, c.successes());
    }

    /**
     * The JSON of RFC 8460 section 4.4: the policy's lines and mx patterns, one failure-details entry per session
     * addresses with the fields known, a catch-all entry without host fields.
     */
    @Test
    void theReportShowsThePolicyTextAndEachFailedSession() {
        TlsReportCounts counts = new TlsReportCounts(DAY);
        counts.record("example.net", HostTls.Policy.STS, failure("certificate-expired", "mx1.example.net",
                "198.51.100.7"));
        counts.record("example.net", HostTls.Policy.STS, TlsResult.of("sts-policy-fetch-error"));
        String json = TlsReport.json("cast.works", "tlsrpt@cast.works", "id1", LocalDate.parse("2026-12-03"),
                "example.net", Map.of(HostTls.Policy.STS, only(counts)));
        assertTrue(json.contains("\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\","
                + "\"mode: enforce\",\"mx: *.example.net\",\"max_age: 86400\"],\"policy-domain\":\"example.net\","
                + "\"mx-host\":[\"*.example.net\"]}"), json);
        assertTrue(json.contains("\"failure-details\":[{\"result-type\":\"certificate-expired\","
                + "\"sending-mta-ip\":\"192.0.2.1\",\"receiving-mx-hostname\":\"mx1.example.net\","
                + "\"receiving-mx-helo\":\"mx1.example.net\",\"receiving-ip\":\"198.51.100.7\","
                + "\"failed-session-count\":1,\"failure-reason-code\":\"certificate not valid now: NotAfter: Tue Dec 01"
                + " 00:00:00 UTC 2026\"},{\"result-type\":\"sts-policy-fetch-error\",\"failed-session-count\":1}]"),
                json);
    }

    @Test
    void rowsAndPolicyTextSurviveARestartAndOldLinesStillLoad() throws Exception {
        TlsReportCounts counts = new TlsReportCounts(DAY);
        counts.record("example.net", HostTls.Policy.STS, failure("certificate-expired", "mx1.example.net",
                "198.51.100.7"));
        counts.record("example.net", HostTls.Policy.STS, failure("certificate-expired", "mx1.example.net",
                "198.51.100.7").withReason("tabs\tand \u00e9 and\r\nnewlines"));
        counts.record("example.net", HostTls.Policy.STS, TlsResult.of("sts-policy-fetch-error"));
        counts.record("example.net", HostTls.Policy.DANE, TlsResult.of("validation-failure")
                .withPolicy(new PolicyText(List.of("3 1 1 ABCD"), List.of("mx1.example.net")))
                .withHost("mx1.example.net").withSession("::1", "2001:db8::7", ""));
        Path file = dir.resolve("tls-rpt/counts.txt");
        counts.save(file);
        assertTrue(Files.readString(file).chars().allMatch(ch -> ch == '\n' || (ch >= 0x20 && ch <= 0x7e)),
                "ASCII lines");
        assertEquals(List.of(), Files.list(file.getParent()).filter(p -> !p.equals(file)).toList(),
                "no temporary file left");
        // as a relay without detail rows wrote it
        Files.writeString(file, "2026-12-03 example.org none 3 starttls-not-supported=2\n",
                java.nio.file.StandardOpenOption.APPEND);

        TlsReportCounts restarted = new TlsReportCounts(DAY);
        restarted.load(file);
        Map<TlsReportCounts.Key, TlsReportCounts.Counts> before = new java.util.HashMap<>();
        counts.takeBefore(LocalDate.parse("2026-12-04")).forEach(e -> before.put(e.getKey(), e.getValue()));
        List<Map.Entry<TlsReportCounts.Key, TlsReportCounts.Counts>> after =
                restarted.takeBefore(LocalDate.parse("2026-12-04"));
        assertEquals(3, after.size());
        for (var e : after) {
            TlsReportCounts.Counts c = e.getValue();
            if (e.getKey().domain().equals("example.org")) {
                assertEquals(3, c.successes());
                assertEquals(List.of(new FailureDetail("starttls-not-supported", "", "", "", "", "", 2)),
                        c.details(), "an old line's failures are a catch-all entry");
                assertEquals(PolicyText.NONE, c.policy());
                continue;
            }
            TlsReportCounts.Counts old = before.get(e.getKey());
            assertEquals(old.details(), c.details(), e.getKey().toString());
            assertEquals(old.policy(), c.policy(), e.getKey().toString());
            assertEquals(old.failures(), c.failures(), e.getKey().toString());
        }
        assertEquals("tabs and ? and newlines", before.get(new TlsReportCounts.Key(LocalDate.parse("2026-12-03"),
                "example.net", HostTls.Policy.STS)).details().get(0).reason(), "the last reason, printable ASCII");
    }

    @Test
    void detailRowsAreCappedAndTheRestIsCountedInACatchAllEntry() throws Exception {
        TlsReportCounts counts = new TlsReportCounts(DAY);
        int sessions = TlsReportCounts.MAX_ROWS_PER_POLICY + 50;
        for (int i = 0; i < sessions; i++) {
            counts.record("example.net", HostTls.Policy.STS, failure("validation-failure", "mx.example.net",
                    "198.51.100." + i));
        }
        counts.record("example.net", HostTls.Policy.STS, failure("validation-failure", "mx.example.net",
                "198.51.100.0"));
        Path file = dir.resolve("counts.txt");
        counts.save(file);
        TlsReportCounts restarted = new TlsReportCounts(DAY);
        restarted.load(file);
        for (TlsReportCounts c : List.of(counts, restarted)) {
            List<FailureDetail> details = only(c).details();
            assertEquals(TlsReportCounts.MAX_ROWS_PER_POLICY + 1, details.size());
            assertEquals(new FailureDetail("validation-failure", "192.0.2.1", "mx.example.net", "198.51.100.0",
                    "mx.example.net", "certificate not valid now: NotAfter: Tue Dec 01 00:00:00 UTC 2026", 2),
                    details.get(0), "a kept row still counts");
            assertEquals(new FailureDetail("validation-failure", "", "", "", "", "", 50),
                    details.get(details.size() - 1));
            assertEquals(sessions + 1, details.stream().mapToLong(FailureDetail::count).sum());
        }
    }

    @Test
    void aDamagedRowLineIsSkippedAndTheOthersLoad() throws Exception {
        Path file = Files.writeString(dir.resolve("counts.txt"), """
                2026-12-03 example.net dane 0 validation-failure=3
                2026-12-03 example.net dane +row validation-failure 2 receiving-ip=127.0.0.1 colour=blue
                2026-12-03 example.net dane +row validation-failure x receiving-ip=127.0.0.2
                2026-12-03 example.net dane +row validation-failure 1 receiving-ip=127.0.0.3
                2026-12-03 example.net dane +mx-host mx.example.net
                """);
        TlsReportCounts counts = new TlsReportCounts(DAY);
        counts.load(file);
        TlsReportCounts.Counts c = only(counts);
        assertEquals(List.of(new FailureDetail("validation-failure", "", "", "127.0.0.3", "", "", 1),
                new FailureDetail("validation-failure", "", "", "", "", "", 2)), c.details());
        assertEquals(new PolicyText(List.of(), List.of("mx.example.net")), c.policy());
    }
}

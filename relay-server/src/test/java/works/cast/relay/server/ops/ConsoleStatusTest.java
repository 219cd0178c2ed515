package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.config.TlsConfig;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.queue.MutableClock;
import works.cast.relay.server.sender.DmarcLookup;
import works.cast.relay.server.sender.DomainReport;
import works.cast.relay.server.sender.SpfResult;

/** The console's data and page: history per minute and hour, the stricter TLS profile, escaping of mail's values. */
class ConsoleStatusTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:30Z"));
    private final RelayMetrics metrics = new RelayMetrics(clock);

    private ConsoleStatus status(TlsConfig.Profile profile) {
        return status(profile, Map.of());
    }

    private ConsoleStatus status(TlsConfig.Profile profile, Map<String, DomainReport> reports) {
        KeyStore store = new KeyStore(dir.resolve("keys"));
        if (!store.hasDomain(new Domain("cast.works"))) {
            store.generate(new Domain("cast.works"), KeyAlgorithm.ED25519, Optional.of("ed1"), true, clock);
            store.generate(new Domain("cast.works"), KeyAlgorithm.ED25519, Optional.of("ed0"), true, clock);
            store.retire(new Domain("cast.works"), "ed0", clock);
        }
        var ring = store.load();
        ConsoleSources sources = new ConsoleSources("relay.test", "1.2.3", clock.instant().minusSeconds(90), "jdk",
                "portable", "smarthost", List.of("cast.works", "castworks.co.jp"), () -> ring, () -> reports,
                () -> Optional.of(Instant.parse("2026-12-04T09:00:00.5Z")), Optional.empty(), profile);
        return new ConsoleStatus(sources, metrics.history());
    }

    @Test
    void trafficIsCountedPerMinuteForAnHour() {
        ConsoleStatus console = status(TlsConfig.Profile.INTERMEDIATE);
        metrics.messageAccepted("cast.works");
        metrics.messageRejected("unknown-domain");
        metrics.signature("cast.works", "ed1", "ed25519-sha256", 1000);
        clock.advance(Duration.ofMinutes(2));
        metrics.messageAccepted("cast.works");
        metrics.messageAccepted("castworks.co.jp");
        metrics.deliveryAttempt(RelayMetrics.DeliveryOutcome.DELIVERED, 1000);

        Map<String, Object> traffic = map(console.build(List.of()).get("traffic"));
        List<?> accepted = (List<?>) traffic.get("accepted");
        assertEquals(60, accepted.size());
        assertEquals(2L, accepted.get(59));
        assertEquals(0L, accepted.get(58));
        assertEquals(1L, accepted.get(57));
        assertEquals(Instant.parse("2026-12-04T09:03:00Z").toString(), traffic.get("start"));
        assertEquals(1L, ((List<?>) map(traffic.get("rejected")).get("unknown-domain")).get(57));
        assertEquals(1L, ((List<?>) map(traffic.get("signed")).get("cast.works/ed1/ed25519-sha256")).get(57));
        assertEquals(1L, ((List<?>) traffic.get("delivered")).get(59));

        clock.advance(Duration.ofMinutes(58));
        accepted = (List<?>) map(console.build(List.of()).get("traffic")).get("accepted");
        assertEquals(2L, accepted.get(1), "the minute of the first message has left the hour");
        assertEquals(2L, accepted.stream().mapToLong(v -> (Long) v).sum());
        clock.advance(Duration.ofMinutes(2));
        accepted = (List<?>) map(console.build(List.of()).get("traffic")).get("accepted");
        assertEquals(0L, accepted.stream().mapToLong(v -> (Long) v).sum());
    }

    @Test
    void tlsSessionsShowTheShareTheNextStricterProfileRefuses() {
        metrics.tlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        metrics.tlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        metrics.tlsSession("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        metrics.tlsSession("TLSv1", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
        clock.advance(Duration.ofHours(23));

        Map<String, Object> intermediate = map(status(TlsConfig.Profile.INTERMEDIATE).build(List.of()).get("tls"));
        assertEquals("modern", intermediate.get("stricter_profile"));
        assertEquals(4L, intermediate.get("total"));
        assertEquals(2L, intermediate.get("refused_by_stricter"));
        assertEquals(50.0, intermediate.get("refused_percent"));

        Map<String, Object> legacy = map(status(TlsConfig.Profile.LEGACY).build(List.of()).get("tls"));
        assertEquals("intermediate", legacy.get("stricter_profile"));
        assertEquals(1L, legacy.get("refused_by_stricter"), "only the TLS 1.0 CBC session");
        assertEquals(25.0, legacy.get("refused_percent"));

        Map<String, Object> modern = map(status(TlsConfig.Profile.MODERN).build(List.of()).get("tls"));
        assertEquals(null, modern.get("stricter_profile"));
        assertEquals(0L, modern.get("refused_by_stricter"));

        clock.advance(Duration.ofHours(1));
        assertEquals(0L, map(status(TlsConfig.Profile.INTERMEDIATE).build(List.of()).get("tls")).get("total"),
                "older than 24 hours");
    }

    @Test
    void domainsListEverySelectorWithItsStateAndWhenARetiredRecordMayGo() {
        Map<String, Object> tree = status(TlsConfig.Profile.INTERMEDIATE).build(List.of("smtp listeners not bound"));
        List<?> domains = (List<?>) tree.get("domains");
        assertEquals(2, domains.size());
        Map<String, Object> cast = map(domains.get(0));
        assertEquals("cast.works", cast.get("domain"));
        List<?> selectors = (List<?>) cast.get("selectors");
        assertEquals(2, selectors.size());
        Map<String, Object> retired = selectors.stream().map(ConsoleStatusTest::map)
                .filter(s -> s.get("selector").equals("ed0")).findFirst().orElseThrow();
        assertEquals("retired", retired.get("state"));
        assertEquals("ed25519-sha256", retired.get("algorithm"));
        assertEquals(256, retired.get("bits"));
        assertEquals("not checked", retired.get("dns"));
        assertEquals("2027-01-03T10:00:30Z", retired.get("record_removable_after"));
        assertEquals(List.of(), map(domains.get(1)).get("selectors"));
        assertEquals(Map.of("ready", false, "failing", List.of("smtp listeners not bound")), tree.get("health"));
        assertEquals(90L, map(tree.get("relay")).get("uptime_seconds"));
    }

    @Test
    void senderChecksAndTheDnsStateOfEachSelector() {
        DomainReport report = new DomainReport("cast.works",
                new DmarcLookup(Optional.of("v=DMARC1; p=none"), Optional.of("cast.works"), Optional.of("none"),
                        Optional.empty()),
                Map.of(), new SpfResult(SpfResult.Code.NEUTRAL, "v=spf1 at cast.works"), Map.of("ed1", "matching"),
                List.of());
        Map<String, Object> tree = status(TlsConfig.Profile.INTERMEDIATE, Map.of("cast.works", report))
                .build(List.of());
        Map<String, Object> cast = map(((List<?>) tree.get("domains")).get(0));
        Map<String, String> dns = new java.util.TreeMap<>();
        ((List<?>) cast.get("selectors")).forEach(o -> dns.put((String) map(o).get("selector"),
                (String) map(o).get("dns")));
        assertEquals(Map.of("ed0", "not checked", "ed1", "matching"), dns);
        assertEquals("2026-12-04T09:00:00Z", cast.get("checked"));
        List<?> checks = (List<?>) cast.get("sender_checks");
        Map<String, Object> enforced = checks.stream().map(ConsoleStatusTest::map)
                .filter(c -> c.get("check").equals("dmarc-enforced")).findFirst().orElseThrow();
        assertEquals(0, enforced.get("value"), "p=none does not enforce, as the gauge says");
        assertEquals(report.gauges().get("dmarc-enforced"), enforced.get("value"));
        String page = ConsolePage.render(tree);
        assertTrue(page.contains("<li class=\"warning\">dmarc-enforced warning: "), page);
    }

    @Test
    void aReplyFromMailIsTextOnThePageAndEscapedInJson() {
        ConsoleStatus console = status(TlsConfig.Profile.INTERMEDIATE);
        String evil = "<script>alert(\"x\")</script> \\ & '";
        metrics.deliveryFailure("Q1", "bob@Example.NET", new DeliveryResult.Failed(new Reply(550, "5.1.1", evil)));
        metrics.deliveryFailure("Q2", "ann@example.net", new DeliveryResult.Delivered(new Reply(250, "2.0.0", "ok")));

        Map<String, Object> tree = console.build(List.of());
        List<?> failures = (List<?>) map(tree.get("queue")).get("failures");
        assertEquals(1, failures.size(), "a delivered recipient is no failure");
        assertEquals("example.net", map(failures.get(0)).get("domain"));

        String page = ConsolePage.render(tree);
        assertFalse(page.contains("<script>alert"), page);
        assertTrue(page.contains("550 5.1.1 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; \\ &amp; &#39;"), page);
        assertEquals(1, page.split("<script", -1).length - 1, "only the console's own script element: " + page);

        String json = works.cast.relay.server.json.Json.write(tree);
        assertTrue(json.contains("\"reply\":\"550 5.1.1 <script>alert(\\\"x\\\")</script> \\\\ & '\""), json);
    }

    @Test
    void agesReadAsMinutesHoursAndDays() {
        assertEquals(List.of("0s", "59s", "1m 0s", "59m 59s", "1h 0m", "23h 59m", "1d 0h", "12d 5h"),
                java.util.stream.LongStream.of(0, 59, 60, 3599, 3600, 86399, 86400, 12 * 86400 + 5 * 3600 + 7)
                        .mapToObj(ConsolePage::age).toList());
    }

    @Test
    void controlCharactersNeverReachThePage() {
        assertEquals("a b&lt;i&gt;", Html.escape("a\r\nb<i>").replace("  ", " "));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}

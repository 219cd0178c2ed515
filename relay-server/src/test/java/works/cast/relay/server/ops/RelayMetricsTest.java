package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.keys.CryptoProvider;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;

class RelayMetricsTest {

    private final RelayMetrics metrics = new RelayMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private static void assertLine(String scrape, String line) {
        assertTrue(scrape.lines().anyMatch(l -> l.equals(line)), "missing line: " + line + "\n" + scrape);
    }

    @Test
    void countersAndGaugesAfterCalls() {
        metrics.sessionOpened();
        metrics.sessionOpened();
        metrics.sessionClosed();
        metrics.tlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        metrics.messageAccepted("Cast.Works");
        metrics.messageAccepted("cast.works");
        metrics.messageAccepted(null);
        metrics.messageRejected("unknown-domain");
        metrics.signature("cast.works", "rsa1", "rsa-sha256", 1_500_000);
        metrics.signature("cast.works", "ed1", "ed25519-sha256", 80_000);
        metrics.deliveryAttempt(RelayMetrics.DeliveryOutcome.DELIVERED, 300_000_000L);
        metrics.deliveryAttempt(new DeliveryResult.Deferred(new Reply(451, "4.3.0", "later")), 1_000_000L);
        String s = metrics.scrape();

        assertLine(s, "dkim_relay_sessions_open 1.0");
        assertLine(s, "dkim_relay_sessions_total 2.0");
        assertLine(s, "dkim_relay_tls_sessions_total{cipher=\"TLS_AES_128_GCM_SHA256\",protocol=\"TLSv1.3\"} 1.0");
        assertLine(s, "dkim_relay_messages_accepted_total{domain=\"cast.works\"} 2.0");
        assertLine(s, "dkim_relay_messages_accepted_total{domain=\"none\"} 1.0");
        assertLine(s, "dkim_relay_messages_rejected_total{reason=\"unknown-domain\"} 1.0");
        assertLine(s, "dkim_relay_signatures_total{algorithm=\"rsa-sha256\",domain=\"cast.works\",selector=\"rsa1\"} 1.0");
        assertLine(s, "dkim_relay_signing_seconds_count{algorithm=\"ed25519-sha256\"} 1");
        assertLine(s, "dkim_relay_signing_seconds_bucket{algorithm=\"rsa-sha256\",le=\"0.002\"} 1");
        assertLine(s, "dkim_relay_signing_seconds_bucket{algorithm=\"rsa-sha256\",le=\"0.001\"} 0");
        assertLine(s, "dkim_relay_delivery_attempts_total{result=\"delivered\"} 1.0");
        assertLine(s, "dkim_relay_delivery_attempts_total{result=\"deferred\"} 1.0");
        assertLine(s, "dkim_relay_delivery_attempts_total{result=\"failed\"} 0.0");
        assertLine(s, "dkim_relay_delivery_seconds_sum{result=\"delivered\"} 0.3");
        assertTrue(s.contains("jvm_memory_used_bytes{"), "JVM memory");
        assertTrue(s.contains("jvm_threads_live_threads "), "JVM threads");
        assertTrue(s.contains("jvm_gc_"), "JVM GC");
        assertTrue(s.contains("process_files_open_files "), "file descriptors");
    }

    @Test
    void deliveryTlsOutcomesByPolicyAndResult() {
        metrics.deliveryTls("sts", "success");
        metrics.deliveryTls("sts", "success");
        metrics.deliveryTls("dane", "validation-failure");
        String s = metrics.scrape();
        assertLine(s, "dkim_relay_delivery_tls_total{policy=\"sts\",result=\"success\"} 2.0");
        assertLine(s, "dkim_relay_delivery_tls_total{policy=\"dane\",result=\"validation-failure\"} 1.0");
    }

    @Test
    void queueGaugesReadTheirSuppliersOnScrape() {
        AtomicLong size = new AtomicLong(3);
        metrics.registerQueue(size::get, () -> 42.5);
        assertLine(metrics.scrape(), "dkim_relay_queue_messages 3.0");
        size.set(7);
        String s = metrics.scrape();
        assertLine(s, "dkim_relay_queue_messages 7.0");
        assertLine(s, "dkim_relay_queue_oldest_age_seconds 42.5");
        assertThrows(IllegalStateException.class, () -> metrics.registerQueue(() -> 0, () -> 0));
    }

    @Test
    void keyAgesFollowTheSupplier() {
        Map<String, Duration> ages = new ConcurrentHashMap<>(Map.of("cast.works/rsa1", Duration.ofDays(2),
                "castworks.co.jp/ed1", Duration.ofSeconds(90)));
        metrics.registerKeyAges(() -> new HashMap<>(ages));
        String s = metrics.scrape();
        assertLine(s, "dkim_relay_key_age_seconds{domain=\"cast.works\",selector=\"rsa1\"} 172800.0");
        assertLine(s, "dkim_relay_key_age_seconds{domain=\"castworks.co.jp\",selector=\"ed1\"} 90.0");
        ages.remove("cast.works/rsa1");
        ages.put("cast.works/rsa2", Duration.ofSeconds(5));
        s = metrics.scrape();
        assertFalse(s.contains("selector=\"rsa1\""), s);
        assertLine(s, "dkim_relay_key_age_seconds{domain=\"cast.works\",selector=\"rsa2\"} 5.0");
    }

    @Test
    void namesTheRsaProviderAsTheStartupLineDoes() {
        assertLine(metrics.scrape(), "dkim_relay_crypto_info{rsa=\"" + CryptoProvider.describe() + "\"} 1");
        assertTrue(CryptoProvider.describe().startsWith("accp ") || CryptoProvider.describe().startsWith("jdk ("));
    }

    @Test
    void knownDomainsStartAtZero() {
        metrics.knownDomains(java.util.List.of("cast.works", "CastWorks.co.jp"));
        String s = metrics.scrape();
        assertLine(s, "dkim_relay_messages_accepted_total{domain=\"cast.works\"} 0.0");
        assertLine(s, "dkim_relay_messages_accepted_total{domain=\"castworks.co.jp\"} 0.0");
    }

    @Test
    void labelValuesAreCapped() {
        for (int i = 0; i < RelayMetrics.MAX_LABEL_VALUES + 50; i++) {
            metrics.messageAccepted("d" + i + ".example");
        }
        String s = metrics.scrape();
        assertEquals(RelayMetrics.MAX_LABEL_VALUES + 1,
                s.lines().filter(l -> l.startsWith("dkim_relay_messages_accepted_total{")).count());
        assertLine(s, "dkim_relay_messages_accepted_total{domain=\"other\"} 50.0");
    }
}

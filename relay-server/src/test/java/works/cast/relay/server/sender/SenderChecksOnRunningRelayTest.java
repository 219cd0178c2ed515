package works.cast.relay.server.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.dns.Dnsmasq;

/**
 * A running relay checks its signing domains through relay.dns.servers (a real dnsmasq on loopback) and publishes
 * the results as dkim_relay_domain_check on /metrics: 1 for what holds, 0 for what does not.
 */
class SenderChecksOnRunningRelayTest {

    @TempDir
    Path dir;

    @Test
    void gaugesFollowWhatDnsServes() throws Exception {
        Dnsmasq.requireTool(Dnsmasq.BINARY, "dnsmasq");
        // cast.works's key exists before the start, so that its record can be served; castworks.co.jp gets
        // development keys that are published nowhere.
        SelectorKey k = new KeyStore(dir.resolve("keys")).generate(new Domain("cast.works"), KeyAlgorithm.ED25519,
                Optional.of("e1"), true, Clock.systemUTC());
        List<Dnsmasq.Txt> records = new ArrayList<>(List.of(
                new Dnsmasq.Txt(DnsTxtRecord.owner("e1", "cast.works"), List.of(DnsTxtRecord.value(k.key()))),
                new Dnsmasq.Txt("_dmarc.cast.works", List.of("v=DMARC1; p=quarantine")),
                new Dnsmasq.Txt("cast.works", List.of("v=spf1 -all"))));
        try (Dnsmasq dns = Dnsmasq.start(records, List.of("works", "jp"));
             TestRelay relay = TestRelay.start(dir, """
                     http { enabled = true, port = 0 }
                     dns.servers = [ "%s" ]
                     sender-checks.enabled = true
                     """.formatted(dns.server()))) {
            int http = relay.relay.httpPort().orElseThrow();
            assertEquals(1, await(http, "cast.works", "dmarc-record"));
            assertEquals(1, await(http, "cast.works", "dmarc-enforced"));
            assertEquals(1, await(http, "cast.works", "spf-record"));
            assertEquals(1, await(http, "cast.works", "dkim-records"));
            assertEquals(0, await(http, "castworks.co.jp", "dmarc-record"));
            assertEquals(0, await(http, "castworks.co.jp", "spf-record"));
            assertEquals(0, await(http, "castworks.co.jp", "dkim-records"));
        }
    }

    /** The gauge's value once the first round has published it; bounded to 20 seconds. */
    private static int await(int http, String domain, String check) throws Exception {
        Pattern series = Pattern.compile("(?m)^dkim_relay_domain_check\\{(?=[^}]*check=\"" + Pattern.quote(check)
                + "\")(?=[^}]*domain=\"" + Pattern.quote(domain) + "\")[^}]*\\} (-?[0-9.]+)$");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String body = "";
        while (System.nanoTime() < deadline) {
            body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http
                    + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = series.matcher(body);
            if (m.find()) {
                return (int) Double.parseDouble(m.group(1));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no dkim_relay_domain_check for " + domain + " " + check + " in /metrics:\n" + body);
    }
}

package works.cast.relay.server.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.dns.DnsTxtResolver;
import works.cast.relay.server.dns.Dnsmasq;
import works.cast.relay.server.dns.TxtResult;

/** Published records against a real dnsmasq: matching, missing, another key, cut at 255, split, t=y, k=. */
class KeyCheckTest {

    static final Domain CAST = new Domain("cast.works");

    @TempDir
    static Path dir;
    static KeyStore store;
    static Dnsmasq dns;
    static KeyCheck check;
    static DnsTxtResolver resolver;

    static SelectorKey gen(String selector, KeyAlgorithm a) {
        return store.generate(CAST, a, Optional.of(selector), false, Clock.systemUTC());
    }

    static String name(String selector) {
        return DnsTxtRecord.owner(selector, "cast.works");
    }

    @BeforeAll
    static void publish() throws Exception {
        Dnsmasq.requireTool(Dnsmasq.BINARY, "dnsmasq");
        store = new KeyStore(dir);
        SelectorKey good = gen("good", KeyAlgorithm.RSA_2048);
        SelectorKey ed = gen("ed", KeyAlgorithm.ED25519);
        gen("missing", KeyAlgorithm.ED25519);
        gen("other", KeyAlgorithm.ED25519);
        SelectorKey cut = gen("cut", KeyAlgorithm.RSA_2048);
        SelectorKey testing = gen("testing", KeyAlgorithm.ED25519);
        SelectorKey wrongk = gen("wrongk", KeyAlgorithm.ED25519);
        SelectorKey separate = gen("separate", KeyAlgorithm.RSA_2048);
        SelectorKey dup = gen("dup", KeyAlgorithm.ED25519);
        String cutValue = DnsTxtRecord.value(cut.key()).substring(0, 255);
        List<String> sep = DnsTxtRecord.split(DnsTxtRecord.value(separate.key()));
        List<Dnsmasq.Txt> records = new ArrayList<>(List.of(
                new Dnsmasq.Txt(name("good"), DnsTxtRecord.split(DnsTxtRecord.value(good.key()))),
                new Dnsmasq.Txt(name("ed"), List.of(DnsTxtRecord.value(ed.key()))),
                new Dnsmasq.Txt(name("other"), List.of(DnsTxtRecord.value(ed.key()))),
                new Dnsmasq.Txt(name("cut"), List.of(cutValue)),
                new Dnsmasq.Txt(name("testing"), List.of(DnsTxtRecord.value(testing.key()) + "; t=y")),
                new Dnsmasq.Txt(name("wrongk"), List.of(DnsTxtRecord.value(wrongk.key()).replace("k=ed25519", "k=rsa"))),
                new Dnsmasq.Txt(name("separate"), List.of(sep.get(0) + sep.get(1))),
                new Dnsmasq.Txt(name("separate"), sep.subList(2, sep.size())),
                new Dnsmasq.Txt(name("dup"), List.of(DnsTxtRecord.value(dup.key()))),
                new Dnsmasq.Txt(name("dup"), List.of("v=DKIM1; k=ed25519; p="))));
        dns = Dnsmasq.start(records, List.of("cast.works", "castworks.co.jp"));
        resolver = new DnsTxtResolver(Optional.of(dns.server()), Duration.ofMillis(500), 2);
        check = new KeyCheck(resolver);
    }

    @AfterAll
    static void stop() throws Exception {
        if (dns != null) {
            dns.close();
        }
    }

    static KeyCheck.Result result(String selector) {
        SelectorKey k = store.load().selectors(CAST).stream().filter(s -> s.selector().equals(selector)).findFirst()
                .orElseThrow();
        return check.check(k);
    }

    static void expect(String selector, KeyCheck.Status status, String detailPart) {
        KeyCheck.Result r = result(selector);
        assertEquals(status, r.status(), selector + ": " + r.detail());
        assertTrue(r.detail().contains(detailPart), selector + ": " + r.detail());
    }

    @Test
    void matchingRecordsPass() {
        expect("good", KeyCheck.Status.MATCH, "ok");
        expect("ed", KeyCheck.Status.MATCH, "ok");
        assertTrue(result("good").published().get(0).size() >= 2, "the RSA record has several strings");
    }

    @Test
    void missingRecordIsNotFound() {
        expect("missing", KeyCheck.Status.NOT_FOUND, "NXDOMAIN");
    }

    @Test
    void recordOfAnotherKeyIsDifferent() {
        expect("other", KeyCheck.Status.DIFFERENT, "p= is another key");
    }

    @Test
    void recordCutAt255IsTruncated() {
        expect("cut", KeyCheck.Status.TRUNCATED, "cut at 255 bytes");
        assertEquals(255, result("cut").published().get(0).get(0).length());
    }

    @Test
    void recordSplitIntoSeparateRecordsIsTruncated() {
        expect("separate", KeyCheck.Status.TRUNCATED, "separate TXT records");
    }

    @Test
    void tagsThatDifferAreNamed() {
        expect("testing", KeyCheck.Status.DIFFERENT, "t=y");
        expect("wrongk", KeyCheck.Status.DIFFERENT, "k=rsa (expected k=ed25519)");
        expect("dup", KeyCheck.Status.DIFFERENT, "2 TXT records");
    }

    @Test
    void dnsFailureIsNotAMismatch() {
        SelectorKey k = store.load().selectors(CAST).get(0);
        KeyCheck.Result r = new KeyCheck(name -> new TxtResult.TempError("timed out")).check(k);
        assertEquals(KeyCheck.Status.DNS_ERROR, r.status());
    }
}

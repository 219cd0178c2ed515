package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.PemKeyWriter;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.dns.Dnsmasq;

class KeysCommandTest {

    static final Domain CAST = new Domain("cast.works");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run keys(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new KeysCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    Run keysIn(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--keys-dir", dir.toString()));
        return keys(a.toArray(String[]::new));
    }

    @Test
    void everySubcommandHasHelpAndTheCommonOptions() {
        for (String sub : List.of("generate", "list", "dns", "check", "publish", "rotate", "activate", "retire", "import")) {
            Run r = keys(sub, "--help");
            assertEquals(0, r.exit(), sub);
            for (String opt : List.of("--config", "--keys-dir", "--json", "--help")) {
                assertTrue(r.out().contains(opt), sub + " lacks " + opt + ":\n" + r.out());
            }
        }
        assertEquals(2, keys().exit(), "a subcommand is required");
    }

    @Test
    void generateListDnsRotateRetire() {
        Run g = keysIn("generate", "--domain", "cast.works", "--algorithm", "ed25519", "--selector", "e1", "--activate");
        assertEquals(0, g.exit(), g.err());
        assertTrue(g.out().startsWith("generated Ed25519 selector e1 for cast.works (active)"), g.out());
        assertTrue(g.out().contains("e1._domainkey.cast.works. IN TXT (\n    \"v=DKIM1; k=ed25519; \"\n    \"p="), g.out());

        Run dup = keysIn("generate", "--domain", "cast.works", "--algorithm", "ed25519", "--selector", "e1");
        assertEquals(1, dup.exit());
        assertEquals("dkim-relay keys generate: selector e1 already exists for cast.works\n", dup.err());
        Run badAlg = keysIn("generate", "--domain", "cast.works", "--algorithm", "rsa-1024");
        assertEquals(1, badAlg.exit());
        assertTrue(badAlg.err().contains("'rsa-1024' is not one of rsa-2048, rsa-3072, rsa-4096, ed25519"), badAlg.err());

        Run json = keysIn("generate", "--domain", "castworks.co.jp", "--json");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().startsWith("{\"domain\":\"castworks.co.jp\",\"selector\":\"s"), json.out());
        assertTrue(json.out().contains("\"algorithm\":\"rsa-sha256\",\"bits\":2048,\"state\":\"pending\""), json.out());

        Run list = keysIn("list");
        assertEquals(0, list.exit(), list.err());
        String[] lines = list.out().split("\n");
        assertEquals(3, lines.length, list.out());
        assertTrue(lines[0].startsWith("DOMAIN           SELECTOR  ALGORITHM       BITS  STATE"), list.out());
        assertTrue(lines[0].endsWith("DNS          RECORD"), list.out());
        assertTrue(lines[1].endsWith("not checked  -"), "no lookups unless asked for: " + lines[1]);
        assertTrue(lines[1].matches("cast\\.works\\s+e1\\s+ed25519-sha256\\s+256\\s+active\\s.*"), lines[1]);
        Run listJson = keysIn("list", "--domain", "cast.works", "--json");
        assertTrue(listJson.out().startsWith("{\"keys\":[{\"domain\":\"cast.works\",\"selector\":\"e1\""), listJson.out());
        Run unknown = keysIn("list", "--domain", "example.org");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().startsWith("dkim-relay keys list: unknown domain example.org"), unknown.err());

        Run rotate = keysIn("rotate", "--domain", "cast.works", "--algorithm", "ed25519");
        assertEquals(0, rotate.exit(), rotate.err());
        assertTrue(rotate.out().contains("new pending selector s"), rotate.out());
        assertTrue(rotate.out().contains("next steps:\n  1. publish"), rotate.out());
        assertTrue(rotate.out().contains("dkim-relay keys check --domain cast.works"), rotate.out());
        assertEquals(1, keysIn("rotate", "--domain", "example.org").exit());

        Run retire = keysIn("retire", "--domain", "cast.works", "--selector", "e1");
        assertEquals(0, retire.exit(), retire.err());
        assertTrue(retire.out().contains("grace period"), retire.out());
        assertTrue(retire.err().contains("warning: cast.works has no active selector now"), retire.err());

        Run dns = keysIn("dns", "--domain", "cast.works");
        assertEquals(0, dns.exit(), dns.err());
        assertTrue(dns.out().contains("; e1 (Ed25519) retired "), dns.out());
        assertTrue(dns.out().contains("remove after grace period\n; e1._domainkey.cast.works. IN TXT ("), dns.out());
        assertTrue(dns.out().contains("pending: publish, then dkim-relay keys activate\ns"), dns.out());
        assertTrue(dns.out().contains("; advice: SPF: publish one TXT record at cast.works"), dns.out());
        assertTrue(dns.out().contains("; advice: DMARC: publish a TXT record at _dmarc.cast.works"), dns.out());
        Run dnsJson = keysIn("dns", "--json");
        assertTrue(dnsJson.out().startsWith("{\"records\":["), dnsJson.out());
        assertTrue(dnsJson.out().contains("\"note\":\"retired "), dnsJson.out());
    }

    @Test
    void activateRefusesWithoutTheRecordUnlessForced() {
        keysIn("generate", "--domain", "cast.works", "--algorithm", "ed25519", "--selector", "e1");
        String nowhere = "127.0.0.1:9"; // discard port: nothing answers DNS there
        Run refused = keysIn("activate", "--domain", "cast.works", "--selector", "e1", "--dns", nowhere);
        assertEquals(1, refused.exit());
        assertTrue(refused.err().startsWith("dkim-relay keys activate: refusing to activate e1 for cast.works: DNS"
                + " record dns-error"), refused.err());
        Run forced = keysIn("activate", "--domain", "cast.works", "--selector", "e1", "--dns", nowhere, "--force",
                "--json");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.err().contains("activating anyway (--force)"), forced.err());
        assertTrue(forced.out().contains("\"forced\":true"), forced.out());
        assertEquals(SelectorState.ACTIVE, KeyStore.load(dir).selectors(CAST).get(0).state());
        assertEquals(1, keysIn("activate", "--domain", "cast.works", "--selector", "nope", "--force").exit());
    }

    @Test
    void importAdoptsKeysAndRefusesSmallOnes() throws Exception {
        Path pem = dir.resolve("in.pem");
        Files.writeString(pem, PemKeyWriter.pkcs8(KeyAlgorithm.ED25519.generate(new java.security.SecureRandom())));
        Path keysDir = dir.resolve("keys");
        Run ok = keys("import", "--domain", "cast.works", "--selector", "old", "--private", pem.toString(),
                "--keys-dir", keysDir.toString());
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().startsWith("imported Ed25519 selector old for cast.works (pending)"), ok.out());

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(768);
        Path small = dir.resolve("small.pem");
        Files.writeString(small, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(g.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Run tooSmall = keys("import", "--domain", "cast.works", "--selector", "small", "--private", small.toString(),
                "--keys-dir", keysDir.toString());
        assertEquals(1, tooSmall.exit());
        assertTrue(tooSmall.err().contains("RSA key of 768 bits is too small"), tooSmall.err());
        assertEquals(1, tooSmall.err().lines().count(), tooSmall.err());
    }

    @Test
    void keysDirComesFromTheConfigFile() throws Exception {
        Path conf = dir.resolve("relay.conf");
        Files.writeString(conf, "relay { keys-dir = \"" + dir.resolve("from-config") + "\" }\n");
        Run g = keys("generate", "--domain", "cast.works", "--algorithm", "ed25519", "--config", conf.toString());
        assertEquals(0, g.exit(), g.err());
        assertTrue(Files.isDirectory(dir.resolve("from-config").resolve("cast.works")));
        Run missing = keys("list", "--config", dir.resolve("nope.conf").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("nope.conf: no such file"), missing.err());
    }

    @Test
    void checkAgainstDnsmasq() throws Exception {
        Dnsmasq.requireTool(Dnsmasq.BINARY, "dnsmasq");
        KeyStore store = new KeyStore(dir);
        SelectorKey rsa = store.generate(CAST, KeyAlgorithm.RSA_2048, Optional.of("r1"), false, Clock.systemUTC());
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("e1"), false, Clock.systemUTC());
        try (Dnsmasq dns = Dnsmasq.start(List.of(
                new Dnsmasq.Txt("r1._domainkey.cast.works", DnsTxtRecord.split(DnsTxtRecord.value(rsa.key()))),
                new Dnsmasq.Txt("cast.works", List.of("v=spf1 mx -all")),
                new Dnsmasq.Txt("_dmarc.cast.works", List.of("v=DMARC1; p=reject"))), List.of("cast.works"))) {
            Run failing = keysIn("check", "--domain", "cast.works", "--dns", dns.server());
            assertEquals(1, failing.exit(), failing.out());
            assertTrue(failing.out().matches("(?s).*cast\\.works\\s+e1\\s+pending\\s+ed25519-sha256\\s+not-found.*"),
                    failing.out());
            assertTrue(failing.out().matches("(?s).*cast\\.works\\s+r1\\s+pending\\s+rsa-sha256\\s+match\\s+ok.*"),
                    failing.out());
            assertTrue(failing.out().contains("FAILED: 1 of 2 active and pending selectors do not match"), failing.out());
            assertTrue(failing.out().contains("sender: cast.works dmarc-record ok: p=reject at _dmarc.cast.works\n"),
                    failing.out());
            assertTrue(failing.out().contains("sender: cast.works dkim-records warning: no active selector\n"),
                    "pending selectors do not sign yet:\n" + failing.out());

            Run listed = keysIn("list", "--dns", dns.server());
            assertTrue(listed.out().lines().findFirst().orElse("").endsWith("DNS       RECORD"), listed.out());
            assertTrue(listed.out().matches("(?s).*cast\\.works\\s+e1\\s.*\\smissing\\s+-\n.*"), listed.out());
            assertTrue(listed.out().matches("(?s).*cast\\.works\\s+r1\\s.*\\smatching\\s+-\n.*"), listed.out());

            Run activated = keysIn("activate", "--domain", "cast.works", "--selector", "r1", "--dns", dns.server());
            assertEquals(0, activated.exit(), activated.err());
            assertEquals("", activated.err());
            Run refused = keysIn("activate", "--domain", "cast.works", "--selector", "e1", "--dns", dns.server());
            assertEquals(1, refused.exit());
            assertTrue(refused.err().contains("not-found"), refused.err());

            assertEquals(0, keysIn("retire", "--domain", "cast.works", "--selector", "e1").exit());
            Run passing = keysIn("check", "--dns", dns.server(), "--json");
            assertEquals(0, passing.exit(), passing.out() + passing.err());
            assertTrue(passing.out().startsWith("{\"ok\":true,\"dns\":\"127.0.0.77:"), passing.out());
            assertTrue(passing.out().contains("\"dmarc_policy\":\"reject\""), passing.out());
        }
    }

    /**
     * The sender checks after the selector table, through a real DNS server: DMARC found by the tree walk at the
     * organizational domain for a subdomain, a missing DMARC record and an SPF record that does not cover the
     * configured egress address as warnings, which leave the exit status at 0 while every selector matches.
     */
    @Test
    void checkPrintsTheSenderChecksOfEachDomain() throws Exception {
        Dnsmasq.requireTool(Dnsmasq.BINARY, "dnsmasq");
        KeyStore store = new KeyStore(dir);
        Domain mail = new Domain("mail.cast.works");
        Domain jp = new Domain("castworks.co.jp");
        List<Dnsmasq.Txt> records = new ArrayList<>();
        for (Domain d : List.of(CAST, mail, jp)) {
            SelectorKey k = store.generate(d, KeyAlgorithm.ED25519, Optional.of("e1"), true, Clock.systemUTC());
            records.add(new Dnsmasq.Txt(DnsTxtRecord.owner("e1", d.name()), List.of(DnsTxtRecord.value(k.key()))));
        }
        records.add(new Dnsmasq.Txt("cast.works", List.of("v=spf1 ip4:203.0.113.25 -all")));
        records.add(new Dnsmasq.Txt("_dmarc.cast.works", List.of("v=DMARC1; p=reject; sp=quarantine")));
        records.add(new Dnsmasq.Txt("mail.cast.works", List.of("v=spf1 ip4:203.0.113.25 -all")));
        records.add(new Dnsmasq.Txt("castworks.co.jp", List.of("v=spf1 ip4:198.51.100.7 -all")));
        Path conf = dir.resolve("relay.conf");
        Files.writeString(conf, "relay { delivery.mode = mx, sender-checks.egress-addresses = [ \"203.0.113.25\" ] }\n");
        try (Dnsmasq dns = Dnsmasq.start(records, List.of("works", "jp"))) {
            Run r = keysIn("check", "--dns", dns.server(), "--config", conf.toString());
            assertEquals(0, r.exit(), "sender-check warnings do not fail the check:\n" + r.out() + r.err());
            List<String> lines = r.out().lines().filter(l -> l.startsWith("sender: ")).toList();
            assertEquals(List.of(
                    "sender: cast.works dmarc-record ok: p=reject at _dmarc.cast.works",
                    "sender: cast.works dmarc-enforced ok: p=reject",
                    "sender: cast.works spf-record ok: v=spf1 at cast.works",
                    "sender: cast.works spf-egress ok: pass for 203.0.113.25",
                    "sender: cast.works dkim-records ok: e1 matching",
                    "sender: castworks.co.jp dmarc-record warning: none at _dmarc.castworks.co.jp or a parent;"
                            + " publish \"v=DMARC1; p=none\"",
                    "sender: castworks.co.jp dmarc-enforced warning: no DMARC record",
                    "sender: castworks.co.jp spf-record ok: v=spf1 at castworks.co.jp",
                    "sender: castworks.co.jp spf-egress warning: fail for 203.0.113.25 (matched -all at castworks.co.jp);"
                            + " add ip4:203.0.113.25",
                    "sender: castworks.co.jp dkim-records ok: e1 matching",
                    "sender: mail.cast.works dmarc-record ok: sp=quarantine at _dmarc.cast.works"
                            + " (parent of mail.cast.works)",
                    "sender: mail.cast.works dmarc-enforced ok: sp=quarantine",
                    "sender: mail.cast.works spf-record ok: v=spf1 at mail.cast.works",
                    "sender: mail.cast.works spf-egress ok: pass for 203.0.113.25",
                    "sender: mail.cast.works dkim-records ok: e1 matching"), lines, r.out());
            assertTrue(r.out().contains("sender checks: 3 warning(s), 0 unknown"), r.out());
            assertTrue(r.out().endsWith("ok: all 3 active and pending selectors match their DNS records\n"), r.out());

            Run json = keysIn("check", "--dns", dns.server(), "--config", conf.toString(), "--domain",
                    "mail.cast.works", "--json");
            assertEquals(0, json.exit(), json.err());
            assertTrue(json.out().contains("\"dmarc_found_at\":\"_dmarc.cast.works\",\"dmarc_policy\":\"quarantine\""),
                    json.out());
            assertTrue(json.out().contains("{\"check\":\"dmarc-record\",\"status\":\"ok\",\"value\":1,"), json.out());

            Run smarthost = keysIn("check", "--dns", dns.server(), "--domain", "castworks.co.jp");
            assertTrue(smarthost.out().contains("sender: castworks.co.jp spf-egress skipped: delivery.mode is directory,"
                    + " not mx\n"), smarthost.out());
        }
    }

    @Test
    void listShowsWhenARetiredRecordIsRevokedAndRemovedAndTheChangesToMakeByHand() throws Exception {
        java.time.Instant t = java.time.Instant.parse("2026-12-01T10:00:00Z");
        KeyStore store = new KeyStore(dir.resolve("keys"));
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("old"), true, Clock.fixed(t, java.time.ZoneOffset.UTC));
        store.generate(CAST, KeyAlgorithm.ED25519, Optional.of("new"), true,
                Clock.fixed(t.plusSeconds(3600), java.time.ZoneOffset.UTC));
        Path conf = dir.resolve("relay.conf");
        Files.writeString(conf, "relay { keys-dir = \"" + dir.resolve("keys") + "\", signing.rotation { grace = 10d,"
                + " remove-after = 40d } }\n");
        Run list = keys("list", "--config", conf.toString());
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().matches("(?s).*old .* retired .*not checked  revoke from 2026-12-11T11:00:00Z, remove from"
                + " 2027-01-10T11:00:00Z\n.*"), list.out());
        assertTrue(list.out().contains("records to change by hand (no dns-update for these domains):\n"
                + "  from 2026-12-11T11:00:00Z: replace the TXT record at old._domainkey.cast.works. by \"v=DKIM1; p=\""
                + " (old is revoked)\n"
                + "  from 2027-01-10T11:00:00Z: delete the TXT record at old._domainkey.cast.works.\n"), list.out());
        store.markRevoked(CAST, "old", Clock.fixed(t.plusSeconds(86400 * 11), java.time.ZoneOffset.UTC));
        assertTrue(keys("list", "--config", conf.toString()).out().contains("revoked 2026-12-12T10:00:00Z, remove from"
                + " 2027-01-10T11:00:00Z"));
        store.markRemoved(CAST, "old", Clock.fixed(t.plusSeconds(86400 * 41), java.time.ZoneOffset.UTC));
        assertTrue(keys("list", "--config", conf.toString()).out().contains("removed 2027-01-11T10:00:00Z"));
    }
}

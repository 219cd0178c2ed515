package works.cast.relay.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** relay.signing.dns-update and a domain's own dns-update and delegate-to, validated with file, line and key. */
class DnsUpdateConfigTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("relay.conf"), text);
    }

    private List<String> problems(String text) throws IOException {
        Path file = write(text);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.read(Optional.of(file), true));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static void assertHas(List<String> problems, String expected) {
        assertTrue(problems.contains(expected), () -> "expected <" + expected + "> in " + problems);
    }

    private Path secret(String mode) throws IOException {
        Path s = Files.writeString(dir.resolve("tsig.secret"), "c2VjcmV0\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString(mode));
        return s;
    }

    @Test
    void offByDefault() {
        SigningConfig s = ConfigLoader.read(Optional.empty(), true).signing();
        assertEquals(Optional.empty(), s.dnsUpdate());
        assertEquals(Optional.empty(), s.dnsUpdateFor("cast.works"));
        assertEquals(Optional.empty(), s.delegateTo("cast.works"));
    }

    @Test
    void relayWideBlockAndADomainsOwnBlockThatReplacesIt() throws IOException {
        Path secret = secret("rw-------");
        SigningConfig s = ConfigLoader.read(Optional.of(write("""
                relay.signing {
                  domains {
                    "cast.works" { }
                    "castworks.co.jp" {
                      dns-update { server = "192.0.2.54", zone = "co.jp.example", tsig { name = jp-key, secret-file = "%s" } }
                      delegate-to = "dkim.relay-ops.example"
                    }
                  }
                  dns-update { server = "192.0.2.53:5353", ttl = 5m, wait = 30s,
                               tsig { name = relay-key, algorithm = hmac-sha512, secret-file = "%s" } }
                }
                """.formatted(secret, secret))), true).signing();
        DnsUpdateConfig all = s.dnsUpdateFor("cast.works").orElseThrow();
        assertEquals("192.0.2.53:5353", all.describeServer());
        assertEquals(Optional.empty(), all.zone());
        assertEquals(Duration.ofMinutes(5), all.ttl());
        assertEquals(Duration.ofSeconds(30), all.publishWait());
        assertEquals("hmac-sha512", all.algorithm());
        DnsUpdateConfig jp = s.dnsUpdateFor("castworks.co.jp").orElseThrow();
        assertEquals("192.0.2.54:53", jp.describeServer());
        assertEquals(Optional.of("co.jp.example"), jp.zone());
        assertEquals("jp-key", jp.keyName());
        assertEquals("hmac-sha256", jp.algorithm());
        assertEquals(Duration.ofHours(1), jp.ttl());
        assertEquals(Optional.of("dkim.relay-ops.example"), s.delegateTo("castworks.co.jp"));
        assertEquals(Optional.empty(), s.delegateTo("cast.works"));
    }

    @Test
    void problemsNameFileLineAndKey() throws IOException {
        Path secret = secret("rw-r--r--");
        List<String> p = problems("""
                relay.signing {
                  domains {
                    "cast.works" {
                      dns-update { server = "ns.example", tsig { nme = x } }
                      delegate-to = "not a zone"
                    }
                  }
                  dns-update {
                    server = "192.0.2.53"
                    tsig { algorithm = hmac-md4, secret-file = "%s" }
                  }
                }
                """.formatted(secret));
        String f = dir.resolve("relay.conf").toString();
        assertHas(p, f + ":4: relay.signing.domains.\"cast.works\".dns-update.tsig.nme: unknown key, did you mean name?");
        assertHas(p, f + ":4: relay.signing.domains.\"cast.works\".dns-update.server: dns server \"ns.example\": not an"
                + " IP address or ip:port");
        assertHas(p, f + ":5: relay.signing.domains.\"cast.works\".delegate-to: \"not a zone\" is not a domain name"
                + " (the zone whose records the CNAMEs point to)");
        assertHas(p, f + ":10: relay.signing.dns-update.tsig.algorithm: \"hmac-md4\" is not one of hmac-sha256 |"
                + " hmac-sha384 | hmac-sha512 | hmac-sha224 | hmac-sha1");
        assertTrue(p.stream().anyMatch(x -> x.contains("relay.signing.dns-update.tsig.name: required with")), p::toString);
        assertHas(p, f + ":10: relay.signing.dns-update.tsig.secret-file: TSIG secret file " + secret
                + " is accessible by group or others; chmod 600 it");
    }

    @Test
    void keysWithoutAServerAreAMistake() throws IOException {
        List<String> p = problems("relay.signing.dns-update.tsig.name = relay-key\n");
        assertTrue(p.stream().anyMatch(x -> x.contains("relay.signing.dns-update.tsig.name: set, but"
                + " relay.signing.dns-update.server is not")), p::toString);
    }

    @Test
    void rotationEveryNeedsSomewhereToPublishAndRemovalComesAfterTheGrace() throws IOException {
        List<String> p = problems("relay.signing.rotation { every = 90d, grace = 10d, remove-after = 10d }\n");
        String f = dir.resolve("relay.conf").toString();
        assertHas(p, f + ":1: relay.signing.rotation.every: needs relay.signing.dns-update (or a domain's dns-update):"
                + " the relay publishes each new key's record itself before it signs with it");
        assertTrue(p.stream().anyMatch(x -> x.startsWith(f + ":1: relay.signing.rotation.remove-after: must be longer"
                + " than rotation.grace")), p::toString);
        RotationConfig defaults = ConfigLoader.read(Optional.empty(), true).signing().rotation();
        assertEquals(Optional.empty(), defaults.every());
        assertEquals(Duration.ofDays(7), defaults.grace());
        assertEquals(Duration.ofDays(30), defaults.removeAfter());
    }

    @Test
    void delegatedDomainsRotateLessOftenThanRecordsAreRemoved() throws IOException {
        Path secret = secret("rw-------");
        List<String> p = problems("""
                relay.signing {
                  domains { "cast.works" { delegate-to = "dkim.relay-ops.example" } }
                  dns-update { server = "192.0.2.53", tsig { name = relay-key, secret-file = "%s" } }
                  rotation { every = 20d }
                }
                """.formatted(secret));
        assertTrue(p.stream().anyMatch(x -> x.contains("relay.signing.rotation.every: must be longer than"
                + " rotation.remove-after (PT720H) with delegate-to")), p::toString);
    }

    @Test
    void checkConfigReadsTheTsigSecret() throws IOException {
        Path secret = secret("rw-------");
        Files.writeString(secret, "this is not base64!\n");
        Path conf = write("""
                relay.signing.dns-update { server = "192.0.2.53", tsig { name = relay-key, secret-file = "%s" } }
                """.formatted(secret));
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new works.cast.relay.server.cli.CheckConfigCommand());
        cl.setErr(new java.io.PrintWriter(err, true));
        assertEquals(2, cl.execute("--config", conf.toString()));
        assertTrue(err.toString().contains("dns-update of cast.works: TSIG secret file " + secret + ": not a base64"
                + " secret nor a key block with secret \"...\" (make one with tsig-keygen NAME)\n"), err.toString());
        assertEquals(1, err.toString().split("TSIG secret file", -1).length - 1, "once for both domains: " + err);
    }
}

package works.cast.relay.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.net.Cidr;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private RelayConfig load(String text) throws IOException {
        return ConfigLoader.read(Optional.of(write("relay.conf", text)), true);
    }

    /** Binding and validation without the checks of the files it names (keys, certificates). */
    private RelayConfig parse(String text) throws IOException {
        return ConfigLoader.read(Optional.of(write("relay.conf", text)), false);
    }

    /** The problems of a config that must fail, as rendered lines. */
    private List<String> problems(String text) throws IOException {
        Path file = write("relay.conf", text);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.read(Optional.of(file), true));
        return e.problems().stream().map(ConfigProblem::toString).collect(Collectors.toList());
    }

    private String file() {
        return dir.resolve("relay.conf").toString();
    }

    private static void assertHas(List<String> problems, String expected) {
        assertTrue(problems.contains(expected), () -> "expected <" + expected + "> in " + problems);
    }

    @Test
    void defaultsLoadFromReferenceConf() {
        RelayConfig c = ConfigLoader.read(Optional.empty(), true);
        assertEquals(Optional.empty(), c.source());
        assertEquals(List.of(new ListenerConfig("127.0.0.1", 2525, ListenerConfig.Tls.NONE)), c.smtp().listen());
        assertEquals(SmtpConfig.BareLf.REJECT, c.smtp().bareLf());
        assertFalse(c.smtp().proxyProtocol());
        assertEquals(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")), c.access().networks());
        assertTrue(c.access().requireTlsForAuth());
        assertEquals(Duration.ofSeconds(1), c.access().authFailureDelay());
        assertEquals(10, c.access().authFailures());
        assertEquals(Duration.ofMinutes(15), c.access().authFailureWindow());
        assertEquals(Path.of("keys"), c.keysDir());
        assertEquals(List.of("cast.works", "castworks.co.jp"), List.copyOf(c.signing().domains().keySet()));
        assertEquals(List.of(), c.signing().domains().get("cast.works").selectors());
        assertEquals("relaxed/relaxed", c.signing().canonicalization());
        assertEquals(SigningConfig.UnknownDomain.REJECT, c.signing().unknownDomain());
        assertTrue(c.signing().headers().contains("list-unsubscribe-post"));
        assertEquals(Optional.of(java.time.Duration.ofDays(6)), c.signing().expireAfter(), "queue max-age + 1d");
        assertEquals(Duration.ofMinutes(5), c.signing().rotation().checkInterval());
        assertEquals(DeliveryConfig.Mode.DIRECTORY, c.delivery().mode());
        assertEquals(Path.of("var/outbox"), c.delivery().directory());
        assertEquals(OutboundTls.REQUIRED, c.delivery().smarthost().tls());
        assertEquals(OutboundTls.OPPORTUNISTIC, c.delivery().mx().tls());
        assertEquals(Duration.ofSeconds(30), c.delivery().connectTimeout());
        assertEquals(Path.of("var/queue"), c.queue().dir());
        assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
                Duration.ofHours(1), Duration.ofHours(4)), c.queue().retry());
        assertEquals(Duration.ofDays(5), c.queue().maxAge());
        assertEquals(25L * 1024 * 1024, c.limits().messageSize());
        assertEquals(100L * 1024, c.limits().headerSize());
        assertEquals(20, c.limits().maxErrors());
        assertEquals(new HttpConfig(true, "127.0.0.1", 9025), c.http());
        assertEquals(LoggingConfig.Format.PLAIN, c.logging().format());
        assertEquals(TlsConfig.Profile.INTERMEDIATE, c.tls().profile());
        assertFalse(c.tls().configured());
    }

    @Test
    void fileOverridesDefaultsAndReplacesDomains() throws IOException {
        RelayConfig c = parse("""
                relay {
                  hostname = "relay.example.org"
                  signing.domains { "Example.ORG" { selectors = [ s2025, ed1 ] } }
                  signing.expire-after = 7d
                  smtp.bare-lf = normalize
                  delivery { mode = smarthost, smarthost { host = "smtp.example.net", tls = starttls } }
                  limits.message-size = 10MB
                  logging.format = json
                }
                """);
        assertEquals(Optional.of(write("relay.conf", "")).map(Path::getFileName),
                c.source().map(Path::getFileName));
        assertEquals("relay.example.org", c.hostname());
        assertEquals(Map.of("example.org", new DomainConfig("example.org", List.of("s2025", "ed1"))),
                c.signing().domains());
        assertEquals(Optional.of(Duration.ofDays(7)), c.signing().expireAfter());
        assertEquals(SmtpConfig.BareLf.NORMALIZE, c.smtp().bareLf());
        assertEquals(Optional.of("smtp.example.net"), c.delivery().smarthost().host());
        assertEquals(OutboundTls.REQUIRED, c.delivery().smarthost().tls());
        assertEquals(10_000_000L, c.limits().messageSize());
        assertEquals(LoggingConfig.Format.JSON, c.logging().format());
    }

    @Test
    void unknownKeyIsReportedWithFileAndLine() throws IOException {
        List<String> p = problems("""
                relay {
                  smtp {
                    bare-fl = reject
                  }
                  signing.domains { "cast.works" { selector = s1 } }
                  frobnicate = 1
                }
                """);
        assertHas(p, file() + ":3: relay.smtp.bare-fl: unknown key, did you mean bare-lf?");
        assertHas(p, file() + ":5: relay.signing.domains.\"cast.works\".selector: unknown key, did you mean selectors?");
        assertHas(p, file() + ":6: relay.frobnicate: unknown key");
        assertEquals(3, p.size(), p::toString);
    }

    @Test
    void unknownKeyInListenerEntry() throws IOException {
        List<String> p = problems("""
                relay.smtp.listen = [
                  { address = "127.0.0.1", port = 2525, tsl = none }
                ]
                """);
        assertHas(p, file() + ":2: relay.smtp.listen[0].tsl: unknown key, did you mean tls?");
    }

    @Test
    void wrongTypesAndEnums() throws IOException {
        List<String> p = problems("""
                relay {
                  smtp.proxy-protocol = maybe
                  limits.recipients = "many"
                  limits.command-timeout = soon
                  limits.message-size = lots
                  delivery.mode = pigeon
                  tls.profile = ancient
                  tls = { protocols = [ "SSLv3" ] }
                  queue.retry = []
                }
                """);
        assertHas(p, file() + ":2: relay.smtp.proxy-protocol: expected true or false, got string");
        assertHas(p, file() + ":3: relay.limits.recipients: expected a number, got string");
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":4: relay.limits.command-timeout: expected a duration")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":5: relay.limits.message-size: expected a size")), p::toString);
        assertHas(p, file() + ":6: relay.delivery.mode: \"pigeon\" is not one of directory | smarthost | mx");
        assertHas(p, file() + ":7: relay.tls.profile: \"ancient\" is not one of modern | intermediate | legacy");
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":8: relay.tls.protocols: unknown protocol \"SSLv3\"")), p::toString);
        assertHas(p, file() + ":9: relay.queue.retry: needs at least one duration");
        assertEquals(8, p.size(), p::toString);
    }

    @Test
    void proxyProtocolNeedsTrustedProxies() throws IOException {
        List<String> p = problems("""
                relay {
                  smtp.proxy-protocol = true
                }
                """);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":2: relay.smtp.trusted-proxies: required when "
                + "relay.smtp.proxy-protocol = true")), p::toString);
        assertEquals(1, p.size(), p::toString);

        List<String> bad = problems("""
                relay.smtp.proxy-protocol = true
                relay.smtp.trusted-proxies = [ "10.0.0.1/33" ]
                """);
        assertTrue(bad.stream().anyMatch(s -> s.startsWith(file() + ":2: relay.smtp.trusted-proxies: \"10.0.0.1/33\" "
                + "is not a network")), bad::toString);

        RelayConfig ok = load("""
                relay.smtp.proxy-protocol = true
                relay.smtp.trusted-proxies = [ "10.0.0.5/32", "fd00::/64" ]
                """);
        assertEquals(2, ok.smtp().trustedProxies().size());
    }

    @Test
    void authFailureLimitsAreChecked() throws IOException {
        List<String> p = problems("""
                relay.access.auth-failures = 0
                relay.access.auth-failure-window = never
                """);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":1: relay.access.auth-failures:")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":2: relay.access.auth-failure-window: expected a "
                + "duration")), p::toString);
    }

    @Test
    void portRanges() throws IOException {
        List<String> p = problems("""
                relay {
                  smtp.listen = [ { address = "127.0.0.1", port = 70000, tls = none } ]
                  http.port = -1
                  delivery.smarthost.port = 0
                  delivery.mx.port = 2.5
                }
                """);
        assertHas(p, file() + ":2: relay.smtp.listen[0].port: must be a whole number in 0..65535, got 70000");
        assertHas(p, file() + ":3: relay.http.port: must be a whole number in 0..65535, got -1");
        assertHas(p, file() + ":4: relay.delivery.smarthost.port: must be a whole number in 1..65535, got 0");
        assertHas(p, file() + ":5: relay.delivery.mx.port: must be a whole number in 1..65535, got 2.5");
    }

    @Test
    void badNetworksAndAddresses() throws IOException {
        List<String> p = problems("""
                relay {
                  access.networks = [ "10.0.0.0/8", "10.0.0.0/40", "intranet" ]
                  http.address = "localhost"
                  delivery.mx.dns-servers = [ "192.0.2.53", "192.0.2.53:5353", "ns1.example" ]
                }
                """);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":2: relay.access.networks: \"10.0.0.0/40\" is not a network")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":2: relay.access.networks: \"intranet\" is not a network")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":3: relay.http.address: not an IP address literal")), p::toString);
        assertHas(p, file() + ":4: relay.delivery.mx.dns-servers: \"ns1.example\" is not an IP address or ip:port");
        assertEquals(4, p.size(), p::toString);
    }

    @Test
    void dnsServersWithTheOlderMxNameAsAlias() throws IOException {
        RelayConfig c = parse("relay.dns.servers = [ \"192.0.2.53\", \"[2001:db8::53]:5353\" ]\n");
        assertEquals(List.of("192.0.2.53", "[2001:db8::53]:5353"), c.delivery().mx().dnsServers());
        assertEquals(2, c.dns().addresses().size());
        assertEquals(5353, c.dns().addresses().get(1).getPort());
        RelayConfig alias = parse("relay.delivery.mx.dns-servers = [ \"192.0.2.54:53\" ]\n");
        assertEquals("192.0.2.54:53", alias.dns().describe());
        assertTrue(parse("relay { }\n").dns().isSystem());
        List<String> p = problems("""
                relay {
                  dns.servers = [ "192.0.2.53", "resolver.example" ]
                  delivery.mx.dns-servers = [ "192.0.2.99" ]
                }
                """);
        assertHas(p, file() + ":2: relay.dns.servers: \"resolver.example\" is not an IP address or ip:port");
        assertHas(p, file() + ":3: relay.delivery.mx.dns-servers: differs from relay.dns.servers (the same setting under its older name): set only relay.dns.servers");
    }

    @Test
    void tlsListenerNeedsCertificate() throws IOException {
        List<String> p = problems("""
                relay.smtp.listen = [
                  { address = "127.0.0.1", port = 2525, tls = none }
                  { address = "127.0.0.1", port = 2465, tls = implicit }
                ]
                """);
        assertEquals(List.of(file() + ":3: relay.smtp.listen[1].tls: tls = implicit needs relay.tls.certificate"
                + " and relay.tls.private-key"), p);
    }

    @Test
    void duplicateListener() throws IOException {
        List<String> p = problems("""
                relay.smtp.listen = [
                  { address = "127.0.0.1", port = 2525, tls = none }
                  { address = "127.0.0.1", port = 2525, tls = none }
                ]
                """);
        assertEquals(List.of(file() + ":3: relay.smtp.listen[1].port: another listener already uses 127.0.0.1 port 2525"), p);
    }

    @Test
    void smarthostModeNeedsHostAndMissingKeyUsesParentOrigin() throws IOException {
        List<String> p = problems("""
                relay {
                  delivery {
                    mode = smarthost
                    smarthost {
                      auth.user = "relay"
                    }
                  }
                }
                """);
        assertHas(p, file() + ":4: relay.delivery.smarthost.host: required when relay.delivery.mode = smarthost");
        assertTrue(p.stream().anyMatch(s -> s.startsWith(file() + ":5: relay.delivery.smarthost.auth.password: ")),
                p::toString);
    }

    @Test
    void signingRules() throws IOException {
        List<String> p = problems("""
                relay.signing {
                  domains { "bad_domain" { }, "ok.example" { selectors = [ "s 1" ] } }
                  headers = [ subject, date ]
                  oversign = [ subject, "x:y" ]
                  canonicalization = "relaxed/loose"
                }
                """);
        assertHas(p, file() + ":2: relay.signing.domains.bad_domain: not a domain name");
        assertHas(p, file() + ":2: relay.signing.domains.\"ok.example\".selectors: \"s 1\" is not a selector (RFC 6376 section 3.1)");
        assertHas(p, file() + ":3: relay.signing.headers: must include from (RFC 6376 section 5.4)");
        assertHas(p, file() + ":4: relay.signing.oversign: \"x:y\" is not a header field name");
        assertHas(p, file() + ":5: relay.signing.canonicalization: \"relaxed/loose\" is not simple|relaxed[/simple|relaxed]");
    }

    @Test
    void queueActiveLimitIsReadAndChecked() throws IOException {
        assertEquals(2000, load("relay.queue.dir = q").queue().activeLimit());
        assertEquals(50, load("relay.queue.active-limit = 50").queue().activeLimit());
        List<String> p = problems("""
                relay {
                  queue.active-limit = 0
                }
                """);
        assertEquals(List.of(file() + ":2: relay.queue.active-limit: must be a whole number in 1..1000000, got 0"), p);
    }

    @Test
    void singleCanonicalizationWordMeansSimpleBody() throws IOException {
        assertEquals("relaxed/simple", load("relay.signing.canonicalization = relaxed").signing().canonicalization());
    }

    @Test
    void multipleProblemsAreReportedTogetherInFileOrder() throws IOException {
        List<String> p = problems("""
                relay {
                  hostname = "bad host"
                  limits.recipients = 0
                  logging.format = xml
                }
                """);
        assertEquals(List.of(
                file() + ":2: relay.hostname: not a host name: \"bad host\"",
                file() + ":3: relay.limits.recipients: must be a whole number in 1..100000, got 0",
                file() + ":4: relay.logging.format: \"xml\" is not one of plain | json"), p);
    }

    @Test
    void syntaxErrorHasFileAndLine() throws IOException {
        List<String> p = problems("""
                relay {
                  hostname = "a"
                  smtp { listen = [ }
                }
                """);
        assertEquals(1, p.size(), p::toString);
        assertTrue(p.get(0).startsWith(file() + ":3: "), p::toString);
    }

    @Test
    void missingExplicitFileIsAProblem() {
        Path missing = dir.resolve("nope.conf");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.read(Optional.of(missing), true));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    @Test
    void usersFileReadableByOthersIsRefused() throws IOException {
        Path users = write("users", "");
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r-----"));
        List<String> p = problems("relay.access.users-file = \"" + users + "\"\n");
        assertEquals(List.of(file() + ":1: relay.access.users-file: users file " + users
                + " is accessible by group or others; chmod 600 it"), p);
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.of(users), load("relay.access.users-file = \"" + users + "\"\n").access().usersFile());
    }

    @Test
    void tlsFilesAreChecked() throws IOException {
        Path cert = write("cert.pem", "x");
        Path key = write("key.pem", "x");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        String text = "relay.tls { certificate = \"" + cert + "\", private-key = \"" + key + "\" }\n"
                + "relay.access.users-file = \"" + dir.resolve("users") + "\"\n";
        List<String> p = problems(text);
        assertEquals(List.of(
                file() + ":1: relay.tls.private-key: private key " + key + " is accessible by group or others; chmod 600 it",
                file() + ":2: relay.access.users-file: users file " + dir.resolve("users") + " does not exist"), p);

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Files.delete(cert);
        p = problems("relay.tls { certificate = \"" + cert + "\", private-key = \"" + key + "\" }\n");
        assertEquals(List.of(file() + ":1: relay.tls.certificate: certificate " + cert + " does not exist"), p);

        write("cert.pem", "x");
        RelayConfig ok = load("relay.tls { certificate = \"" + cert + "\", private-key = \"" + key + "\" }\n"
                + "relay.smtp.listen = [ { address = \"::1\", port = 0, tls = starttls } ]\n");
        assertTrue(ok.tls().configured());
        assertEquals(ListenerConfig.Tls.STARTTLS, ok.smtp().listen().get(0).tls());
    }

    @Test
    void certificateWithoutKey() throws IOException {
        Path cert = write("cert.pem", "x");
        List<String> p = problems("relay.tls.certificate = \"" + cert + "\"\n");
        assertEquals(List.of(file() + ":1: relay.tls.private-key: needed together with certificate"), p);
    }

    @Test
    void unresolvedSubstitutionIsAProblem() throws IOException {
        List<String> p = problems("relay.hostname = ${NO_SUCH_VARIABLE_FOR_DKIM_RELAY_TEST}\n");
        assertEquals(1, p.size(), p::toString);
        assertTrue(p.get(0).startsWith(file() + ":1: "), p::toString);
    }

    @Test
    void selectionOrder() {
        Path explicit = Path.of("a.conf");
        assertEquals(Optional.of(explicit), ConfigLoader.select(Optional.of(explicit), k -> "b.conf"));
        assertEquals(Optional.of(Path.of("b.conf")), ConfigLoader.select(Optional.empty(),
                k -> ConfigLoader.ENV.equals(k) ? "b.conf" : null));
        // The tests run in relay-server/, which has no conf/relay.conf.
        assertEquals(Optional.empty(), ConfigLoader.select(Optional.empty(), k -> null));
    }

    @Test
    void exampleDevelopmentConfigLoads() {
        RelayConfig c = ConfigLoader.read(Optional.of(Path.of("..", "conf", "relay.conf")), true);
        assertEquals(DeliveryConfig.Mode.DIRECTORY, c.delivery().mode());
        assertEquals(2525, c.smtp().listen().get(0).port());
    }

    @Test
    void exampleProductionConfigValidatesWithoutItsFiles() {
        RelayConfig c = ConfigLoader.read(Optional.of(Path.of("..", "conf", "relay.production.conf")), false);
        assertEquals(DeliveryConfig.Mode.SMARTHOST, c.delivery().mode());
        assertEquals(OutboundTls.REQUIRED, c.delivery().smarthost().tls());
        assertEquals(Optional.of("cast-works"), c.delivery().smarthost().user());
        assertTrue(c.delivery().smarthost().password().isPresent());
        assertEquals(Path.of("/var/lib/dkim-relay/keys"), c.keysDir());
        assertEquals(Path.of("/var/lib/dkim-relay/queue"), c.queue().dir());
        assertEquals(List.of(587, 465), c.smtp().listen().stream().map(ListenerConfig::port).toList());
        assertEquals(LoggingConfig.Format.JSON, c.logging().format());
        assertEquals(Optional.of(Path.of("/etc/dkim-relay/users")), c.access().usersFile());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.read(Optional.of(Path.of("..", "conf", "relay.production.conf")), true));
        assertTrue(e.problems().stream().anyMatch(p -> p.path().equals("relay.tls.certificate")), e::getMessage);
    }

    @Test
    void pinnedSelectorsNeedTheirKeyFilePrivate() throws IOException {
        Path keys = dir.resolve("keys");
        Files.createDirectories(keys.resolve("cast.works"));
        Path open = Files.writeString(keys.resolve("cast.works/open.private"), "pem");
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        List<String> p = problems("relay {\n  keys-dir = \"" + keys + "\"\n"
                + "  signing.domains { \"cast.works\" { selectors = [ open, missing ] } }\n}\n");
        assertHas(p, file() + ":3: relay.signing.domains.\"cast.works\".selectors: selector missing has no key: "
                + keys.resolve("cast.works/missing.private") + " does not exist");
        assertHas(p, file() + ":3: relay.signing.domains.\"cast.works\".selectors: private key "
                + open + " is accessible by group or others; chmod 600 it");
    }

    @Test
    void loopAndPoolLimitsBindWithTheirDefaults() throws IOException {
        RelayConfig d = ConfigLoader.read(Optional.empty(), true);
        assertEquals(50, d.limits().hopCount());
        assertEquals(false, d.delivery().mx().allowLoopback());
        assertEquals(1000, d.delivery().mx().cachedDestinations());
        RelayConfig c = parse("relay {\n  limits.hop-count = 30\n"
                + "  delivery.mx { allow-loopback = true, cached-destinations = 5 }\n}\n");
        assertEquals(30, c.limits().hopCount());
        assertEquals(true, c.delivery().mx().allowLoopback());
        assertEquals(5, c.delivery().mx().cachedDestinations());
        List<String> p = problems("relay {\n  limits.hop-count = 0\n"
                + "  delivery.mx { allow-loopback = maybe\n cached-destinations = 0 }\n}\n");
        assertHas(p, file() + ":2: relay.limits.hop-count: must be a whole number in 1..1000, got 0");
        assertTrue(p.stream().anyMatch(x -> x.startsWith(file() + ":3: relay.delivery.mx.allow-loopback: ")), p::toString);
        assertHas(p, file() + ":4: relay.delivery.mx.cached-destinations: must be a whole number in 1..1000000, got 0");
    }
}

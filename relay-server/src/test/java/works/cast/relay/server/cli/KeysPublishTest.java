package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.dns.NamedServer;

/**
 * {@code keys publish} and {@code keys generate|rotate --publish} against a real BIND named on loopback that takes
 * RFC 2136 updates signed with a tsig-keygen key, limited by update-policy to TXT records under _domainkey.
 */
class KeysPublishTest {

    static final Domain CAST = new Domain("cast.works");
    static final String FOREIGN = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsomeoneelses";

    @TempDir
    static Path shared;
    static NamedServer named;

    @TempDir
    Path dir;

    @BeforeAll
    static void startNamed() throws Exception {
        named = NamedServer.start(shared.resolve("named"), "relay-key", List.of(
                new NamedServer.Zone("cast.works", "grant relay-key subdomain _domainkey.cast.works. TXT;",
                        List.of("taken._domainkey IN TXT \"" + FOREIGN + "\"")),
                // the key may change A records only: TXT updates are REFUSED
                new NamedServer.Zone("castworks.co.jp", "grant relay-key subdomain castworks.co.jp. A;", List.of())));
    }

    @AfterAll
    static void stopNamed() {
        if (named != null) {
            named.close();
        }
    }

    Path config(String server, Path secretFile) throws Exception {
        return config(server, secretFile, "");
    }

    Path config(String server, Path secretFile, String zoneLine) throws Exception {
        Path conf = dir.resolve("relay.conf");
        Files.writeString(conf, """
                relay {
                  keys-dir = "%s"
                  dns.servers = [ "%s" ]
                  signing {
                    domains { "cast.works" { }, "castworks.co.jp" { } }
                    dns-update {
                      server = "%s"
                      ttl = 5m
                      wait = 10s
                      %s
                      tsig { name = relay-key, secret-file = "%s" }
                    }
                  }
                }
                """.formatted(dir.resolve("keys"), named.server(), server, zoneLine, secretFile));
        return conf;
    }

    Path goodConfig() throws Exception {
        return config(named.server(), named.writeSecret(dir.resolve("tsig.secret"), named.secret()));
    }

    KeysCommandTest.Run keys(Path conf, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", conf.toString()));
        return KeysCommandTest.keys(a.toArray(String[]::new));
    }

    SelectorKey selector(String name) {
        return new KeyStore(dir.resolve("keys")).load().selectors(CAST).stream()
                .filter(k -> k.selector().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void generateRotatePublishAndMailSignedByTheNewSelectorVerifiesInDkimpy() throws Exception {
        ExternalTools.requirePython3DkimEd25519();
        // the secret file as tsig-keygen printed it (a key block), private to this user
        Path secret = dir.resolve("relay.key");
        Files.copy(named.keyBlock(), secret);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path conf = config(named.server(), secret);

        KeysCommandTest.Run g = keys(conf, "generate", "--domain", "cast.works", "--selector", "s1", "--activate",
                "--publish");
        assertEquals(0, g.exit(), g.err() + named.log());
        assertTrue(g.out().contains("published TXT s1._domainkey.cast.works at " + named.server() + " (added)"),
                g.out());
        SelectorKey s1 = selector("s1");
        assertEquals(SelectorState.ACTIVE, s1.state());
        assertEquals(List.of(DnsTxtRecord.value(s1.key())), named.txt("s1._domainkey.cast.works"));

        KeysCommandTest.Run r = keys(conf, "rotate", "--domain", "cast.works", "--publish");
        assertEquals(0, r.exit(), r.err());
        SelectorKey next = new KeyStore(dir.resolve("keys")).load().selectors(CAST).stream()
                .filter(k -> k.state() == SelectorState.PENDING).findFirst().orElseThrow();
        assertTrue(r.out().contains("published TXT " + next.selector() + "._domainkey.cast.works"), r.out());
        assertEquals(List.of(DnsTxtRecord.value(next.key())), named.txt(next.selector() + "._domainkey.cast.works"));
        // RSA-2048: the value is longer than 255 bytes, so it went out as several strings
        assertTrue(DnsTxtRecord.value(next.key()).length() > 255);

        KeysCommandTest.Run again = keys(conf, "publish", "--domain", "cast.works");
        assertEquals(0, again.exit(), again.err());
        assertEquals(2, again.out().split("\\(already there\\)", -1).length - 1, again.out());

        KeysCommandTest.Run check = keys(conf, "check", "--domain", "cast.works");
        assertEquals(0, check.exit(), check.out() + check.err());
        KeysCommandTest.Run a = keys(conf, "activate", "--domain", "cast.works", "--selector", next.selector());
        assertEquals(0, a.exit(), a.err());

        Path signed = dir.resolve("signed.eml");
        Files.write(signed, sign(next));
        assertEquals("0 1 [True]", dkimpyAgainst(signed));
        Files.write(signed, new String(sign(next), StandardCharsets.US_ASCII).replace("Hello", "Jello")
                .getBytes(StandardCharsets.US_ASCII));
        String changed = dkimpyAgainst(signed);
        assertTrue(changed.startsWith("1 ") && changed.contains("body hash mismatch"), "the check can fail: " + changed);
    }

    @Test
    void aGivenZoneIsUsedWithoutAnSoaLookupAndAWrongOneIsNotzone() throws Exception {
        Path secret = named.writeSecret(dir.resolve("tsig.secret"), named.secret());
        KeysCommandTest.Run ok = keys(config(named.server(), secret, "zone = \"cast.works.\""), "generate", "--domain",
                "cast.works", "--selector", "z1", "--publish");
        assertEquals(0, ok.exit(), ok.err());
        assertEquals(1, named.txt("z1._domainkey.cast.works").size());
        KeysCommandTest.Run wrong = keys(config(named.server(), secret, "zone = \"castworks.co.jp\""), "generate",
                "--domain", "cast.works", "--selector", "z2", "--publish");
        assertEquals(1, wrong.exit(), wrong.out());
        assertTrue(wrong.err().contains("failed: NOTZONE: the name is not inside the zone (check dns-update.zone)"),
                wrong.err());
        assertFalse(Files.exists(dir.resolve("keys/cast.works/z2.private")));
    }

    @Test
    void neverOverwritesADifferentRecordAndLeavesTheStoreAlone() throws Exception {
        Path conf = goodConfig();
        KeysCommandTest.Run g = keys(conf, "generate", "--domain", "cast.works", "--selector", "taken", "--publish");
        assertEquals(1, g.exit(), g.out());
        assertEquals(1, g.err().strip().lines().count(), g.err());
        assertTrue(g.err().contains("another TXT record is already there (YXRRSET)"), g.err());
        assertEquals(List.of(FOREIGN), named.txt("taken._domainkey.cast.works"));
        assertFalse(Files.exists(dir.resolve("keys/cast.works/taken.private")));
    }

    @Test
    void wrongSecretFailsWithTheDnsReasonAndChangesNothing() throws Exception {
        Path wrong = named.writeSecret(dir.resolve("wrong.secret"), "c2VjcmV0IHRoYXQgaXMgbm90IHRoZSBzZXJ2ZXIncw==");
        Path conf = config(named.server(), wrong);
        KeysCommandTest.Run g = keys(conf, "generate", "--domain", "cast.works", "--selector", "w1", "--publish");
        assertEquals(1, g.exit(), g.out());
        assertEquals(1, g.err().strip().lines().count(), g.err());
        assertTrue(g.err().startsWith("dkim-relay keys generate: "), g.err());
        assertTrue(g.err().contains("NOTAUTH (TSIG BADSIG)"), g.err());
        assertEquals(List.of(), named.txt("w1._domainkey.cast.works"));
        assertFalse(Files.exists(dir.resolve("keys/cast.works")) && new KeyStore(dir.resolve("keys")).hasDomain(CAST),
                "nothing in the key store");
    }

    @Test
    void anUpdateThePolicyDoesNotAllowIsRefused() throws Exception {
        Path conf = goodConfig();
        KeysCommandTest.Run g = keys(conf, "generate", "--domain", "castworks.co.jp", "--selector", "j1", "--publish");
        assertEquals(1, g.exit(), g.out());
        assertTrue(g.err().contains("failed: REFUSED: the server's update policy does not let TSIG key relay-key"),
                g.err());
        assertEquals(List.of(), named.txt("j1._domainkey.castworks.co.jp"));
        assertFalse(Files.exists(dir.resolve("keys/castworks.co.jp/j1.private")));
    }

    @Test
    void aSecretFileOthersMayReadIsRefused() throws Exception {
        Path conf = goodConfig();
        Files.setPosixFilePermissions(dir.resolve("tsig.secret"), PosixFilePermissions.fromString("rw-r--r--"));
        KeysCommandTest.Run g = keys(conf, "generate", "--domain", "cast.works", "--selector", "o1", "--publish");
        assertEquals(1, g.exit(), g.out());
        assertTrue(g.err().contains("is accessible by group or others (mode rw-r--r--); chmod 600 it"), g.err());
        assertFalse(Files.exists(dir.resolve("keys/cast.works/o1.private")));
    }

    @Test
    void aServerThatNeverAnswersIsATimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            Thread accept = new Thread(() -> {
                List<Socket> held = new ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    held.forEach(s -> {
                        try {
                            s.close();
                        } catch (java.io.IOException ignored) {
                            // closing
                        }
                    });
                }
            });
            accept.setDaemon(true);
            accept.start();
            Path conf = config("127.0.0.1:" + silent.getLocalPort(),
                    named.writeSecret(dir.resolve("tsig.secret"), named.secret()));
            long start = System.nanoTime();
            KeysCommandTest.Run g = keys(conf, "generate", "--domain", "cast.works", "--selector", "t1", "--publish");
            assertEquals(1, g.exit(), g.out());
            assertTrue(g.err().contains("failed: timeout (no answer within 5s)"), g.err());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "bounded");
            assertFalse(Files.exists(dir.resolve("keys/cast.works/t1.private")));
        }
    }

    byte[] sign(SelectorKey k) {
        return sign(dir, k);
    }

    static byte[] sign(Path dir, SelectorKey k) {
        byte[] message = ("From: a@cast.works\r\nTo: b@example.net\r\nSubject: rotated\r\nDate: Fri, 4 Dec 2026 10:00:00"
                + " +0000\r\nMessage-ID: <r1@cast.works>\r\n\r\nHello from the new selector.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new SignCommand(new ByteArrayInputStream(message), out));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("--domain", "cast.works", "--selector", k.selector(), "--key",
                dir.resolve("keys/cast.works/" + k.selector() + ".private").toString());
        assertEquals(0, exit, err.toString());
        return out.toByteArray();
    }

    /** dkimpy verifies, looking keys up at named (dnspython pointed at it). */
    static String dkimpyAgainst(Path message) throws Exception {
        return dkimpyAgainst(message, named.port());
    }

    static String dkimpyAgainst(Path message, int port) throws Exception {
        String script = """
                import sys, dkim, dns.resolver
                r = dns.resolver.Resolver(configure=False)
                r.nameservers = ["%s"]; r.port = %d
                def lookup(name, timeout=5):
                    name = name.decode() if isinstance(name, bytes) else name
                    try:
                        a = r.resolve(name.rstrip("."), "TXT")
                    except Exception:
                        return None
                    return b"".join(b"".join(x.strings) for x in a[:1])
                m = open(sys.argv[1], "rb").read()
                d = dkim.DKIM(m)
                n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
                ok = [d.verify(idx=i, dnsfunc=lookup) for i in range(n)]
                print(n, ok)
                sys.exit(0 if n and all(ok) else 1)
                """.formatted(NamedServer.ADDRESS, port);
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, message.toString()).redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.exitValue() + " " + out;
    }
}

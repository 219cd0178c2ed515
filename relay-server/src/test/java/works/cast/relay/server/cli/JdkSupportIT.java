package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.interop.VerifyOutcome;
import works.cast.relay.server.RelayProcess;

/**
 * {@code bin/dkim-relay} with the packaged jar on Java 17 and on Java 25: RSA by ACCP, named alike by
 * {@code version} and the startup line, and nothing on stderr of {@code version}, {@code keys}, {@code sign},
 * {@code verify} or {@code run} but the JVM's one-line notice that {@code run} uses the Vector API incubator module.
 * The relay started on each JDK signs mail that dkimpy verifies.
 */
class JdkSupportIT {

    private static final Path LAUNCHER = Path.of("..", "bin", "dkim-relay").toAbsolutePath().normalize();
    private static final List<Path> JDKS = List.of(Path.of("/usr/lib/jvm/java-17-openjdk-amd64"),
            Path.of("/usr/lib/jvm/temurin-25-jdk-amd64"));
    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector";
    private static final String ACCP = "rsa=accp 2.5.0";

    @TempDir
    Path tmp;

    /** This test's own JDK and each of the JDKs CI runs the suite on, once each. */
    static Stream<Path> jdks() throws IOException {
        Set<Path> all = new LinkedHashSet<>();
        all.add(Path.of(System.getProperty("java.home")).toRealPath());
        for (Path jdk : JDKS) {
            if (Files.isExecutable(jdk.resolve("bin/java"))) {
                all.add(jdk.toRealPath());
            } else if (ExternalTools.isCi()) {
                fail(jdk + " is missing: CI runs the suite on Java 17 and 25");
            }
        }
        return all.stream();
    }

    record Result(int exit, String out, String err) {
    }

    private Result launch(Path jdk, byte[] stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().put("JAVA", jdk.resolve("bin/java").toString());
        pb.environment().put("DKIM_RELAY_JAR", RelayProcess.jar().toAbsolutePath().toString());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result launch(Path jdk, String... args) throws Exception {
        return launch(jdk, new byte[0], args);
    }

    private static void assertClean(Result r, String what) {
        assertEquals(0, r.exit(), what + ": " + r.err());
        assertEquals("", r.err(), what + " wrote to stderr");
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void commandsSignWithAccpAndWarnNothing(Path jdk) throws Exception {
        assumeTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " missing");
        Result version = launch(jdk, "version");
        assertClean(version, "version");
        assertTrue(version.out().contains(ACCP), version.out());

        Path keys = tmp.resolve("keys");
        assertClean(launch(jdk, "keys", "generate", "--domain", "cast.works", "--selector", "s1", "--keys-dir",
                keys.toString(), "--activate"), "keys generate");
        assertClean(launch(jdk, "keys", "list", "--keys-dir", keys.toString()), "keys list");

        byte[] message = ("From: App <app@cast.works>\r\nTo: someone@example.net\r\nSubject: on " + jdk.getFileName()
                + "\r\n\r\nHello.\r\n").getBytes(StandardCharsets.US_ASCII);
        Result signed = launch(jdk, message, "sign", "--domain", "cast.works", "--selector", "s1", "--key",
                keys.resolve("cast.works/s1.private").toString());
        assertClean(signed, "sign");
        Result verified = launch(jdk, signed.out().getBytes(StandardCharsets.ISO_8859_1), "verify", "--key-file",
                "s1._domainkey.cast.works=" + keys.resolve("cast.works/s1.txt"));
        assertClean(verified, "verify");
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void theRelayStartsWithAccpAndItsMailVerifiesInDkimpy(Path jdk) throws Exception {
        assumeTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " missing");
        Dkimpy dkimpy = Dkimpy.create();
        int port = RelayProcess.freePort();
        Path outbox = tmp.resolve("outbox");
        Path conf = RelayProcess.writeConfig(tmp, port, "signing.domains { \"cast.works\" { } }\n"
                + "delivery { mode = directory, directory = \"" + outbox + "\" }");
        List<String> cmd = List.of(LAUNCHER.toString(), "run", "--config", conf.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().put("JAVA", jdk.resolve("bin/java").toString());
        pb.environment().put("DKIM_RELAY_JAR", RelayProcess.jar().toAbsolutePath().toString());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Path out = tmp.resolve("relay.out");
        Path err = tmp.resolve("relay.err");
        Process relay = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String started = awaitLine(relay, out, "relay started");
            assertTrue(started.contains(" body-scan=vector " + ACCP), started);
            Result sent = launch(jdk, "send", "--from", "app@cast.works", "--to", "someone@example.net",
                    "--server", "127.0.0.1:" + port, "--subject", "from the relay on " + jdk.getFileName());
            assertClean(sent, "send");
            Path mail = awaitMail(outbox);
            VerifyOutcome v = dkimpy.verify(Files.readAllBytes(mail), dnsRecords(tmp.resolve("keys/cast.works")));
            assertTrue(v.allPass(), v.describe());
            assertEquals(2, v.signatures().size(), v.describe());
        } finally {
            relay.destroy();
            if (!relay.waitFor(60, TimeUnit.SECONDS)) {
                relay.destroyForcibly();
            }
        }
        assertEquals(List.of(INCUBATOR_NOTICE), Files.readAllLines(err), "stderr of run");
    }

    private static String awaitLine(Process relay, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log)) {
                if (line.contains(text)) {
                    return line;
                }
            }
            if (!relay.isAlive()) {
                fail("relay exited with " + relay.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        fail("no '" + text + "' within 60 s:\n" + Files.readString(log));
        return null;
    }

    private static Path awaitMail(Path outbox) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(outbox)) {
                try (Stream<Path> files = Files.list(outbox)) {
                    List<Path> mails = files.filter(f -> f.toString().endsWith(".eml")).toList();
                    if (!mails.isEmpty()) {
                        return mails.get(0);
                    }
                }
            }
            Thread.sleep(50);
        }
        fail("no message in " + outbox + " within 30 s");
        return null;
    }

    /** The TXT records of a domain's key store ({@code <selector>.txt}, zone-file form), as dkimpy looks them up. */
    static Map<String, String> dnsRecords(Path domainDir) throws IOException {
        Map<String, String> records = new HashMap<>();
        Pattern quoted = Pattern.compile("\"([^\"]*)\"");
        try (Stream<Path> files = Files.list(domainDir)) {
            for (Path txt : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
                String name = txt.getFileName().toString();
                StringBuilder value = new StringBuilder();
                Matcher m = quoted.matcher(Files.readString(txt));
                while (m.find()) {
                    value.append(m.group(1));
                }
                records.put(Dkimpy.dnsName(name.substring(0, name.length() - 4), domainDir.getFileName().toString()),
                        value.toString());
            }
        }
        return records;
    }
}

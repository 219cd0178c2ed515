package works.cast.relay.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/dkim-relay.service passes {@code systemd-analyze verify} and keeps the settings the install guide relies on. */
class ServiceUnitTest {

    private static final Path UNIT = Path.of("..", "conf", "dkim-relay.service");
    private static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");
    private static final String JAVA = "/usr/bin/java";

    @TempDir
    Path tmp;

    record Result(int exit, String output) {
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** The unit's settings, key to values in file order (repeated keys keep every value). */
    static Map<String, List<String>> settings(String unit) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String line : unit.lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("[")) {
                continue;
            }
            int eq = l.indexOf('=');
            m.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
        }
        return m;
    }

    @Test
    void systemdAnalyzeVerifyIsClean() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        if (!Files.isExecutable(SYSTEMD_ANALYZE)) {
            if (ci) {
                fail(SYSTEMD_ANALYZE + " is missing (Debian package systemd; .ci/run installs it)");
            }
            assumeTrue(false, SYSTEMD_ANALYZE + " is missing (apt-get install systemd); skipped");
        }
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8);
        // verify checks that the ExecStart binary exists. Where the JDK is not at /usr/bin/java, check a copy that
        // names this test's own java instead; every other line stays as shipped.
        if (!Files.isExecutable(Path.of(JAVA))) {
            String here = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            unit = unit.replace("ExecStart=" + JAVA + " ", "ExecStart=" + here + " ");
        }
        Path copy = Files.createDirectories(tmp.resolve("unit")).resolve("dkim-relay.service");
        Files.writeString(copy, unit, StandardCharsets.UTF_8);
        Result r = run(List.of(SYSTEMD_ANALYZE.toString(), "verify", "--man=no", "--generators=no", copy.toString()));
        assertEquals(0, r.exit(), r.output());
        assertEquals("", r.output().strip(), "systemd-analyze verify printed warnings");
    }

    @Test
    void verifyWouldCatchAMistake() throws Exception {
        assumeTrue(Files.isExecutable(SYSTEMD_ANALYZE), "systemd-analyze is missing");
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8).replace("ProtectSystem=strict",
                "ProtectSystem=strict\nProtectSystm=yes");
        Path copy = Files.createDirectories(tmp.resolve("bad")).resolve("dkim-relay.service");
        Files.writeString(copy, unit, StandardCharsets.UTF_8);
        Result r = run(List.of(SYSTEMD_ANALYZE.toString(), "verify", "--man=no", "--generators=no", copy.toString()));
        assertTrue(r.output().contains("Unknown key 'ProtectSystm'"), r.output());
    }

    @Test
    void theUnitRunsTheInstalledJarAsItsOwnUserInASandbox() throws IOException {
        Map<String, List<String>> s = settings(Files.readString(UNIT, StandardCharsets.UTF_8));
        assertEquals(List.of("/usr/bin/java --add-modules=jdk.incubator.vector "
                + "-Dlogback.configurationFile=/etc/dkim-relay/logback.xml -jar /opt/dkim-relay/dkim-relay.jar run "
                + "--config /etc/dkim-relay/relay.conf"), s.get("ExecStart"));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Type", "exec");
        expected.put("User", "dkim-relay");
        expected.put("Group", "dkim-relay");
        expected.put("ExecReload", "/bin/kill -HUP $MAINPID");
        expected.put("Restart", "on-failure");
        expected.put("StateDirectory", "dkim-relay");
        expected.put("ConfigurationDirectory", "dkim-relay");
        expected.put("AmbientCapabilities", "CAP_NET_BIND_SERVICE");
        expected.put("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE");
        expected.put("NoNewPrivileges", "yes");
        expected.put("ProtectSystem", "strict");
        expected.put("ProtectHome", "yes");
        expected.put("PrivateTmp", "yes");
        expected.put("PrivateDevices", "yes");
        expected.put("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX");
        expected.put("SystemCallFilter", "@system-service");
        expected.put("SystemCallArchitectures", "native");
        expected.put("UMask", "0077");
        expected.forEach((k, v) -> assertEquals(List.of(v), s.get(k), k));
        assertFalse(s.containsKey("MemoryDenyWriteExecute"), "the JIT needs W+X memory");
        Duration stop = Duration.parse("PT" + s.get("TimeoutStopSec").get(0).toUpperCase(java.util.Locale.ROOT));
        assertTrue(stop.compareTo(Duration.ofSeconds(30 + 10)) > 0, "TimeoutStopSec covers the 30 s drain");
    }
}

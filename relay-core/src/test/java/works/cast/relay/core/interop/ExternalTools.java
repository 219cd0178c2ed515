package works.cast.relay.core.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Guards for tests that need a real peer installed on the machine (dkimpy for RFC 6376 / RFC 8463 interop).
 *
 * <p>A missing tool skips the test with a message naming the package to install, except when the environment
 * variable {@code CI} is {@code true}: there a missing tool fails the test, so CI can never pass by skipping.
 * Results of the probes are cached per JVM.
 */
public final class ExternalTools {

    /** The Python that has Debian's python3-dkim; the first python3 on PATH may lack it. */
    public static final Path PYTHON3 = Path.of("/usr/bin/python3");

    private static final long PROBE_TIMEOUT_SECONDS = 30;
    private static final Map<String, Boolean> PROBES = new ConcurrentHashMap<>();

    private ExternalTools() {
    }

    /** Whether the environment variable {@code CI} is {@code true} (missing tools then fail instead of skip). */
    public static boolean isCi() {
        String ci = System.getenv("CI");
        return ci != null && ci.trim().toLowerCase(Locale.ROOT).equals("true");
    }

    /** Requires /usr/bin/python3 with dkimpy (python3-dkim), enough for rsa-sha256 signing and verifying. */
    public static void requirePython3Dkim() {
        requireExecutable(PYTHON3, "python3 (apt-get install python3)");
        requireCondition(pythonImports("dkim"),
                "dkimpy not importable by " + PYTHON3 + " (apt-get install python3-dkim)");
    }

    /** Requires dkimpy plus PyNaCl, which dkimpy needs for ed25519-sha256 (RFC 8463). */
    public static void requirePython3DkimEd25519() {
        requirePython3Dkim();
        requireCondition(pythonImports("nacl.signing"),
                "PyNaCl not importable by " + PYTHON3 + " (apt-get install python3-nacl), needed for ed25519-sha256");
    }

    /**
     * Requires a tool: an absolute path that must be executable, or a command name looked up on PATH.
     *
     * @param tool for example {@code "swaks"} or {@code "/usr/sbin/smtp-sink"}
     */
    public static void require(String tool) {
        if (tool == null || tool.isBlank()) {
            throw new IllegalArgumentException("tool: must not be blank");
        }
        Path path = Path.of(tool);
        if (path.isAbsolute()) {
            requireExecutable(path, tool);
            return;
        }
        requireCondition(onPath(tool), tool + " not found on PATH (install the package that provides it)");
    }

    /** Whether a command name is an executable file in a directory of PATH. */
    public static boolean onPath(String command) {
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            return false;
        }
        for (String directory : pathVariable.split(java.io.File.pathSeparator)) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code /usr/bin/python3 -c "import <module>"} succeeds (cached). */
    public static boolean pythonImports(String module) {
        if (!module.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
            throw new IllegalArgumentException("module: not a Python module name: " + module);
        }
        return PROBES.computeIfAbsent("python-import:" + module,
                key -> Files.isExecutable(PYTHON3) && exitsZero(PYTHON3.toString(), "-c", "import " + module));
    }

    private static void requireExecutable(Path path, String what) {
        requireCondition(Files.isExecutable(path), what + " not found or not executable at " + path);
    }

    /** Skips (assumption) or, under CI=true, fails with the message. */
    static void requireCondition(boolean available, String message) {
        if (available) {
            return;
        }
        if (isCi()) {
            Assertions.fail("required external tool missing under CI=true: " + message);
        }
        Assumptions.assumeTrue(false, "skipped, external tool missing: " + message);
    }

    private static boolean exitsZero(String... command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real SMTP peers (swaks, curl, python3, haproxy): skipped when missing, required when CI=true. */
public final class ExternalTools {

    /** Exit status and combined output of one run. */
    public record Run(int exit, String output) {
    }

    private ExternalTools() {
    }

    public static String require(String path) {
        boolean present = new File(path).canExecute();
        if (!present && "true".equals(System.getenv("CI"))) {
            fail(path + " is required when CI=true");
        }
        assumeTrue(present, path + " is not installed; skipping");
        return path;
    }

    public static Run run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail(command.get(0) + " did not finish within " + timeout);
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}

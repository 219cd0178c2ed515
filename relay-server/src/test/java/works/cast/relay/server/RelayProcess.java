package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged relay ({@code dkim-relay.jar}) run as its own process, for tests that need a separate JVM: a capped
 * heap, SIGKILL, SIGTERM, SIGHUP. Output goes to {@code relay.log} in the relay's directory.
 */
public final class RelayProcess implements AutoCloseable {

    public final Path dir;
    public final Path config;
    public final Path log;
    private final List<String> jvmOptions;
    private Process process;

    public RelayProcess(Path dir, Path config, List<String> jvmOptions) {
        this.dir = dir;
        this.config = config;
        this.log = dir.resolve("relay.log");
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** The jar the build made (failsafe passes its path). */
    public static Path jar() {
        String p = System.getProperty("dkim-relay.jar", "target/dkim-relay.jar");
        Path jar = Path.of(p);
        if (!Files.isRegularFile(jar)) {
            fail("relay jar " + jar + " not built; run mvn verify");
        }
        return jar;
    }

    /**
     * Writes {@code relay.conf} in {@code dir} for a relay on {@code port}: development keys, queue and keys in
     * {@code dir}, no HTTP endpoint, plus {@code extra} (HOCON inside {@code relay { }}, which may override these).
     */
    public static Path writeConfig(Path dir, int port, String extra) throws IOException {
        Path conf = dir.resolve("relay.conf");
        Files.writeString(conf, "relay {\n"
                + "  hostname = \"relay.test\"\n"
                + "  smtp.listen = [ { address = \"127.0.0.1\", port = " + port + ", tls = none } ]\n"
                + "  keys-dir = \"" + dir.resolve("keys") + "\"\n"
                + "  signing.development-keys = true\n"
                + "  queue.dir = \"" + dir.resolve("queue") + "\"\n"
                + "  http.enabled = false\n"
                + extra + "\n}\n");
        return conf;
    }

    /** A TCP port free right now on 127.0.0.1. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Starts the relay and waits (bounded) until {@code port} accepts connections. */
    public RelayProcess start(int port) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // As bin/dkim-relay run and the systemd unit start it, on any Java 17 to 25.
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar().toAbsolutePath().toString(), "run", "--config", config.toString(),
                "--drain-timeout", "10s"));
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("relay exited with " + process.exitValue() + ":\n" + logText());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return this;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        fail("relay did not listen on " + port + " within 60s:\n" + logText());
        return this;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Sends a signal by name (TERM, KILL, HUP) with kill(1). */
    public void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        k.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits (bounded) for the process to exit and returns its status. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("relay did not exit within " + timeout + ":\n" + logText());
        }
        return process.exitValue();
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

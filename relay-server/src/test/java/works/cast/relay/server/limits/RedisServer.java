package works.cast.relay.server.limits;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import works.cast.relay.server.smtp.ExternalTools;

/**
 * Debian's redis-server started for one test on a free loopback port, without persistence; skipped when missing,
 * required when CI=true.
 */
public final class RedisServer implements AutoCloseable {

    private final Process process;
    public final int port;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static RedisServer start(Path dir) throws IOException, InterruptedException {
        String binary = ExternalTools.require("/usr/bin/redis-server");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(List.of(binary, "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "yes"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("redis-server exited: see " + dir.resolve("redis.log"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new RedisServer(p, port);
            } catch (IOException notYet) {
                p.waitFor(20, TimeUnit.MILLISECONDS);
            }
        }
        p.destroyForcibly();
        throw new IOException("redis-server did not listen on 127.0.0.1:" + port + " within 10 s");
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Stops the server, as an outage would. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}

package works.cast.relay.server.dns;

import static org.junit.jupiter.api.Assertions.fail;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real dnsmasq on 127.0.0.77 and an ephemeral port, serving fixed TXT records and answering NXDOMAIN for other
 * names in its local domains. Skips the test when dnsmasq is missing, unless CI=true.
 */
public final class Dnsmasq implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    public static final String ADDRESS = "127.0.0.77";

    /** One TXT record: the owner name and its character-strings. */
    public record Txt(String name, List<String> strings) {
        public Txt {
            strings = List.copyOf(strings);
            for (String s : strings) {
                if (s.contains(",")) {
                    throw new IllegalArgumentException("dnsmasq command-line strings cannot hold commas: " + s);
                }
            }
        }
    }

    private final Process process;
    private final int port;

    private Dnsmasq(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static void requireTool(Path tool, String packageName) {
        if (!Files.isExecutable(tool)) {
            if ("true".equals(System.getenv("CI"))) {
                fail(tool + " is required when CI=true (apt-get install " + packageName + ")");
            }
            Assumptions.abort(tool + " not installed (apt-get install " + packageName + "); skipping");
        }
    }

    /** Starts dnsmasq with the records; {@code localDomains} answer NXDOMAIN for names without records. */
    public static Dnsmasq start(List<Txt> records, List<String> localDomains) throws Exception {
        return start(records, localDomains, 0);
    }

    /**
     * As {@link #start(List, List)}, on {@code port} when it is not 0: a server that a running relay already asks,
     * started again with other records.
     */
    public static Dnsmasq start(List<Txt> records, List<String> localDomains, int fixedPort) throws Exception {
        requireTool(BINARY, "dnsmasq");
        String lastError = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = fixedPort != 0 ? fixedPort : freePort();
            List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--no-daemon", "--port=" + port,
                    "--listen-address=" + ADDRESS, "--bind-interfaces", "--no-resolv", "--no-hosts",
                    "--conf-file=/dev/null", "--pid-file", "--txt-record=ready.test,ready"));
            for (String d : localDomains) {
                cmd.add("--local=/" + d + "/");
            }
            for (Txt t : records) {
                cmd.add("--txt-record=" + t.name() + "," + String.join(",", t.strings()));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Dnsmasq d = new Dnsmasq(p, port);
            DnsTxtResolver probe = new DnsTxtResolver(Optional.of(d.server()), Duration.ofMillis(200), 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (probe.lookupStrings("ready.test") instanceof TxtResult.Records) {
                    return d;
                }
                Thread.sleep(50);
            }
            lastError = p.isAlive() ? "no answer within 10 s" : "exited with " + p.waitFor();
            d.close();
        }
        throw new IllegalStateException("dnsmasq did not start on " + ADDRESS + ": " + lastError);
    }

    /**
     * Waits (at most 10 s) until {@code dns} answers an A query for {@code name}: a dnsmasq started by a test
     * answers once it has bound.
     */
    public static void awaitAnswer(works.cast.relay.server.dns.DnsClient dns, String name) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (!dns.query(name, org.xbill.DNS.Type.A).get().records().isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                // not yet listening
            }
            Thread.sleep(50);
        }
        throw new AssertionError("dnsmasq did not answer for " + name + " within 10 s");
    }

    private static int freePort() throws Exception {
        InetAddress a = InetAddress.getByName(ADDRESS);
        for (int i = 0; i < 20; i++) {
            int port;
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(a, 0))) {
                port = s.getLocalPort();
            }
            try (ServerSocket tcp = new ServerSocket(port, 1, a)) {
                return tcp.getLocalPort();
            } catch (java.io.IOException busy) {
                // the TCP side is taken; try another
            }
        }
        throw new IllegalStateException("no free port on " + ADDRESS);
    }

    /** {@code host:port} for {@code --dns}. */
    public String server() {
        return ADDRESS + ":" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

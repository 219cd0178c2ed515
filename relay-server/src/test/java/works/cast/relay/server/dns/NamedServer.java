package works.cast.relay.server.dns;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real BIND {@code named} (Debian's bind9), run by the test as the current user on 127.0.0.1 and a free port, in
 * the foreground ({@code -g}) with its own configuration, zones and journal in a temporary directory. Each zone takes
 * RFC 2136 updates signed with the TSIG key made by {@code tsig-keygen}, as far as the zone's update-policy grants.
 * Skips the test when bind9 is missing, unless CI=true.
 */
public final class NamedServer implements AutoCloseable {

    public static final Path NAMED = Path.of("/usr/sbin/named");
    public static final Path TSIG_KEYGEN = Path.of("/usr/sbin/tsig-keygen");
    public static final String ADDRESS = "127.0.0.1";
    private static final Pattern SECRET = Pattern.compile("secret \"([^\"]+)\"");

    /**
     * One primary zone.
     *
     * @param name   the zone, such as cast.works
     * @param policy the update-policy grants, such as {@code grant relay-key subdomain _domainkey.cast.works. TXT;}
     * @param extra  more zone-file lines (relative or absolute owner names)
     */
    public record Zone(String name, String policy, List<String> extra) {
        public Zone {
            extra = List.copyOf(extra);
        }

        /** The key may change TXT records under {@code _domainkey.<name>} and nothing else. */
        public static Zone domainKeysOnly(String name, String key) {
            return new Zone(name, "grant " + key + " subdomain _domainkey." + name + ". TXT;", List.of());
        }
    }

    private final Process process;
    private final int port;
    private final Path dir;
    private final String keyName;
    private final String secret;

    private NamedServer(Process process, int port, Path dir, String keyName, String secret) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.keyName = keyName;
        this.secret = secret;
    }

    /** Makes the TSIG key {@code keyName} and starts named with the zones; waits (bounded) until it answers. */
    public static NamedServer start(Path dir, String keyName, List<Zone> zones) throws Exception {
        return start(dir, keyName, zones, false);
    }

    /**
     * As {@link #start(Path, String, List)}; {@code resolving} also lets named follow a CNAME into another of its
     * zones, as the recursive resolver of relay.dns.servers and of receivers does (recursion for 127.0.0.1 only; it
     * is never asked about names outside its zones).
     */
    public static NamedServer start(Path dir, String keyName, List<Zone> zones, boolean resolving) throws Exception {
        Dnsmasq.requireTool(NAMED, "bind9");
        Dnsmasq.requireTool(TSIG_KEYGEN, "bind9utils");
        Files.createDirectories(dir);
        Process keygen = new ProcessBuilder(TSIG_KEYGEN.toString(), "-a", "hmac-sha256", keyName)
                .redirectErrorStream(true).start();
        String keyBlock = new String(keygen.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!keygen.waitFor(30, TimeUnit.SECONDS) || keygen.exitValue() != 0) {
            throw new IllegalStateException("tsig-keygen failed: " + keyBlock);
        }
        Matcher m = SECRET.matcher(keyBlock);
        if (!m.find()) {
            throw new IllegalStateException("no secret in tsig-keygen output: " + keyBlock);
        }
        Files.writeString(dir.resolve("relay.key"), keyBlock);
        String lastError = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            StringBuilder conf = new StringBuilder();
            conf.append("include \"").append(dir.resolve("relay.key")).append("\";\n");
            conf.append("controls { };\n");
            conf.append("options {\n  directory \"").append(dir).append("\";\n  listen-on port ").append(port)
                    .append(" { ").append(ADDRESS).append("; };\n  listen-on-v6 { none; };\n  pid-file none;\n")
                    .append("  session-keyfile none;\n  notify no;\n  managed-keys-directory \"")
                    .append(dir).append("\";\n")
                    .append(resolving ? "  recursion yes;\n  allow-recursion { 127.0.0.1; };\n  dnssec-validation no;\n"
                            : "  recursion no;\n")
                    .append("};\n");
            for (Zone z : zones) {
                Path file = dir.resolve(z.name() + ".zone");
                if (attempt == 0) {
                    List<String> lines = new ArrayList<>(List.of("$TTL 60",
                            "@ IN SOA ns." + z.name() + ". hostmaster." + z.name() + ". 1 3600 600 86400 60",
                            "@ IN NS ns." + z.name() + ".", "ns IN A " + ADDRESS));
                    lines.addAll(z.extra());
                    Files.write(file, lines);
                }
                conf.append("zone \"").append(z.name()).append("\" { type primary; file \"").append(file)
                        .append("\"; update-policy { ").append(z.policy()).append(" }; };\n");
            }
            Path confFile = dir.resolve("named.conf");
            Files.writeString(confFile, conf);
            Path log = dir.resolve("named.log");
            Process p = new ProcessBuilder(NAMED.toString(), "-g", "-c", confFile.toString(), "-p",
                    Integer.toString(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            NamedServer n = new NamedServer(p, port, dir, keyName, m.group(1));
            DnsClient probe = new DnsClient(DnsServers.parse(List.of(n.server())), Duration.ofMillis(300), 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (p.isAlive() && System.nanoTime() < deadline) {
                try {
                    if (probe.query(zones.get(0).name(), org.xbill.DNS.Type.SOA).get(2, TimeUnit.SECONDS)
                            .isDefinite()) {
                        return n;
                    }
                } catch (Exception notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            lastError = (p.isAlive() ? "no answer within 20 s" : "exited with " + p.waitFor()) + "\n"
                    + Files.readString(log);
            n.close();
        }
        throw new IllegalStateException("named did not start: " + lastError);
    }

    private static int freePort() throws IOException {
        InetAddress a = InetAddress.getByName(ADDRESS);
        for (int i = 0; i < 20; i++) {
            int port;
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(a, 0))) {
                port = s.getLocalPort();
            }
            try (ServerSocket tcp = new ServerSocket(port, 1, a)) {
                return tcp.getLocalPort();
            } catch (IOException busy) {
                // the TCP side is taken; try another
            }
        }
        throw new IllegalStateException("no free port on " + ADDRESS);
    }

    /** {@code ip:port}, for relay.dns.servers, dns-update.server and --dns. */
    public String server() {
        return ADDRESS + ":" + port;
    }

    public int port() {
        return port;
    }

    public String keyName() {
        return keyName;
    }

    /** The base64 TSIG secret. */
    public String secret() {
        return secret;
    }

    /** The key block as tsig-keygen printed it. */
    public Path keyBlock() {
        return dir.resolve("relay.key");
    }

    /** Writes the secret to a file readable by its owner only, as the relay requires. */
    public Path writeSecret(Path file, String text) throws IOException {
        Files.writeString(file, text + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** The TXT records at {@code name} as named serves them now, each with its strings joined; empty when none. */
    public List<String> txt(String name) throws Exception {
        TxtResult r = new DnsTxtResolver(Optional.of(server()), Duration.ofSeconds(2), 2).lookupStrings(name);
        if (r instanceof TxtResult.Records rec) {
            return rec.joined();
        }
        if (r instanceof TxtResult.NotFound) {
            return List.of();
        }
        throw new IllegalStateException("named did not answer for " + name + ": " + r);
    }

    /** The server's log so far, for failure messages. */
    public String log() throws IOException {
        return Files.readString(dir.resolve("named.log"));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

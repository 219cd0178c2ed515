package works.cast.relay.server.dns;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Type;

/**
 * A DNSSEC-signed test zone on loopback: keys made by {@code dnssec-keygen}, the zone signed by
 * {@code dnssec-signzone}, served by bind9's {@code named} (authoritative, 127.0.0.1) and resolved by {@code unbound}
 * as a validating resolver with the zone's DS as its only trust anchor, so answers from the zone carry the AD bit.
 * Ports are ephemeral; every wait is bounded. Skips the test when the tools are missing, unless CI=true.
 */
public final class SignedZone implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final String resolverAddress;
    private int resolverPort;

    private SignedZone(String resolverAddress) {
        this.resolverAddress = resolverAddress;
    }

    /**
     * Signs and serves {@code zone} (records in zone-file syntax, owner names relative to the zone) and starts the
     * validating resolver on {@code resolverAddress}.
     */
    public static SignedZone start(Path dir, String zone, List<String> records, String resolverAddress)
            throws Exception {
        Dnsmasq.requireTool(Path.of("/usr/sbin/named"), "bind9");
        Dnsmasq.requireTool(Path.of("/usr/bin/dnssec-signzone"), "bind9utils");
        Dnsmasq.requireTool(Path.of("/usr/sbin/unbound"), "unbound");
        SignedZone z = new SignedZone(resolverAddress);
        try {
            z.sign(dir, zone, records);
            int authPort = z.startNamed(dir, zone);
            z.startUnbound(dir, zone, authPort);
            return z;
        } catch (Exception e) {
            z.close();
            throw e;
        }
    }

    private void sign(Path dir, String zone, List<String> records) throws Exception {
        StringBuilder text = new StringBuilder("$TTL 300\n@ IN SOA ns." + zone + ". admin." + zone
                + ". 1 3600 600 86400 300\n@ IN NS ns." + zone + ".\nns IN A 127.0.0.1\n");
        records.forEach(r -> text.append(r).append('\n'));
        Files.writeString(dir.resolve("zone.txt"), text, StandardCharsets.US_ASCII);
        run(dir, "dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-K", dir.toString(), zone);
        run(dir, "dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "-K", dir.toString(), zone);
        run(dir, "dnssec-signzone", "-q", "-K", dir.toString(), "-S", "-o", zone, "-d", dir.toString(), "-f",
                dir.resolve("zone.signed").toString(), dir.resolve("zone.txt").toString());
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(cmd[0] + ".log").toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd[0] + " did not finish within 30 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(cmd[0] + " failed: " + Files.readString(dir.resolve(cmd[0] + ".log")));
        }
    }

    private int startNamed(Path dir, String zone) throws Exception {
        String last = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort("127.0.0.1");
            // named listens only on addresses of interfaces: 127.0.0.1, not any 127/8 address
            Files.writeString(dir.resolve("named.conf"), "options { directory \"" + dir + "\"; listen-on port "
                    + port + " { 127.0.0.1; }; listen-on-v6 { none; }; pid-file \"" + dir + "/named.pid\";"
                    + " session-keyfile \"" + dir + "/session.key\"; recursion no; dnssec-validation no;"
                    + " allow-query { any; }; };\ncontrols { };\nzone \"" + zone + "\" { type primary; file \""
                    + dir.resolve("zone.signed") + "\"; };\n");
            Process p = new ProcessBuilder("/usr/sbin/named", "-g", "-n", "1", "-c", dir.resolve("named.conf")
                    .toString()).redirectErrorStream(true).redirectOutput(dir.resolve("named.log").toFile()).start();
            processes.add(p);
            if (answers(new DnsClient(DnsServers.parse(List.of("127.0.0.1:" + port)), Duration.ofMillis(300), 1),
                    "ns." + zone, false, p)) {
                return port;
            }
            last = Files.readString(dir.resolve("named.log"));
            stop(p);
        }
        throw new IllegalStateException("named did not start: " + last);
    }

    private void startUnbound(Path dir, String zone, int authPort) throws Exception {
        String last = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort(resolverAddress);
            Files.writeString(dir.resolve("unbound.conf"), String.join("\n",
                    "server:", "  interface: " + resolverAddress, "  port: " + port, "  do-daemonize: no",
                    "  username: \"\"", "  chroot: \"\"", "  directory: \"" + dir + "\"", "  pidfile: \"\"",
                    "  use-syslog: no", "  logfile: \"\"", "  num-threads: 1", "  do-ip6: no",
                    "  access-control: 127.0.0.0/8 allow", "  do-not-query-localhost: no",
                    "  module-config: \"validator iterator\"", "  qname-minimisation: no",
                    "  trust-anchor-file: \"" + dir.resolve("dsset-" + zone + ".") + "\"",
                    "  local-zone: \"test.\" nodefault",
                    "stub-zone:", "  name: \"" + zone + "\"", "  stub-addr: 127.0.0.1@" + authPort,
                    "remote-control:", "  control-enable: no", ""));
            Process p = new ProcessBuilder("/usr/sbin/unbound", "-d", "-c", dir.resolve("unbound.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("unbound.log").toFile()).start();
            processes.add(p);
            resolverPort = port;
            if (answers(new DnsClient(DnsServers.parse(List.of(server())), Duration.ofMillis(300), 1), "ns." + zone,
                    true, p)) {
                return;
            }
            last = Files.readString(dir.resolve("unbound.log"));
            stop(p);
        }
        throw new IllegalStateException("unbound did not validate the zone: " + last);
    }

    /** Polls until {@code name} resolves (with the AD bit when {@code validated}), for at most 10 s. */
    private static boolean answers(DnsClient dns, String name, boolean validated, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (p.isAlive() && System.nanoTime() < deadline) {
            try {
                DnsAnswer a = dns.query(name, Type.A).get(2, TimeUnit.SECONDS);
                if (!a.records().isEmpty() && (!validated || a.authenticated())) {
                    return true;
                }
            } catch (Exception e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static int freePort(String address) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0))) {
            return s.getLocalPort();
        }
    }

    /** The validating resolver as {@code ip:port}, for {@code relay.dns.servers}. */
    public String server() {
        return resolverAddress + ":" + resolverPort;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                stop(p);
            }
        }
    }
}

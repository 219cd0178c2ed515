package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.RelayProcess;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.smtp.ExternalTools;

/**
 * Two relays behind a real HAProxy (TCP mode, PROXY v2), sharing one key store, each with its own queue. A client
 * streams messages through HAProxy; one relay is killed with SIGKILL in the middle; HAProxy sends new connections to
 * the other; after the killed one restarts, every message answered 250 reaches the upstream.
 */
class HaproxyFailoverIT {

    static final Pattern SEQ = Pattern.compile("X-Seq: (\\d+)");

    @Test
    void killOneInstanceBehindHaproxy(@TempDir Path dir) throws Exception {
        String haproxy = ExternalTools.require("/usr/sbin/haproxy");
        KeyStore keys = new KeyStore(dir.resolve("keys"));
        for (String d : List.of("cast.works", "castworks.co.jp")) {
            keys.generate(new Domain(d), KeyAlgorithm.RSA_2048, Optional.empty(), true, Clock.systemUTC());
        }
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer()) {
            int[] ports = {RelayProcess.freePort(), RelayProcess.freePort()};
            RelayProcess[] relays = new RelayProcess[2];
            for (int i = 0; i < 2; i++) {
                Path home = Files.createDirectories(dir.resolve("relay" + i));
                Path conf = RelayProcess.writeConfig(home, ports[i], """
                        keys-dir = "%s"
                        signing.development-keys = false
                        smtp.proxy-protocol = true
                        smtp.trusted-proxies = [ "127.0.0.1/32" ]
                        delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none } }
                        queue.retry = [ 1s ]
                        """.formatted(dir.resolve("keys"), upstream.port()));
                relays[i] = new RelayProcess(home, conf, List.of("-Xmx192m")).start(ports[i]);
            }
            int front = RelayProcess.freePort();
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, String.join("\n",
                    "global", "  maxconn 200",
                    "defaults", "  mode tcp", "  timeout connect 2s", "  timeout client 30s", "  timeout server 30s",
                    "  retries 2", "  option redispatch",
                    "frontend smtp", "  bind 127.0.0.1:" + front, "  default_backend relays",
                    "backend relays", "  balance roundrobin",
                    "  server r0 127.0.0.1:" + ports[0] + " send-proxy-v2 check inter 300ms fall 1 rise 1",
                    "  server r1 127.0.0.1:" + ports[1] + " send-proxy-v2 check inter 300ms fall 1 rise 1", ""));
            Process proxy = new ProcessBuilder(haproxy, "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            try {
                Tools.awaitTcp("127.0.0.1", front, Duration.ofSeconds(20));
                Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
                int refused = 0;
                List<String> problems = new java.util.ArrayList<>();
                for (int n = 0; n < 300; n++) {
                    if (n == 100) {
                        relays[0].signal("KILL");
                        relays[0].waitFor(Duration.ofSeconds(20));
                    }
                    if (n == 200) {
                        relays[0] = new RelayProcess(relays[0].dir, relays[0].config, List.of("-Xmx192m")).start(ports[0]);
                    }
                    try (SmtpTestClient c = new SmtpTestClient(front, "127.0.0.3")) {
                        String greeting = c.hello();
                        if (!greeting.startsWith("220")) {
                            refused++;
                            problems.add(n + ": " + greeting);
                            continue;
                        }
                        String r = c.send("app@cast.works", "rcpt@example.net",
                                "From: app@cast.works\r\nX-Seq: " + n + "\r\n\r\nthrough haproxy\r\n");
                        if (r.startsWith("250")) {
                            acknowledged.add(n);
                        }
                    } catch (IOException e) {
                        refused++; // the connection that went to the instance as it died
                        problems.add(n + ": " + e);
                    }
                }
                Set<Integer> received = new HashSet<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!received.containsAll(acknowledged) && System.nanoTime() < deadline) {
                    ScriptedSmtpServer.Message m = upstream.messages.poll(1, TimeUnit.SECONDS);
                    if (m != null) {
                        Matcher x = SEQ.matcher(m.text());
                        assertTrue(x.find());
                        received.add(Integer.parseInt(x.group(1)));
                    }
                }
                Set<Integer> missing = new java.util.TreeSet<>(acknowledged);
                missing.removeAll(received);
                System.out.printf("haproxy failover: acknowledged=%d received=%d refused=%d%n", acknowledged.size(),
                        received.size(), refused);
                assertEquals(Set.of(), missing, "acknowledged but lost");
                assertTrue(acknowledged.size() >= 290, "HAProxy moved new connections to the live instance: "
                        + acknowledged.size() + " of 300 accepted; " + problems.subList(0, Math.min(10, problems.size()))
                        + "\nhaproxy: " + Files.readString(dir.resolve("haproxy.log")));
                assertTrue(relays[1].logText().contains("client=127.0.0.3"), "the relay logs the client HAProxy saw");
            } finally {
                proxy.destroy();
                proxy.waitFor(10, TimeUnit.SECONDS);
                for (RelayProcess r : relays) {
                    r.close();
                }
            }
        }
    }
}

package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code limits.intake-memory} through the packaged relay: with a budget of 16 header blocks, the DATA that would
 * need a 13th reservation (past three quarters) waits for its 354, gets it as soon as one message ends, and every
 * message is accepted; the budget is all given back.
 */
class IntakeMemoryIT {

    static final int HEADER_KIB = 64;
    static final int ADMITTED = 12; // 3/4 of 16 header blocks

    @Test
    void dataBeyondTheBudgetWaitsForIts354AndIsAcceptedLater(@TempDir Path dir) throws Exception {
        int port = RelayProcess.freePort();
        int http = RelayProcess.freePort();
        Path conf = RelayProcess.writeConfig(dir, port, """
                delivery { mode = directory, directory = "%s" }
                limits { intake-memory = %dKiB, header-size = %dKiB }
                http { enabled = true, address = "127.0.0.1", port = %d }
                """.formatted(dir.resolve("outbox"), 16 * HEADER_KIB, HEADER_KIB, http));
        List<Client> clients = new ArrayList<>();
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port)) {
            for (int i = 0; i < ADMITTED; i++) {
                Client c = new Client(port);
                clients.add(c);
                c.upToData();
                c.expect("354");
            }
            Client late = new Client(port);
            clients.add(late);
            late.upToData();
            awaitMetric(http, "dkim_relay_intake_memory_waits_total", 1, relay);
            assertTrue(metric(http, "dkim_relay_intake_memory_used_bytes")
                    <= 16L * HEADER_KIB * 1024, "reservations stay within the budget");

            clients.get(0).message("first");
            clients.get(0).expect("250");
            late.expect("354"); // admitted once the first message gave its header back
            late.message("late");
            late.expect("250");
            for (Client c : clients.subList(1, ADMITTED)) {
                c.message("rest");
                c.expect("250");
            }
            awaitMetric(http, "dkim_relay_intake_memory_used_bytes", 0, relay);
            assertEquals(0, metric(http, "dkim_relay_intake_memory_used_bytes"));
        } finally {
            for (Client c : clients) {
                c.close();
            }
        }
    }

    /** Polls the scrape until {@code name} reaches {@code value}; bounded to 30 seconds. */
    private static void awaitMetric(int http, String name, long value, RelayProcess relay) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long seen = -1;
        while (System.nanoTime() < deadline) {
            seen = metric(http, name);
            if (name.endsWith("_total") ? seen >= value : seen == value) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + " stayed at " + seen + ", expected " + value + "\n" + relay.logText());
    }

    private static long metric(int http, String name) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + http + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.E+-]+)$").matcher(r.body());
        if (!m.find()) {
            throw new AssertionError("no " + name + " in /metrics:\n" + r.body());
        }
        return (long) Double.parseDouble(m.group(1));
    }

    /** One SMTP client that stops at DATA until told to send its message. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
        }

        void upToData() throws IOException {
            expect("220");
            send("EHLO client.test\r\n");
            String line;
            while ((line = in.readLine()) != null && line.startsWith("250-")) {
                // capabilities
            }
            send("MAIL FROM:<app@cast.works>\r\n");
            expect("250");
            send("RCPT TO:<rcpt@example.net>\r\n");
            expect("250");
            send("DATA\r\n");
        }

        void message(String subject) throws IOException {
            send("From: app@cast.works\r\nTo: rcpt@example.net\r\nSubject: " + subject + "\r\n\r\nhello\r\n.\r\n");
        }

        void expect(String code) throws IOException {
            String line = in.readLine();
            if (line == null || !line.startsWith(code)) {
                throw new AssertionError("expected " + code + ", got " + line);
            }
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.dkim.DkimVerifier;
import works.cast.relay.core.dkim.MapKeyResolver;
import works.cast.relay.core.dkim.VerificationResult;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;

/** A 50 MB message passes through a relay whose heap is capped at 96 MB: bytes stream, nothing is held whole. */
class LargeMessageIT {

    static final long SIZE = 50L * 1024 * 1024;

    @Test
    void fiftyMegabytesWithNinetySixMegabytesOfHeap(@TempDir Path dir) throws Exception {
        int port = RelayProcess.freePort();
        Path conf = RelayProcess.writeConfig(dir, port, """
                delivery { mode = directory, directory = "%s" }
                limits.message-size = 60MiB
                """.formatted(dir.resolve("outbox")));
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"))
                .start(port)) {
            String reply = send(port);
            assertTrue(reply.startsWith("250 "), reply + "\n" + relay.logText());
            assertTrue(relay.isAlive());
            relay.signal("TERM");
            assertEquals(0, relay.waitFor(Duration.ofSeconds(30)), relay.logText());
        }
        Path eml;
        try (Stream<Path> s = Files.list(dir.resolve("outbox"))) {
            eml = s.filter(p -> p.toString().endsWith(".eml")).findFirst().orElseThrow();
        }
        assertTrue(Files.size(eml) > SIZE);
        var records = new java.util.HashMap<String, String>();
        for (SelectorKey k : new KeyStore(dir.resolve("keys")).load().all()) {
            records.put(DnsTxtRecord.owner(k.selector(), k.domain().name()), DnsTxtRecord.value(k.key()));
        }
        try (InputStream in = Files.newInputStream(eml)) {
            List<VerificationResult> results = new DkimVerifier(new MapKeyResolver(records), Clock.systemUTC()).verify(in);
            assertEquals(2, results.size());
            results.forEach(r -> assertTrue(r.passed(), r.toString()));
        }
    }

    /** Streams a generated 50 MB message (lines of 76 characters) over SMTP and returns the reply to the data. */
    private static String send(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(120_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null && line.startsWith("250-")) {
                // capabilities
            }
            out.write("MAIL FROM:<app@cast.works> SIZE=52500000\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            expect(in, "250");
            expect(in, "250");
            expect(in, "354");
            out.write("From: app@cast.works\r\nTo: rcpt@example.net\r\nSubject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] lineBytes = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ABCDEFGHIJKL\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] block = new byte[lineBytes.length * 1000];
            for (int i = 0; i < 1000; i++) {
                System.arraycopy(lineBytes, 0, block, i * lineBytes.length, lineBytes.length);
            }
            for (long sent = 0; sent < SIZE; sent += block.length) {
                out.write(block);
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = in.readLine();
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return reply;
        }
    }

    private static void expect(BufferedReader in, String code) throws Exception {
        String line = in.readLine();
        if (line == null || !line.startsWith(code)) {
            throw new AssertionError("expected " + code + ", got " + line);
        }
    }
}

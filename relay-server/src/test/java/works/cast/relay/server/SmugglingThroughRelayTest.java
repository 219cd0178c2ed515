package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * SMTP smuggling through the whole relay: an end-of-data sequence with a bare CR or LF never ends DATA, so the
 * "second message" hidden in the payload is never signed or delivered; the relay keeps serving afterwards.
 */
class SmugglingThroughRelayTest {

    @TempDir
    static Path dir;
    static TestRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = TestRelay.start(dir, "");
    }

    @AfterAll
    static void stop() {
        relay.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\n.\\n", "\\r.\\n", "\\n.\\r\\n", "\\r\\n.\\r", "\\r\\n.\\n", "\\n.\\r"})
    void hiddenSecondMessageIsNeverSent(String separator) throws Exception {
        String sep = separator.replace("\\r", "\r").replace("\\n", "\n");
        List<Path> before = relay.outbox();
        String payload = "From: app@cast.works\r\nSubject: first\r\n\r\nhello" + sep
                + "MAIL FROM:<ceo@cast.works>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n"
                + "From: ceo@cast.works\r\nSubject: smuggled\r\n\r\nwire the money\r\n.\r\n";
        List<String> replies = new ArrayList<>();
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            s.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            replies.add(in.readLine());
            out.write(("HELO c\r\nMAIL FROM:<app@cast.works>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 4; i++) {
                replies.add(in.readLine());
            }
            out.write(payload.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            replies.add(in.readLine()); // the one reply to the one DATA
            out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            replies.add(in.readLine());
        }
        String dataReply = replies.get(5);
        assertTrue(dataReply.startsWith("550 5.6.0"), replies.toString());
        assertTrue(replies.get(6).startsWith("250"), "the session goes on: " + replies);
        List<Path> after = new ArrayList<>(relay.outbox());
        after.removeAll(before);
        assertEquals(List.of(), after, "nothing delivered");
        for (Path p : relay.outbox()) {
            assertFalse(Files.readString(p).contains("smuggled"));
        }
    }
}

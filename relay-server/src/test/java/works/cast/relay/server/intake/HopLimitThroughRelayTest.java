package works.cast.relay.server.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.TestRelay;
import works.cast.relay.server.smtp.ExternalTools;

/**
 * Mail loops: a message whose Received fields, with the one the relay adds, exceed the hop limit is refused at the
 * end of DATA with 554 5.4.6 (Postfix hopcount_limit), sent by swaks.
 */
class HopLimitThroughRelayTest {

    @TempDir
    Path dir;

    @Test
    void fiftyReceivedFieldsWithTheRelaysOwnPassAndOneMoreIsALoop() throws Exception {
        String swaks = ExternalTools.require("/usr/bin/swaks");
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("default")), "")) {
            ExternalTools.Run ok = send(swaks, relay, 49);
            assertEquals(0, ok.exit(), ok.output());
            List<Path> out = relay.outbox();
            assertEquals(1, out.size());
            String delivered = Files.readString(out.get(0), StandardCharsets.US_ASCII);
            assertEquals(50, Pattern.compile("(?m)^Received:").matcher(delivered).results().count(), delivered);

            ExternalTools.Run loop = send(swaks, relay, 50);
            assertNotEquals(0, loop.exit(), loop.output());
            assertTrue(loop.output().contains("<** 554 5.4.6 Too many hops"), loop.output());
            assertEquals(1, relay.outbox().size(), "the looping message is not delivered");
        }
    }

    @Test
    void theLimitIsRelayLimitsHopCount() throws Exception {
        String swaks = ExternalTools.require("/usr/bin/swaks");
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("three")), "limits.hop-count = 3")) {
            assertEquals(0, send(swaks, relay, 2).exit());
            ExternalTools.Run loop = send(swaks, relay, 3);
            assertTrue(loop.output().contains("<** 554 5.4.6 Too many hops"), loop.output());
            assertEquals(1, relay.outbox().size());
        }
    }

    /** A message that has already passed {@code hops} servers, as swaks --data. */
    private ExternalTools.Run send(String swaks, TestRelay relay, int hops) throws Exception {
        StringBuilder m = new StringBuilder();
        for (int i = hops; i > 0; i--) {
            m.append("Received: from hop").append(i).append(".example.net by hop").append(i + 1)
                    .append(".example.net with ESMTP id h").append(i).append(";\r\n\tMon, 2 Nov 2026 10:00:00 +0000\r\n");
        }
        m.append("From: app@cast.works\r\nTo: rcpt@example.net\r\nSubject: round and round\r\n\r\nbody\r\n");
        Path data = Files.writeString(dir.resolve("hops-" + hops + ".eml"), m.toString());
        return ExternalTools.run(List.of(swaks, "--server", "127.0.0.1:" + relay.port(), "--from", "app@cast.works",
                "--to", "rcpt@example.net", "--data", data.toString()), Duration.ofSeconds(30));
    }
}

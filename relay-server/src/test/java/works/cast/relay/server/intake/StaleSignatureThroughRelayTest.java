package works.cast.relay.server.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.VerifyOutcome;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.SmtpTestClient;
import works.cast.relay.server.TestRelay;

/** A message that arrives signed with the relay's own d=/s= leaves with one signature per pair, verified by dkimpy. */
class StaleSignatureThroughRelayTest {

    @Test
    void staleCopyOfOurSignatureIsDroppedAndForeignOnesStay(@TempDir Path dir) throws Exception {
        try (TestRelay relay = TestRelay.start(dir, "")) {
            List<SelectorKey> active = relay.keys().active(new Domain("cast.works"));
            String rsa = active.stream().filter(k -> k.key().algorithm().tagValue().startsWith("rsa")).findFirst()
                    .orElseThrow().selector();
            String message = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=app;\r\n"
                    + "\th=from; bh=AAAA; b=BBBB\r\n"
                    + "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=Cast.Works;\r\n"
                    + "\ts=" + rsa + "; h=from:subject; bh=CCCC; b=DDDD\r\n"
                    + "From: app@cast.works\r\nTo: r@example.net\r\nSubject: signed twice\r\n\r\nbody\r\n";
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                assertTrue(c.send("app@cast.works", "r@example.net", message).startsWith("250 "));
            }
            byte[] out = Files.readAllBytes(relay.outbox().get(0));
            String text = new String(out, StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("d=example.org; s=app;"), "a foreign signature stays: " + text);
            assertTrue(!text.contains("bh=CCCC"), "the stale copy is gone: " + text);
            Matcher m = Pattern.compile("(?m)^DKIM-Signature:").matcher(text);
            int count = 0;
            while (m.find()) {
                count++;
            }
            assertEquals(3, count, "the relay's RSA and Ed25519 signatures and the foreign one: " + text);
            for (int i = 0; i < 2; i++) {
                VerifyOutcome o = Dkimpy.create().verify(out, relay.dnsRecords(), i);
                assertTrue(o.allPass(), o::describe);
                assertEquals("cast.works", o.signatures().get(0).domain());
            }
        }
    }
}

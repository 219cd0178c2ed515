package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.message.Reply;

class ReplyDecoderTest {

    private static Reply decode(String wire, int split) {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyDecoder());
        byte[] b = wire.getBytes(StandardCharsets.UTF_8);
        ch.writeInbound(Unpooled.wrappedBuffer(b, 0, split));
        ch.writeInbound(Unpooled.wrappedBuffer(b, split, b.length - split));
        Reply r = ch.readInbound();
        ch.finishAndReleaseAll();
        return r;
    }

    @Test
    void multiLineReplySplitAnywhere() {
        String wire = "250-mx.example.net Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n";
        for (int i = 0; i <= wire.length(); i++) {
            Reply r = decode(wire, i);
            assertEquals(250, r.code());
            assertEquals(List.of("mx.example.net Hello", "PIPELINING", "SIZE 1000", "STARTTLS"), r.lines());
        }
    }

    @Test
    void enhancedCodeIsSplitOff() {
        Reply r = decode("550 5.1.1 No such user\r\n", 3);
        assertEquals("5.1.1", r.enhanced());
        assertEquals(List.of("No such user"), r.lines());
        assertEquals("", decode("250 4.1.1 odd\r\n", 0).enhanced());
    }

    @Test
    void malformedCodesAreProtocolErrors() {
        for (String bad : List.of("2x0 Ok\r\n", "25 Ok\r\n", "190 Ok\r\n", "250xOk\r\n", "250-a\r\n251 b\r\n")) {
            EmbeddedChannel ch = new EmbeddedChannel(new ReplyDecoder());
            assertThrows(ReplyDecoder.MalformedReplyException.class,
                    () -> ch.writeInbound(Unpooled.copiedBuffer(bad, StandardCharsets.US_ASCII)), bad);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void incompleteReplyWaits() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyDecoder());
        ch.writeInbound(Unpooled.copiedBuffer("250-a\r\n250 b", StandardCharsets.US_ASCII));
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void extensionsFromEhlo() {
        Extensions e = Extensions.parse(decode("250-mx Hello\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
                + "250-8BITMIME\r\n250-SMTPUTF8\r\n250-STARTTLS\r\n250-AUTH PLAIN login\r\n250-AUTH=LOGIN\r\n"
                + "250 ENHANCEDSTATUSCODES\r\n", 0));
        assertTrue(e.pipelining() && e.size() && e.eightBitMime() && e.smtpUtf8() && e.startTls()
                && e.enhancedStatusCodes());
        assertEquals(52428800L, e.maxSize());
        assertEquals(Set.of("PLAIN", "LOGIN"), e.authMechanisms());
        assertEquals(0, Extensions.parse(decode("250-mx\r\n250 SIZE\r\n", 0)).maxSize());
    }
}

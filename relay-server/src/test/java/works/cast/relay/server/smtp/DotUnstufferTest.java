package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DotUnstufferTest {

    /** The result of reading one DATA stream: content, whether it ended, rejection and the bytes after the end. */
    record Result(String content, boolean done, DotUnstuffer.Rejection rejection, String rest) {
    }

    static Result read(String wire, long max, boolean normalize, int... splits) {
        byte[] bytes = wire.getBytes(StandardCharsets.ISO_8859_1);
        DotUnstuffer reader = new DotUnstuffer(max, normalize);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        int from = 0;
        int[] cuts = new int[splits.length + 1];
        System.arraycopy(splits, 0, cuts, 0, splits.length);
        cuts[splits.length] = bytes.length;
        String rest = "";
        for (int cut : cuts) {
            ByteBuf in = Unpooled.wrappedBuffer(bytes, from, cut - from);
            ByteBuf out = Unpooled.buffer();
            if (!reader.isDone()) {
                reader.update(in, out);
            }
            content.writeBytes(ByteBufs.bytes(out));
            rest += in.toString(StandardCharsets.ISO_8859_1);
            from = cut;
        }
        return new Result(content.toString(StandardCharsets.ISO_8859_1), reader.isDone(), reader.rejection(), rest);
    }

    static Result read(String wire) {
        return read(wire, Long.MAX_VALUE, false);
    }

    @Test
    void unstuffsDotOnFirstLine() {
        Result r = read("..x\r\n.\r\n");
        assertEquals(".x\r\n", r.content());
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.NONE, r.rejection());
    }

    @Test
    void unstuffsDotsOnLaterLinesOnly() {
        Result r = read("a.b\r\n..\r\n...x\r\n. y\r\n.\r\nQUIT\r\n");
        assertEquals("a.b\r\n.\r\n..x\r\n y\r\n", r.content());
        assertTrue(r.done());
        assertEquals("QUIT\r\n", r.rest());
    }

    @Test
    void emptyMessageEndsAtOnce() {
        Result r = read(".\r\n");
        assertEquals("", r.content());
        assertTrue(r.done());
    }

    @Test
    void everySplitPointGivesTheSameResult() {
        String wire = "From: a@b.example\r\nSubject: x\r\n\r\n..dot\r\nline . \r\n.x\r\n\r\n..\r\nend\r\n.\r\nNOOP\r\n";
        Result whole = read(wire);
        assertEquals("From: a@b.example\r\nSubject: x\r\n\r\n.dot\r\nline . \r\nx\r\n\r\n.\r\nend\r\n", whole.content());
        for (int i = 0; i <= wire.length(); i++) {
            assertEquals(whole, read(wire, Long.MAX_VALUE, false, i), "split at " + i);
            for (int j = i; j <= wire.length(); j += 7) {
                assertEquals(whole, read(wire, Long.MAX_VALUE, false, i, j), "split at " + i + "," + j);
            }
        }
    }

    @Test
    void everySplitPointWithRejectionAndNormalization() {
        String wire = "a\nb\r\n.\nc\r\n\r\n.\r\nX";
        for (boolean normalize : new boolean[] {false, true}) {
            Result whole = read(wire, Long.MAX_VALUE, normalize);
            assertTrue(whole.done());
            for (int i = 0; i <= wire.length(); i++) {
                assertEquals(whole, read(wire, Long.MAX_VALUE, normalize, i), "split at " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\n", "\n.\r\n", "\r\n.\r", "\r\n.\n", "\n.\r"})
    void smugglingSequencesNeverEndData(String smuggle) {
        String wire = "Subject: x\r\n\r\nbody" + smuggle + "MAIL FROM:<evil@x.example>\r\nRCPT TO:<v@y.example>\r\n"
                + "DATA\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n";
        Result r = read(wire);
        assertTrue(r.done());
        assertEquals("QUIT\r\n", r.rest(), "ends only at the real CRLF.CRLF");
        assertEquals(DotUnstuffer.Rejection.BARE_LINE_ENDING, r.rejection());
    }

    @Test
    void bareLfIsRejected() {
        Result r = read("a\nb\r\n.\r\n");
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.BARE_LINE_ENDING, r.rejection());
    }

    @Test
    void bareCrIsRejectedEvenWhenNormalizing() {
        Result r = read("a\rb\r\n.\r\n", Long.MAX_VALUE, true);
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.BARE_LINE_ENDING, r.rejection());
    }

    @Test
    void normalizedBareLfBecomesCrlfButNeverEndsData() {
        Result r = read("a\n.\nb\r\n.\r\nNOOP\r\n", Long.MAX_VALUE, true);
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.NONE, r.rejection());
        assertEquals("a\r\n.\r\nb\r\n", r.content());
        assertEquals("NOOP\r\n", r.rest());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r\n.\n"})
    void normalizedBareLfNeverEndsData(String smuggle) {
        Result r = read("body" + smuggle + "MAIL FROM:<e@x.example>\r\n.\r\nQUIT\r\n", Long.MAX_VALUE, true);
        assertTrue(r.done());
        assertEquals("QUIT\r\n", r.rest());
    }

    @Test
    void nulIsRejected() {
        Result r = read("a\u0000b\r\n.\r\n");
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.NUL, r.rejection());
    }

    @Test
    void lineOf998IsAcceptedAnd999Rejected() {
        String ok = "x".repeat(998);
        assertEquals(DotUnstuffer.Rejection.NONE, read(ok + "\r\n.\r\n").rejection());
        assertEquals(DotUnstuffer.Rejection.NONE, read("." + ok.substring(1) + "\r\n.\r\n").rejection());
        Result r = read(ok + "y\r\n.\r\n");
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.LINE_TOO_LONG, r.rejection());
    }

    /** RFC 5321 section 4.5.3.1.6: the transparency dot added by the client does not count towards 998 octets. */
    @Test
    void transparencyDotDoesNotCountTowardsTheLineLimit() {
        String text998 = "." + "x".repeat(997);
        String text999 = "." + "x".repeat(998);
        Result stuffed998 = read("." + text998 + "\r\n.\r\n");
        assertEquals(DotUnstuffer.Rejection.NONE, stuffed998.rejection());
        assertEquals(text998 + "\r\n", stuffed998.content());
        assertEquals(DotUnstuffer.Rejection.LINE_TOO_LONG, read("." + text999 + "\r\n.\r\n").rejection());
        assertEquals(DotUnstuffer.Rejection.NONE, read("x".repeat(998) + "\r\n.\r\n").rejection());
        assertEquals(DotUnstuffer.Rejection.LINE_TOO_LONG, read("x".repeat(999) + "\r\n.\r\n").rejection());
        Result split = read("a\r\n." + text998 + "\r\n.\r\n", Long.MAX_VALUE, false, 3, 4, 500);
        assertEquals(DotUnstuffer.Rejection.NONE, split.rejection());
        assertEquals("a\r\n" + text998 + "\r\n", split.content());
    }

    @Test
    void veryLongLineKeepsLookingForTheEnd() {
        Result r = read("x".repeat(100_000) + "\r\n.\r\nNOOP\r\n", Long.MAX_VALUE, false, 3000, 50_000);
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.LINE_TOO_LONG, r.rejection());
        assertEquals("NOOP\r\n", r.rest());
    }

    @Test
    void oversizeStopsWritingAndReadsToTheEnd() {
        Result r = read("12345678\r\n12345678\r\n.\r\nQUIT\r\n", 12, false);
        assertTrue(r.done());
        assertEquals(DotUnstuffer.Rejection.TOO_BIG, r.rejection());
        assertTrue(r.content().length() <= 12);
        assertEquals("QUIT\r\n", r.rest());
        assertEquals(DotUnstuffer.Rejection.NONE, read("12345678\r\n.\r\n", 10, false).rejection());
    }

    @Test
    void notDoneWithoutFinalDot() {
        Result r = read("a\r\n.x\r\n");
        assertFalse(r.done());
        assertEquals("a\r\nx\r\n", r.content());
    }

    @Test
    void sizeIsCountedAsLong() {
        DotUnstuffer reader = new DotUnstuffer(5_000_000_000L, false);
        reader.update(Unpooled.wrappedBuffer("ab\r\n".getBytes(StandardCharsets.US_ASCII)), Unpooled.buffer());
        assertEquals(4L, reader.size());
    }

    /**
     * The bulk copy of plain text runs must give what the byte-at-a-time state machine gives: the same output, the
     * same first rejection, size, end and bytes left, for random content cut into random chunks (lines near the
     * 998-octet limit, sizes near the message limit, dots, bare CRs and LFs, NULs).
     */
    @Test
    void theFastPathGivesWhatTheStateMachineGivesByteByByte() {
        java.util.Random random = new java.util.Random(20261204);
        byte[] alphabet = {'a', 'b', ' ', '.', '.', '\r', '\n', '\r', '\n', 0};
        for (int round = 0; round < 3000; round++) {
            java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
            int parts = 1 + random.nextInt(30);
            for (int p = 0; p < parts; p++) {
                int kind = random.nextInt(6);
                if (kind == 0) {
                    content.writeBytes("a".repeat(990 + random.nextInt(20)).getBytes(StandardCharsets.US_ASCII));
                } else if (kind == 1) {
                    content.writeBytes("\r\n.".getBytes(StandardCharsets.US_ASCII));
                } else if (kind == 2) {
                    content.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                } else {
                    for (int k = random.nextInt(40); k > 0; k--) {
                        content.write(alphabet[random.nextInt(alphabet.length)]);
                    }
                }
            }
            if (random.nextBoolean()) {
                content.writeBytes("\r\n.\r\nNEXT".getBytes(StandardCharsets.US_ASCII));
            }
            byte[] bytes = content.toByteArray();
            long maxSize = random.nextInt(4) == 0 ? Long.MAX_VALUE : 1 + random.nextInt(Math.max(1, bytes.length + 10));
            boolean normalize = random.nextBoolean();
            DotUnstuffer fast = new DotUnstuffer(maxSize, normalize, true);
            DotUnstuffer slow = new DotUnstuffer(maxSize, normalize, false);
            ByteBuf fastOut = Unpooled.buffer();
            ByteBuf slowOut = Unpooled.buffer();
            int left = feedInChunks(fast, bytes, fastOut, new java.util.Random(round));
            int slowLeft = feedInChunks(slow, bytes, slowOut, new java.util.Random(round));
            String what = "round " + round + " max " + maxSize + " normalize " + normalize;
            assertEquals(slow.rejection(), fast.rejection(), what);
            assertEquals(slow.size(), fast.size(), what);
            assertEquals(slow.isDone(), fast.isDone(), what);
            assertEquals(slowLeft, left, what);
            assertEquals(slowOut, fastOut, what);
        }
    }

    /** A byte that crosses the line limit and the size limit at once is a line too long, as byte by byte. */
    @Test
    void aByteOverBothLimitsAtOnceIsALineTooLong() {
        for (boolean fastPath : new boolean[] {true, false}) {
            DotUnstuffer d = new DotUnstuffer(DotUnstuffer.MAX_LINE, false, fastPath);
            ByteBuf out = Unpooled.buffer();
            d.update(Unpooled.copiedBuffer("x".repeat(DotUnstuffer.MAX_LINE + 1) + "\r\n.\r\n",
                    StandardCharsets.US_ASCII), out);
            assertTrue(d.isDone());
            assertEquals(DotUnstuffer.Rejection.LINE_TOO_LONG, d.rejection(), "fast path " + fastPath);
            assertEquals(DotUnstuffer.MAX_LINE, d.size(), "fast path " + fastPath);
        }
    }

    /** Feeds {@code bytes} in random chunks until the end of data; returns how many bytes were left unread. */
    private static int feedInChunks(DotUnstuffer d, byte[] bytes, ByteBuf out, java.util.Random random) {
        int at = 0;
        while (at < bytes.length && !d.isDone()) {
            int n = Math.min(bytes.length - at, 1 + random.nextInt(700));
            ByteBuf in = Unpooled.wrappedBuffer(bytes, at, n);
            d.update(in, out);
            at += n - in.readableBytes();
            if (in.isReadable()) {
                break; // the end of data was read inside this chunk
            }
        }
        return bytes.length - at;
    }
}

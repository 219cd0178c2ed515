package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.smtp.DotUnstuffer;

class DotStufferTest {

    /** Stuffs {@code content} fed in the given pieces and returns the wire bytes before the final {@code .CRLF}. */
    static String stuff(String content, int... splits) {
        byte[] bytes = content.getBytes(StandardCharsets.ISO_8859_1);
        DotStuffer stuffer = new DotStuffer();
        ByteBuf out = Unpooled.buffer();
        int from = 0;
        int[] cuts = new int[splits.length + 1];
        System.arraycopy(splits, 0, cuts, 0, splits.length);
        cuts[splits.length] = bytes.length;
        for (int cut : cuts) {
            ByteBuf in = Unpooled.wrappedBuffer(bytes, from, cut - from);
            stuffer.update(in, out);
            assertEquals(0, in.readableBytes());
            from = cut;
        }
        stuffer.finish(out);
        assertEquals(out.readableBytes(), stuffer.written());
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void stuffsDotOnFirstLine() {
        assertEquals("..x\r\n", stuff(".x\r\n"));
    }

    @Test
    void stuffsDotsAtLineStartsOnly() {
        assertEquals("a.b\r\n..\r\n...x\r\n.. y\r\n", stuff("a.b\r\n.\r\n..x\r\n. y\r\n"));
    }

    @Test
    void addsLineEndWhenMissing() {
        assertEquals("abc\r\n", stuff("abc"));
        assertEquals("abc\r\r\n", stuff("abc\r"));
        assertEquals("..\r\n", stuff("."));
        assertEquals("", stuff(""));
    }

    @Test
    void bareLineFeedDoesNotStartALine() {
        assertEquals("a\n.b\r\n", stuff("a\n.b\r\n"));
        assertEquals("a\r.b\r\n", stuff("a\r.b\r\n"));
        assertEquals("a\r\r\n..b\r\n", stuff("a\r\r\n.b\r\n"));
    }

    @Test
    void finishTwiceIsMisuse() {
        DotStuffer s = new DotStuffer();
        s.finish(Unpooled.buffer());
        assertThrows(IllegalStateException.class, () -> s.finish(Unpooled.buffer()));
        assertThrows(IllegalStateException.class, () -> s.update(Unpooled.buffer(), Unpooled.buffer()));
    }

    @Test
    void everySplitPointGivesTheSameBytes() {
        for (String content : List.of(".a\r\n..\r\n.\r\nb.\r\n.c", "\r\n.\r\n", "x\r\r\n.\r\n", ".")) {
            String whole = stuff(content);
            for (int i = 0; i <= content.length(); i++) {
                assertEquals(whole, stuff(content, i), "split at " + i);
                for (int j = i; j <= content.length(); j++) {
                    assertEquals(whole, stuff(content, i, j), "split at " + i + "," + j);
                }
            }
        }
    }

    @Test
    void roundTripsThroughTheServerSideUnstuffer() {
        for (String content : List.of(".a\r\n..\r\n.\r\nb.\r\n", "\r\n.\r\n..\r\n", "line\r\n.", "")) {
            String wire = stuff(content) + ".\r\n";
            DotUnstuffer reader = new DotUnstuffer(Long.MAX_VALUE, false);
            ByteBuf out = Unpooled.buffer();
            reader.update(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1), out);
            assertTrue(reader.isDone(), wire);
            String expected = content.isEmpty() || content.endsWith("\r\n") ? content : content + "\r\n";
            assertEquals(expected, out.toString(StandardCharsets.ISO_8859_1));
        }
    }

    /** Random content in random pieces against a stuffing of the whole content at once, done the obvious way. */
    @Test
    void randomContentInRandomPiecesIsStuffedAsAWhole() {
        java.util.Random random = new java.util.Random(20261204);
        char[] alphabet = {'a', ' ', '.', '.', '\r', '\n', '\r', '\n'};
        for (int round = 0; round < 2000; round++) {
            StringBuilder sb = new StringBuilder();
            for (int k = random.nextInt(200); k > 0; k--) {
                sb.append(random.nextInt(8) == 0 ? "x".repeat(random.nextInt(300)) : alphabet[random.nextInt(8)]);
            }
            String content = sb.toString();
            StringBuilder expected = new StringBuilder();
            for (int c = 0; c < content.length(); c++) {
                boolean lineStart = c == 0 || c >= 2 && content.charAt(c - 2) == '\r' && content.charAt(c - 1) == '\n';
                if (lineStart && content.charAt(c) == '.') {
                    expected.append('.');
                }
                expected.append(content.charAt(c));
            }
            if (!content.isEmpty() && !content.endsWith("\r\n")) {
                expected.append("\r\n");
            }
            int a = random.nextInt(content.length() + 1);
            int b = a + random.nextInt(content.length() - a + 1);
            assertEquals(expected.toString(), stuff(content, a, b), "round " + round);
        }
    }
}

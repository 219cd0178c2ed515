package works.cast.relay.server.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import works.cast.relay.server.message.Reply;

/**
 * Decodes upstream replies strictly (RFC 5321 section 4.2): every line is three digits, {@code -} or a space, then
 * text; the lines of one reply share their code; the first digit is 2 to 5. Anything else, such as {@code 2x0}
 * (which Netty's {@code SmtpResponseDecoder} reads as 190), raises {@link MalformedReplyException}. The enhanced
 * status code (RFC 3463) is split off when it matches the reply's class. The text is made safe here, where it enters
 * the relay ({@link ReplyText#clean}): no control character of the upstream's reaches a log line, a bounce or the
 * queue listing.
 */
final class ReplyDecoder extends ByteToMessageDecoder {

    /** A reply that does not follow the grammar. */
    static final class MalformedReplyException extends DecoderException {
        MalformedReplyException(String message) {
            super(message);
        }
    }

    static final int MAX_LINE = 4096;
    static final int MAX_LINES = 200;
    private static final Pattern ENHANCED = Pattern.compile("([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?: (.*)|$)");

    private final List<String> lines = new ArrayList<>();
    private int code;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
            if (eol < 0) {
                if (in.readableBytes() > MAX_LINE) {
                    throw new TooLongFrameException("upstream reply line longer than " + MAX_LINE);
                }
                return;
            }
            int length = eol - in.readerIndex();
            if (length > MAX_LINE) {
                throw new TooLongFrameException("upstream reply line longer than " + MAX_LINE);
            }
            String line = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
            in.readerIndex(eol + 1);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            Reply reply = line(line);
            if (reply != null) {
                out.add(reply);
            }
        }
    }

    /** Takes one line without its line end; returns the reply when this was its last line. */
    private Reply line(String line) {
        if (line.length() < 3 || !digit(line.charAt(0), '2', '5') || !digit(line.charAt(1), '0', '9')
                || !digit(line.charAt(2), '0', '9') || (line.length() > 3 && line.charAt(3) != ' '
                && line.charAt(3) != '-')) {
            throw new MalformedReplyException("malformed upstream reply: " + printable(line));
        }
        int lineCode = Integer.parseInt(line.substring(0, 3));
        if (!lines.isEmpty() && lineCode != code) {
            throw new MalformedReplyException("upstream reply code changed within a reply: " + printable(line));
        }
        code = lineCode;
        lines.add(line.length() > 4 ? ReplyText.clean(line.substring(4)) : "");
        if (lines.size() > MAX_LINES) {
            throw new MalformedReplyException("upstream reply longer than " + MAX_LINES + " lines");
        }
        if (line.length() > 3 && line.charAt(3) == '-') {
            return null;
        }
        Reply reply = build(code, lines);
        lines.clear();
        return reply;
    }

    /** Splits a leading enhanced status code of the reply's class off every line. */
    static Reply build(int code, List<String> texts) {
        String enhanced = "";
        List<String> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            Matcher m = ENHANCED.matcher(t);
            if (m.matches() && m.group(1).charAt(0) == (char) ('0' + code / 100)
                    && (i == 0 || m.group(1).equals(enhanced))) {
                if (i == 0) {
                    enhanced = m.group(1);
                }
                t = m.group(2) == null ? "" : m.group(2);
            }
            out.add(t);
        }
        return new Reply(code, enhanced, out);
    }

    /** True when no reply is partly read: no bytes buffered and no continuation lines held. */
    boolean isEmpty() {
        return actualReadableBytes() == 0 && lines.isEmpty();
    }

    private static boolean digit(char c, char min, char max) {
        return c >= min && c <= max;
    }

    private static String printable(String s) {
        return ReplyText.clean(s.length() > 80 ? s.substring(0, 80) + "..." : s);
    }
}

package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;

/**
 * The v2 message file {@code <id>.msg}: everything about a message in one file, written once and never rewritten.
 * A header of {@code key value} lines ({@link MetaFormat}) ended by an empty line, the prepended header fields, the
 * received bytes untouched, then a fixed 30-byte trailer with the length of the received bytes and the CRC32C of
 * everything before the trailer.
 *
 * <pre>
 * dkim-relay-queue 2
 * id 01JD3M8Q2W6XK9ZT
 * received 2026-11-28T04:30:00Z
 * from billing%40cast.works
 * eight-bit false
 * smtp-utf8 false
 * client 10.0.0.5
 * user billing
 * tls-requirement requiretls         only for REQUIRETLS or TLS-Required: No (RFC 8689); older files lack it
 * prepend 512                        bytes of prepended fields after the header
 * rcpt a%40example.net state=pending attempts=0 next=2026-11-28T04:30:00Z
 *                                    the empty line ends the header
 * DKIM-Signature: ...                the prepended fields, then the received bytes
 * end 0000000000001400 5c1a04f3      received bytes in 16 hex digits, CRC32C in 8, then a line feed
 * </pre>
 *
 * A file is usable only when its version and id are right, the header, prepend, received bytes and trailer add up to
 * the file's length exactly, and the CRC matches: a torn, cut, extended or bit-flipped file fails one of these.
 * Recipient state that changes later lives beside it in {@link StateFile}.
 */
final class MessageFile {

    static final String MAGIC = "dkim-relay-queue 2";
    static final int TRAILER = 30;
    private static final int MAX_HEADER = 1 << 20;
    private static final int CHUNK = 64 * 1024;

    private MessageFile() {
    }

    /** The header and prepended fields; the received bytes follow them. */
    static byte[] head(QueueEntry e) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(MAGIC).append('\n');
        MetaFormat.common(sb, e);
        byte[] prepend = e.prepend();
        sb.append("prepend ").append(prepend.length).append('\n');
        MetaFormat.recipients(sb, e.recipients());
        sb.append('\n');
        byte[] header = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[header.length + prepend.length];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(prepend, 0, out, header.length, prepend.length);
        return out;
    }

    /**
     * Writes the whole file to {@code out} from offset 0 and cuts it there: the head, {@code entry.size()} bytes of
     * {@code body} from its offset 0, the trailer. The caller fsyncs and renames. Fails when {@code body} is shorter.
     */
    static void write(FileChannel out, QueueEntry entry, FileChannel body, FileSystemGuard guard) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer head = ByteBuffer.wrap(head(entry));
        crc.update(head.duplicate());
        out.position(0);
        guard.write(out, head);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, entry.size())));
        long left = entry.size();
        long pos = 0;
        while (left > 0) {
            buf.clear();
            if (left < buf.capacity()) {
                buf.limit((int) left);
            }
            int n = body.read(buf, pos);
            if (n < 0) {
                throw new IOException("message " + entry.id() + ": spool file ends " + left + " bytes early");
            }
            buf.flip();
            crc.update(buf.duplicate());
            guard.write(out, buf);
            pos += n;
            left -= n;
        }
        guard.write(out, ByteBuffer.wrap(trailer(entry.size(), crc.getValue())));
        out.truncate(out.position());
    }

    /** {@code end <16 hex digits of the length> <8 hex digits of the CRC>\n} (without String.format: every message). */
    static byte[] trailer(long bodyLength, long crc) {
        return ("end " + hex(bodyLength, 16) + " " + hex(crc, 8) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex(long value, int digits) {
        String h = Long.toHexString(value);
        return h.length() >= digits ? h : "0".repeat(digits - h.length()) + h;
    }

    /**
     * Reads a message file; {@code verify} also reads every byte and checks the CRC (recovery), otherwise only the
     * header, prepend and trailer are read (an attempt, the queue command). {@code name} names the file in errors.
     */
    static QueueEntry read(FileChannel ch, QueueId expected, boolean verify, String name) throws IOException {
        long length = ch.size();
        String what = "message file " + name;
        if (length < TRAILER + MAGIC.length() + 2) {
            throw new IOException(what + ": too short (" + length + " bytes)");
        }
        long bodyLength = trailerLength(readFully(ch, length - TRAILER, TRAILER), what);
        byte[] start;
        int end;
        int want = 8192;
        do { // most headers fit the first 8 KiB; a long recipient list may need more
            start = readFully(ch, 0, (int) Math.min(length - TRAILER, want));
            end = headerEnd(start);
            want *= 4;
        } while (end < 0 && start.length < Math.min(length - TRAILER, MAX_HEADER));
        if (end < 0 || !new String(start, 0, MAGIC.length() + 1, StandardCharsets.UTF_8).equals(MAGIC + "\n")) {
            throw new IOException(what + ": not a dkim-relay queue file of version 2");
        }
        MetaFormat.Fields f = MetaFormat.fields(new String(start, MAGIC.length() + 1, end - 1 - (MAGIC.length() + 1),
                StandardCharsets.UTF_8), what);
        int prependLength;
        try {
            prependLength = Integer.parseInt(f.take("prepend"));
        } catch (IllegalArgumentException e) {
            throw new IOException(what + ": bad prepend length: " + e.getMessage());
        }
        if (prependLength < 0 || (long) end + prependLength + bodyLength + TRAILER != length) {
            throw new IOException(what + ": length " + length + " does not match header " + end + " + prepend "
                    + prependLength + " + received " + bodyLength + " + trailer " + TRAILER);
        }
        byte[] prepend = end + prependLength <= start.length
                ? java.util.Arrays.copyOfRange(start, end, end + prependLength)
                : readFully(ch, end, prependLength);
        QueueEntry entry = f.entry(bodyLength, prepend);
        if (!entry.id().equals(expected)) {
            throw new IOException(what + ": holds message " + entry.id() + ", not " + expected);
        }
        if (verify) {
            long crc = crc(ch, length - TRAILER);
            byte[] trailer = readFully(ch, length - TRAILER, TRAILER);
            if (!java.util.Arrays.equals(trailer, trailer(bodyLength, crc))) {
                throw new IOException(what + ": CRC32C mismatch (file " + String.format("%08x", crc) + ", trailer "
                        + new String(trailer, 21, 8, StandardCharsets.US_ASCII) + ")");
            }
        }
        return entry;
    }

    /** Where the prepended fields start, in a file of {@code length} bytes holding {@code entry}. */
    static long contentOffset(QueueEntry entry, long length) {
        return length - TRAILER - entry.totalSize();
    }

    private static long trailerLength(byte[] t, String what) throws IOException {
        String s = new String(t, StandardCharsets.US_ASCII);
        if (!s.startsWith("end ") || s.charAt(20) != ' ' || s.charAt(29) != '\n') {
            throw new IOException(what + ": no trailer at its end (cut or extended)");
        }
        try {
            return Long.parseUnsignedLong(s.substring(4, 20), 16);
        } catch (NumberFormatException e) {
            throw new IOException(what + ": bad trailer length");
        }
    }

    /** Offset just past the empty line that ends the header, or -1. */
    private static int headerEnd(byte[] b) {
        for (int i = 1; i < b.length; i++) {
            if (b[i] == '\n' && b[i - 1] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }

    private static long crc(FileChannel ch, long upTo) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long pos = 0;
        while (pos < upTo) {
            buf.clear();
            if (upTo - pos < CHUNK) {
                buf.limit((int) (upTo - pos));
            }
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("file shrank while read");
            }
            buf.flip();
            crc.update(buf);
            pos += n;
        }
        return crc.getValue();
    }

    static byte[] readFully(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("file shrank while read");
            }
        }
        return b.array();
    }
}

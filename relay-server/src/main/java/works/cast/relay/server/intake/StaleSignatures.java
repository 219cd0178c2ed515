package works.cast.relay.server.intake;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.TagList;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;

/**
 * DKIM-Signature fields of a received message that carry the same {@code d=} and {@code s=} as a signature the
 * relay is about to add (an application that signs itself, or a second relay in a chain). Such a copy is stale: it
 * would reach the receiver beside the new one under one key name, and verifiers may judge by either. The relay drops
 * it from the spooled bytes; signatures of other domains or selectors stay untouched.
 *
 * <p>The new signature never covers DKIM-Signature fields, so removing them keeps it valid. The header block is the
 * start of the spool file, field after field, so each field's offset is the sum of the lengths before it; the bytes
 * are compared before anything is removed.
 */
final class StaleSignatures {

    /** A byte range of the spool file: one header field. */
    record Range(long offset, HeaderField field) {
    }

    private StaleSignatures() {
    }

    /** The fields to drop, in file order; empty in the common case. */
    static List<Range> find(HeaderBlock original, List<SigningRequest> requests) {
        List<Range> out = new ArrayList<>();
        long offset = 0;
        for (HeaderField f : original.fields()) {
            if (f.is("dkim-signature") && matches(f, requests)) {
                out.add(new Range(offset, f));
            }
            offset += f.length();
        }
        return out;
    }

    private static boolean matches(HeaderField f, List<SigningRequest> requests) {
        Optional<String> d;
        Optional<String> s;
        try {
            TagList tags = TagList.parse(f.unfoldedValue());
            d = tags.getCompact("d");
            s = tags.getCompact("s");
        } catch (IllegalArgumentException malformed) {
            return false; // not ours to judge: a verifier will call it broken either way
        }
        if (d.isEmpty() || s.isEmpty()) {
            return false;
        }
        String domain = d.get().toLowerCase(Locale.ROOT);
        for (SigningRequest r : requests) {
            if (r.domain().name().equals(domain) && r.selector().equalsIgnoreCase(s.get())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Removes the ranges from the spool file in place (the bytes after each move forward) and truncates it.
     *
     * @return the number of bytes removed
     * @throws IOException when the file cannot be rewritten, or its bytes are not the fields found
     */
    static long strip(Path spool, long size, List<Range> ranges) throws IOException {
        try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (Range r : ranges) {
                ByteBuffer actual = ByteBuffer.allocate(r.field().length());
                while (actual.hasRemaining() && ch.read(actual, r.offset() + actual.position()) > 0) {
                    // read the whole field
                }
                if (!Arrays.equals(actual.array(), r.field().raw())) {
                    throw new IOException("spool " + spool + ": bytes at " + r.offset() + " are not the header field");
                }
            }
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long write = ranges.get(0).offset();
            for (int i = 0; i < ranges.size(); i++) {
                long read = ranges.get(i).offset() + ranges.get(i).field().length();
                long end = i + 1 < ranges.size() ? ranges.get(i + 1).offset() : size;
                while (read < end) {
                    buf.clear().limit((int) Math.min(buf.capacity(), end - read));
                    int n = ch.read(buf, read);
                    if (n <= 0) {
                        throw new IOException("spool " + spool + ": shorter than " + size + " bytes");
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        write += ch.write(buf, write);
                    }
                    read += n;
                }
            }
            ch.truncate(write);
            return size - write;
        }
    }
}

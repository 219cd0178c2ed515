package works.cast.relay.server.intake;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;

/**
 * What the relay changes in a received header block before it signs: stale copies of its own signatures go
 * ({@link StaleSignatures}), and whitespace between a field name and its colon ({@code Subject :}, RFC 5322 section
 * 4.5.8) is removed. dkimpy refuses a message with that obsolete form outright, under either canonicalization; without
 * the whitespace the field means the same and every verifier reads it.
 *
 * <p>The header block is the start of the spool file, field after field, so each field's offset is the sum of the
 * lengths before it. Every edit only shortens a field, so the bytes after it move forward within the same file.
 */
final class HeaderEdits {

    /** One field of the spool file and what replaces it (nothing, for a removed field). */
    record Edit(long offset, HeaderField original, byte[] replacement) {
    }

    private final HeaderBlock headers;
    private final List<Edit> edits;
    private final int removed;

    private HeaderEdits(HeaderBlock headers, List<Edit> edits, int removed) {
        this.headers = headers;
        this.edits = edits;
        this.removed = removed;
    }

    /** The edits for signing with {@code requests}; none in the common case. */
    static HeaderEdits plan(HeaderBlock original, List<SigningRequest> requests) {
        List<HeaderField> kept = new ArrayList<>(original.fields().size());
        List<Edit> edits = new ArrayList<>();
        int removed = 0;
        long offset = 0;
        for (HeaderField f : original.fields()) {
            if (StaleSignatures.isStale(f, requests)) {
                edits.add(new Edit(offset, f, new byte[0]));
                removed++;
            } else if (f.hasSpaceBeforeColon()) {
                HeaderField respaced = f.withoutSpaceBeforeColon();
                edits.add(new Edit(offset, f, respaced.raw()));
                kept.add(respaced);
            } else {
                kept.add(f);
            }
            offset += f.length();
        }
        return new HeaderEdits(edits.isEmpty() ? original : new HeaderBlock(kept), List.copyOf(edits), removed);
    }

    /** The header block as it leaves the relay: what the signatures cover. */
    HeaderBlock headers() {
        return headers;
    }

    boolean isEmpty() {
        return edits.isEmpty();
    }

    /** Stale signatures removed. */
    int removedSignatures() {
        return removed;
    }

    /** Fields whose whitespace before the colon is removed. */
    int respacedFields() {
        return edits.size() - removed;
    }

    /**
     * Rewrites the spool file in place: checks that each edited field is there, writes its replacement and moves the
     * bytes after it forward, then truncates.
     *
     * @return the number of bytes the file became shorter
     * @throws IOException when the file cannot be rewritten, or its bytes are not the fields found
     */
    long apply(Path spool, long size) throws IOException {
        if (edits.isEmpty()) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (Edit e : edits) {
                ByteBuffer actual = ByteBuffer.allocate(e.original().length());
                while (actual.hasRemaining() && ch.read(actual, e.offset() + actual.position()) > 0) {
                    // read the whole field
                }
                if (!Arrays.equals(actual.array(), e.original().raw())) {
                    throw new IOException("spool " + spool + ": bytes at " + e.offset() + " are not the header field");
                }
            }
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long write = edits.get(0).offset();
            for (int i = 0; i < edits.size(); i++) {
                Edit e = edits.get(i);
                ByteBuffer replacement = ByteBuffer.wrap(e.replacement());
                while (replacement.hasRemaining()) {
                    write += ch.write(replacement, write);
                }
                long read = e.offset() + e.original().length();
                long end = i + 1 < edits.size() ? edits.get(i + 1).offset() : size;
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

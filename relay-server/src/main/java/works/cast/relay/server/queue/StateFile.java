package works.cast.relay.server.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.RecipientStatus;

/**
 * The side file {@code <id>.state}: the recipients' state once an attempt has changed it without finishing the
 * message (deferred, attempts, next attempt, last reply, done). Written whole and atomically (temp, fsync, rename);
 * a message delivered on its first attempt never has one. Self-checking like {@link MessageFile}.
 *
 * <pre>
 * dkim-relay-state 1
 * id 01JD3M8Q2W6XK9ZT
 * rcpt a%40example.net state=pending attempts=1 next=2026-11-28T04:31:00Z code=451 enhanced=4.4.1 text=...
 * crc 5c1a04f3                       CRC32C of the lines above
 * </pre>
 */
final class StateFile {

    static final String MAGIC = "dkim-relay-state 1";

    private StateFile() {
    }

    static byte[] write(QueueEntry e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(MAGIC).append('\n').append("id ").append(e.id().value()).append('\n');
        MetaFormat.recipients(sb, e.recipients());
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] end = String.format("crc %08x\n", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(body, body.length + end.length);
        System.arraycopy(end, 0, out, body.length, end.length);
        return out;
    }

    /**
     * The message with the recipients' state from a side file; fails when the file is damaged, names another
     * message or lists other recipients than the message has.
     */
    static QueueEntry apply(QueueEntry message, byte[] data, String name) throws IOException {
        String what = "state file " + name;
        int crcLine = data.length - 13;
        if (crcLine < MAGIC.length() + 1 || data[data.length - 1] != '\n'
                || !new String(data, crcLine, 4, StandardCharsets.US_ASCII).equals("crc ")) {
            throw new IOException(what + ": not a complete dkim-relay state file");
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, crcLine);
        String stored = new String(data, crcLine + 4, 8, StandardCharsets.US_ASCII);
        if (!stored.equals(String.format("%08x", crc.getValue()))) {
            throw new IOException(what + ": CRC32C mismatch");
        }
        String text = new String(data, 0, crcLine, StandardCharsets.UTF_8);
        if (!text.startsWith(MAGIC + "\n")) {
            throw new IOException(what + ": not a dkim-relay state file of version 1");
        }
        MetaFormat.Fields f = MetaFormat.fields(text.substring(MAGIC.length() + 1), what);
        if (!message.id().value().equals(f.values().get("id")) || f.values().size() != 1) {
            throw new IOException(what + ": does not belong to message " + message.id());
        }
        List<String> have = f.recipients().stream().map(RecipientStatus::address).toList();
        List<String> want = message.recipients().stream().map(RecipientStatus::address).toList();
        if (!have.equals(want)) {
            throw new IOException(what + ": recipients " + have + " are not the message's " + want);
        }
        List<RecipientStatus> rcpts = f.recipients();
        int[] i = {0};
        return message.withRecipients(r -> rcpts.get(i[0]++));
    }
}

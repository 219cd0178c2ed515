package works.cast.relay.server.queue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32C;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;

/**
 * Queue directories made directly, without a relay: v1 messages ({@code <id>.eml} + {@code <id>.meta}) written the
 * way relays before the v2 format wrote them, from this writer's own code rather than the relay's classes, and v2
 * {@code <id>.msg} files in bulk for tests that need a large queue fast.
 */
public final class QueueFixtures {

    public static final String PREPEND = "DKIM-Signature: v=1; a=rsa-sha256; d=cast.works; s=s1; b=abc\r\n";

    /** Prepended fields of a real size: a Received field and an RSA-2048 DKIM-Signature (about 900 bytes). */
    static final String REAL_PREPEND = "Received: from app.cast.works (app.cast.works [10.0.0.5])\r\n"
            + "\tby relay.test (dkim-relay) with ESMTPSA id 01JD3M8Q2W6XK9ZT\r\n"
            + "\tfor <rcpt@example.net>; Sat, 28 Nov 2026 04:30:00 +0000\r\n"
            + "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=cast.works; s=s1;\r\n"
            + "\tt=1795833000; x=1796265000; h=from:from:to:to:subject:subject:date:date:message-id;\r\n"
            + "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
            + "\tb=" + "A".repeat(76) + "\r\n\t " + "B".repeat(76) + "\r\n\t " + "C".repeat(76) + "\r\n\t "
            + "D".repeat(76) + "\r\n\t " + "E".repeat(40) + "==\r\n";

    private QueueFixtures() {
    }

    /** One recipient line of a v1 {@code .meta}: address, state, attempts, next attempt and the last reply. */
    public record V1Recipient(String address, String state, int attempts, Instant next, String lastReply) {
        public static V1Recipient pending(String address, Instant next) {
            return new V1Recipient(address, "pending", 0, next, null);
        }
    }

    /** Writes a v1 message as a v1 relay committed it and returns its id. */
    public static QueueId writeV1(Path dir, String from, List<V1Recipient> rcpts, Instant received, String body)
            throws IOException {
        QueueId id = QueueId.next();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(dir);
        Files.write(dir.resolve(id + ".eml"), bytes);
        StringBuilder meta = new StringBuilder("dkim-relay-queue 1\n")
                .append("id ").append(id).append('\n')
                .append("received ").append(received).append('\n')
                .append("from ").append(enc(from)).append('\n')
                .append("size ").append(bytes.length).append('\n')
                .append("eight-bit false\n")
                .append("smtp-utf8 false\n")
                .append("client ").append(enc("10.0.0.5")).append('\n')
                .append("user ").append(enc("billing")).append('\n')
                .append("prepend ").append(Base64.getEncoder().encodeToString(
                        PREPEND.getBytes(StandardCharsets.US_ASCII))).append('\n');
        for (V1Recipient r : rcpts) {
            meta.append("rcpt ").append(enc(r.address())).append(" state=").append(r.state())
                    .append(" attempts=").append(r.attempts()).append(" next=").append(r.next());
            if (r.lastReply() != null) {
                meta.append(" code=").append(r.lastReply().substring(0, 3)).append(" enhanced=")
                        .append(enc(r.lastReply().substring(4, 9))).append(" text=")
                        .append(enc(r.lastReply().substring(10))).append(" remote=").append(enc("smarthost old:587"));
            }
            meta.append('\n');
        }
        Files.writeString(dir.resolve(id + ".meta"), meta, StandardCharsets.UTF_8);
        return id;
    }

    /**
     * Writes {@code count} v2 messages of about {@code bodyBytes} each to {@code dir}, every one to {@code rcpt},
     * tried once and due at {@code next}; returns their ids in order.
     */
    public static List<QueueId> writeV2(Path dir, int count, int bodyBytes, String rcpt, Instant received,
                                        Instant next) throws IOException {
        Files.createDirectories(dir);
        List<QueueId> ids = new java.util.ArrayList<>(count);
        byte[] prepend = REAL_PREPEND.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < count; i++) {
            QueueId id = QueueId.next();
            byte[] body = ("From: app@cast.works\r\nTo: " + rcpt + "\r\nSubject: fixture " + i + "\r\nX-Seq: " + i
                    + "\r\n\r\n" + "x".repeat(Math.max(0, bodyBytes - 80)) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            RecipientStatus r = RecipientStatus.pending(rcpt, received).attempted(RecipientState.PENDING, next,
                    new works.cast.relay.server.message.Reply(421, "4.4.2", "upstream down"), "smarthost down:25",
                    java.util.Optional.empty());
            QueueEntry e = new QueueEntry(id, "app@cast.works", List.of(r), received, body.length, false, false,
                    prepend, "10.0.0.5", java.util.Optional.empty());
            byte[] head = MessageFile.head(e);
            CRC32C crc = new CRC32C();
            crc.update(head);
            crc.update(body);
            try (OutputStream out = Files.newOutputStream(dir.resolve(id + ".msg"))) {
                out.write(head);
                out.write(body);
                out.write(MessageFile.trailer(body.length, crc.getValue()));
            }
            ids.add(id);
        }
        return ids;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

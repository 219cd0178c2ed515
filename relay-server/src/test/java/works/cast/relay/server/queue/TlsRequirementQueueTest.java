package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.QueueEntry;

/**
 * The TLS requirement of a message (RFC 8689) in the v2 message file: written only when there is one, read back
 * after a restart (the recovery checks the CRC), and files without the line read as no requirement.
 */
class TlsRequirementQueueTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    @TempDir
    Path dir;

    private FileMessageQueue queue;

    @AfterEach
    void close() throws IOException {
        if (queue != null) {
            queue.close();
        }
    }

    private QueueEntry enqueue(String message, TlsRequirement tls) throws Exception {
        byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
        return (tls == null ? queue.enqueue("a@cast.works", List.of("b@example.net"), bytes)
                : queue.enqueue("a@cast.works", List.of("b@example.net"), bytes, tls))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private String header(QueueEntry e) throws IOException {
        String file = Files.readString(dir.resolve(e.id() + QueueFiles.MSG), StandardCharsets.ISO_8859_1);
        return file.substring(0, file.indexOf("\n\n"));
    }

    @Test
    void survivesARestartAndOnlyTaggedFilesCarryTheLine() throws Exception {
        queue = new FileMessageQueue(dir, new MutableClock(T0));
        QueueEntry required = enqueue("Subject: a\r\n\r\nx\r\n", TlsRequirement.REQUIRED);
        QueueEntry optional = enqueue("TLS-Required: No\r\nSubject: b\r\n\r\nx\r\n", null);
        QueueEntry plain = enqueue("Subject: c\r\n\r\nx\r\n", null);
        assertTrue(header(required).contains("\ntls-requirement requiretls\n"), header(required));
        assertTrue(header(optional).contains("\ntls-requirement tls-required-no\n"), header(optional));
        assertFalse(header(plain).contains("tls-requirement"), "as files written before it: " + header(plain));
        queue.close();

        queue = new FileMessageQueue(dir, new MutableClock(T0));
        assertEquals(TlsRequirement.REQUIRED, queue.load(required.id()).orElseThrow().tls());
        assertEquals(TlsRequirement.OPTIONAL, queue.load(optional.id()).orElseThrow().tls());
        assertEquals(TlsRequirement.DEFAULT, queue.load(plain.id()).orElseThrow().tls());
        assertEquals(TlsRequirement.REQUIRED, queue.load(required.id()).orElseThrow()
                .withRecipients(r -> r).tls(), "a state change keeps it");
    }

    @Test
    void anUnknownRequirementMakesTheFileUnusable() throws Exception {
        queue = new FileMessageQueue(dir, new MutableClock(T0));
        QueueEntry e = enqueue("Subject: a\r\n\r\nx\r\n", TlsRequirement.REQUIRED);
        Path file = dir.resolve(e.id() + QueueFiles.MSG);
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        // Same length, so only the value is wrong (and the CRC no longer matches).
        Files.writeString(file, text.replace("tls-requirement requiretls", "tls-requirement requiretlX"),
                StandardCharsets.ISO_8859_1);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            IOException x = assertThrows(IOException.class, () -> MessageFile.read(ch, e.id(), false, "m.msg"));
            assertTrue(x.getMessage().contains("tls-requirement"), x.getMessage());
        }
    }
}

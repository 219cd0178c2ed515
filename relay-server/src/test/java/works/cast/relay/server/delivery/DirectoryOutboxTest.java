package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox after a crash: partial files go, delivered messages stay. */
class DirectoryOutboxTest {

    @TempDir
    Path dir;

    @Test
    void startupRemovesPartialFilesAndKeepsDeliveredMessages() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        Path spool = Files.createDirectories(dir.resolve("incoming"));
        Path arriving = Files.writeString(spool.resolve("01M8G7AXBZG4C5YF.eml"), "From: a@cast.works\r\n");
        Path halfCopied = Files.writeString(outbox.resolve(".01M8G7AXBZG4C5YG.eml.tmp"), "partial");
        Path delivered = Files.writeString(outbox.resolve("01M8G7AXBZG4C5YH.eml"), "whole");
        Path envelope = Files.writeString(outbox.resolve("01M8G7AXBZG4C5YH.json"), "{}");

        new DirectoryOutbox(outbox, spool);

        assertFalse(Files.exists(arriving), "never answered 250");
        assertFalse(Files.exists(halfCopied));
        assertTrue(Files.exists(delivered) && Files.exists(envelope));
    }
}

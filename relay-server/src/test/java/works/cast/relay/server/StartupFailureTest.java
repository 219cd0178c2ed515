package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay refuses to start, naming what is wrong, when it cannot use its directories or ports. */
class StartupFailureTest {

    @TempDir
    Path dir;

    @Test
    void queueDirectoryThatCannotBeCreated() throws Exception {
        Files.writeString(dir.resolve("file"), "not a directory");
        IOException e = assertThrows(IOException.class, () -> TestRelay.start(dir, """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = 9, tls = none } }
                queue.dir = "%s"
                """.formatted(dir.resolve("file/queue"))));
        assertTrue(e.getMessage().startsWith("queue directory " + dir.resolve("file/queue") + " cannot be created"),
                e.getMessage());
    }

    @Test
    void portAlreadyTaken() throws Exception {
        try (TestRelay first = TestRelay.start(Files.createDirectories(dir.resolve("a")), "")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> TestRelay.start(Files.createDirectories(dir.resolve("b")),
                            "smtp.listen = [ { address = \"127.0.0.1\", port = " + first.port() + ", tls = none } ]"));
            assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()) && e.getMessage().contains("cannot bind"),
                    e.getMessage());
        }
    }
}

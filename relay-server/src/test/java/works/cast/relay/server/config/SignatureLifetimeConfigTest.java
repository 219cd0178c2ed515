package works.cast.relay.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignatureLifetimeConfigTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path file = dir.resolve("relay.conf");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private Optional<Duration> expireAfter(String text) throws IOException {
        return ConfigLoader.read(Optional.of(write(text)), false).signing().expireAfter();
    }

    @Test
    void autoIsTheQueueMaxAgePlusOneDay() throws IOException {
        assertEquals(Optional.of(Duration.ofDays(6)), expireAfter("relay { }"));
        assertEquals(Optional.of(Duration.ofHours(60)), expireAfter("relay.queue.max-age = 36h"));
        assertEquals(Optional.of(Duration.ofDays(3)),
                expireAfter("relay { queue.max-age = 2d, signing.expire-after = auto }"));
    }

    @Test
    void offAndNullSignWithoutExpiry() throws IOException {
        assertEquals(Optional.empty(), expireAfter("relay.signing.expire-after = off"));
        assertEquals(Optional.empty(), expireAfter("relay.signing.expire-after = null"));
        assertEquals(Optional.of(Duration.ofDays(7)), expireAfter("relay.signing.expire-after = 7d"));
    }

    @Test
    void aLifetimeShorterThanTheQueueIsRefused() throws IOException {
        Path file = write("relay {\n  queue.max-age = 5d\n  signing.expire-after = 2d\n}\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.read(Optional.of(file), false));
        List<String> p = e.problems().stream().map(ConfigProblem::toString).toList();
        assertEquals(List.of(file + ":3: relay.signing.expire-after: shorter than relay.queue.max-age (120h): mail "
                + "retried near the end of its time in the queue would arrive with an expired signature; use auto, "
                + "off or at least the max-age"), p);
    }
}

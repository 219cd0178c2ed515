package works.cast.relay.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** relay.http.token-file: required off loopback, private to the relay like the users file. */
class HttpTokenConfigTest {

    @TempDir
    Path dir;

    private Path conf(String text) throws IOException {
        Path file = dir.resolve("relay.conf");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private List<String> problems(String text) throws IOException {
        Path file = conf(text);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ConfigLoader.read(Optional.of(file), true));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void loopbackNeedsNoToken() throws IOException {
        HttpConfig http = ConfigLoader.read(Optional.of(conf("relay.http.address = \"::1\"\n")), true).http();
        assertEquals(Optional.empty(), http.tokenFile());
    }

    @Test
    void anotherAddressNeedsATokenFile() throws IOException {
        Path file = dir.resolve("relay.conf");
        assertEquals(List.of(file + ":2: relay.http.address: \"0.0.0.0\" is not a loopback address: set "
                + "relay.http.token-file to a file holding one long random line (openssl rand -hex 32 > FILE; "
                + "chmod 600 FILE), the token that the console, /api/status and /metrics then require"),
                problems("relay.http.port = 9025\nrelay.http.address = \"0.0.0.0\"\n"));
        // a disabled endpoint binds nothing
        ConfigLoader.read(Optional.of(conf("relay.http { enabled = false, address = \"0.0.0.0\" }\n")), true);
    }

    @Test
    void theTokenFileMustExistAndBePrivate() throws IOException {
        Path token = dir.resolve("http-token");
        Path file = dir.resolve("relay.conf");
        String text = "relay.http.address = \"0.0.0.0\"\nrelay.http.token-file = \"" + token + "\"\n";
        assertEquals(List.of(file + ":2: relay.http.token-file: http token file " + token + " does not exist"),
                problems(text));
        Files.writeString(token, "s3cret-token\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(List.of(file + ":2: relay.http.token-file: http token file " + token
                + " is accessible by group or others; chmod 600 it"), problems(text));
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        HttpConfig http = ConfigLoader.read(Optional.of(conf(text)), true).http();
        assertEquals(new HttpConfig(true, "0.0.0.0", 9025, Optional.of(token)), http);
    }
}

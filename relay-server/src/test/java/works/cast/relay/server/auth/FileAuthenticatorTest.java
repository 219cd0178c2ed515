package works.cast.relay.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.smtp.Authenticator.User;

class FileAuthenticatorTest {

    @TempDir
    Path dir;

    private Path usersFile(UserEntry... users) throws Exception {
        Path file = dir.resolve("users");
        UsersFile f = UsersFile.empty();
        for (UserEntry u : users) {
            f = f.with(u);
        }
        f.write(file);
        return file;
    }

    private static Optional<User> auth(FileAuthenticator a, String user, String password) throws Exception {
        return a.authenticate(user, password).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void usersFileThatOthersCanReadIsRefusedNamingIt() throws Exception {
        Path file = usersFile(new UserEntry("billing", Passwords.hash("s3cret".toCharArray(), 4),
                List.of("cast.works")));
        java.nio.file.Files.setPosixFilePermissions(file,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        UsersFileException e = assertThrows(UsersFileException.class, () -> new FileAuthenticator(file, Duration.ZERO));
        assertEquals("users file " + file + " is accessible by group or others (mode rw-r--r--); chmod 600 it",
                e.getMessage());
        java.nio.file.Files.setPosixFilePermissions(file,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (FileAuthenticator a = new FileAuthenticator(file, Duration.ZERO)) {
            java.nio.file.Files.setPosixFilePermissions(file,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
            assertThrows(UsersFileException.class, a::reload);
            assertTrue(a.hasUsers(), "the old table stays");
        }
    }

    @Test
    void rightPasswordGivesUserAndDomains() throws Exception {
        Path file = usersFile(new UserEntry("billing", Passwords.hash("s3cret".toCharArray(), 4),
                List.of("cast.works", "castworks.co.jp")));
        try (FileAuthenticator a = new FileAuthenticator(file, Duration.ZERO)) {
            assertTrue(a.hasUsers());
            assertEquals(Optional.of(new User("billing", Set.of("cast.works", "castworks.co.jp"))),
                    auth(a, "billing", "s3cret"));
        }
    }

    @Test
    void wrongPasswordAndUnknownUserFailAfterTheDelay() throws Exception {
        Path file = usersFile(new UserEntry("billing", Passwords.hash("s3cret".toCharArray(), 4),
                List.of("cast.works")));
        try (FileAuthenticator a = new FileAuthenticator(file, Duration.ofMillis(50))) {
            assertEquals(Optional.empty(), auth(a, "billing", "wrong"));
            assertEquals(Optional.empty(), auth(a, "nobody", "s3cret"));
            assertEquals(Optional.empty(), auth(a, "BILLING", "s3cret"));
            assertEquals(Optional.empty(), auth(a, null, null));
        }
    }

    @Test
    void checksBeyondThePoolAndItsQueueAreBusyAtOnceNotFailures() throws Exception {
        Path file = usersFile(new UserEntry("billing", Passwords.hash("s3cret".toCharArray(), 4),
                List.of("cast.works")));
        try (FileAuthenticator a = new FileAuthenticator(file, Duration.ZERO)) {
            // Unknown users cost a cost-12 bcrypt each: 2 running and 256 queued outlast this loop by far.
            int busy = 0;
            for (int i = 0; i < 300; i++) {
                var f = a.authenticate("nobody" + i, "x").toCompletableFuture();
                if (f.isCompletedExceptionally()) {
                    Throwable cause = assertThrows(java.util.concurrent.ExecutionException.class, f::get).getCause();
                    assertTrue(cause instanceof works.cast.relay.server.smtp.Authenticator.Busy, cause::toString);
                    busy++;
                }
            }
            assertTrue(busy >= 300 - 2 - 256 - 2, "busy answers: " + busy);
        }
    }

    @Test
    void reloadSwapsTheTableAndKeepsItOnError() throws Exception {
        Path file = usersFile(new UserEntry("old", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")));
        try (FileAuthenticator a = new FileAuthenticator(file, Duration.ZERO)) {
            usersFile(new UserEntry("new", Passwords.hash("pw".toCharArray(), 4), List.of("cast.works")));
            a.reload();
            assertEquals(Optional.empty(), auth(a, "old", "pw"));
            assertEquals("new", auth(a, "new", "pw").orElseThrow().name());
            Files.writeString(file, "garbage\n");
            assertThrows(UsersFileException.class, a::reload);
            assertEquals("new", auth(a, "new", "pw").orElseThrow().name());
        }
    }

    @Test
    void emptyFileHasNoUsers() throws Exception {
        Path file = Files.writeString(dir.resolve("users"), "# nobody yet\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (FileAuthenticator a = new FileAuthenticator(file, Duration.ZERO)) {
            assertFalse(a.hasUsers());
            assertEquals(Optional.empty(), auth(a, "x", "y"));
        }
    }
}

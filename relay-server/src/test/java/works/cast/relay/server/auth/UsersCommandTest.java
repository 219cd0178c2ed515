package works.cast.relay.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class UsersCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String stdin, UsersCommand.PasswordPrompt prompt, String... args) {
        CommandLine cl = new CommandLine(new UsersCommand(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), prompt));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void addFromStdinThenLoad() throws Exception {
        Path file = dir.resolve("users");
        assertEquals(0, run("s3cret\nignored\n", null, "add", "billing", "--domains", "Cast.Works,castworks.co.jp",
                "--file", file.toString(), "--cost", "4"), err::toString);
        assertEquals("added user billing domains=cast.works,castworks.co.jp file=" + file + "\n", out.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        UserEntry user = UsersFile.load(file).user("billing").orElseThrow();
        assertEquals(List.of("cast.works", "castworks.co.jp"), user.domains());
        assertTrue(Passwords.verify(user.hash(), "s3cret".toCharArray()));
        assertFalse(Files.readString(file).contains("s3cret"));
    }

    @Test
    void addTwiceUpdatesListAndRemove() throws Exception {
        String f = dir.resolve("users").toString();
        assertEquals(0, run("a\n", null, "add", "one", "--domains", "cast.works", "--file", f, "--cost", "4"));
        assertEquals(0, run("b\n", null, "add", "two", "--domains", "cast.works", "--file", f, "--cost", "4"));
        assertEquals(0, run("c\n", null, "add", "one", "--domains", "castworks.co.jp", "--file", f, "--cost", "4"));
        assertTrue(out.toString().contains("updated user one domains=castworks.co.jp"), out::toString);
        out.getBuffer().setLength(0);
        assertEquals(0, run("", null, "list", "--file", f));
        assertEquals("one castworks.co.jp\ntwo cast.works\n", out.toString());
        assertEquals(0, run("", null, "remove", "one", "--file", f));
        assertEquals(1, run("", null, "remove", "one", "--file", f));
        assertTrue(err.toString().contains("users: no user one in " + f), err::toString);
        assertEquals(List.of("two"), UsersFile.load(Path.of(f)).users().stream().map(UserEntry::name).toList());
    }

    @Test
    void promptsTwiceOnATerminal() throws Exception {
        Path file = dir.resolve("users");
        Deque<String> answers = new ArrayDeque<>(List.of("pw1", "pw1"));
        assertEquals(0, run("", p -> answers.pop().toCharArray(), "add", "u", "--domains", "cast.works",
                "--file", file.toString(), "--cost", "4"), err::toString);
        assertTrue(Passwords.verify(UsersFile.load(file).user("u").orElseThrow().hash(), "pw1".toCharArray()));

        Deque<String> mismatch = new ArrayDeque<>(List.of("pw1", "pw2"));
        assertEquals(1, run("", p -> mismatch.pop().toCharArray(), "add", "v", "--domains", "cast.works",
                "--file", file.toString(), "--cost", "4"));
        assertTrue(err.toString().contains("passwords do not match"), err::toString);
    }

    @Test
    void rejectsBadDomainsNamesAndMissingPassword() {
        String f = dir.resolve("users").toString();
        assertEquals(1, run("pw\n", null, "add", "u", "--domains", "not_a_domain", "--file", f, "--cost", "4"));
        assertTrue(err.toString().contains("\"not_a_domain\" is not a domain name"), err::toString);
        assertEquals(1, run("pw\n", null, "add", "a:b", "--domains", "cast.works", "--file", f, "--cost", "4"));
        assertEquals(1, run("", null, "add", "u", "--domains", "cast.works", "--file", f, "--cost", "4"));
        assertTrue(err.toString().contains("no password on stdin"), err::toString);
        assertFalse(Files.exists(Path.of(f)));
    }

    @Test
    void usersFileComesFromTheConfig() throws Exception {
        Path users = dir.resolve("from-config-users");
        Path config = Files.writeString(dir.resolve("relay.conf"),
                "relay.access.users-file = \"" + users + "\"\n");
        assertEquals(0, run("pw\n", null, "add", "u", "--domains", "cast.works", "--config", config.toString(),
                "--cost", "4"), err::toString);
        assertTrue(UsersFile.load(users).user("u").isPresent());

        Path noUsers = Files.writeString(dir.resolve("plain.conf"), "relay.hostname = \"relay.example.org\"\n");
        assertEquals(1, run("pw\n", null, "list", "--config", noUsers.toString()));
        assertTrue(err.toString().contains("no users file"), err::toString);
    }
}

package works.cast.relay.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersFileTest {

    static final String HASH = Passwords.hash("pw".toCharArray(), 4);

    @TempDir
    Path dir;

    @Test
    void parsesUsersCommentsAndBlankLines() throws Exception {
        UsersFile f = UsersFile.parse("# apps\n\nbilling:" + HASH + ":Cast.Works, castworks.co.jp\n"
                + "  # indented comment\nalerts:" + HASH + ":cast.works\n", "users");
        assertEquals(List.of("billing", "alerts"), f.users().stream().map(UserEntry::name).toList());
        assertEquals(List.of("cast.works", "castworks.co.jp"), f.user("billing").orElseThrow().domains());
    }

    @Test
    void reportsEveryBadLineWithItsNumber() {
        String text = "# header\n"
                + "nocolons\n"
                + "bad name:" + HASH + ":cast.works\n"
                + "u1:notahash:cast.works\n"
                + "u2:" + HASH + ":not_a_domain\n"
                + "u3:" + HASH + ":\n"
                + "ok:" + HASH + ":cast.works\n"
                + "ok:" + HASH + ":cast.works\n";
        UsersFileException e = assertThrows(UsersFileException.class, () -> UsersFile.parse(text, "conf/users"));
        assertEquals(List.of(
                "conf/users:2: expected name:hash:domains, found 0 colon(s)",
                "conf/users:3: user name \"bad name\": use 1..64 letters, digits or . _ - @ +",
                "conf/users:4: user u1: hash is not a bcrypt $2a$/$2b$/$2y$ hash",
                "conf/users:5: user u2: \"not_a_domain\" is not a domain name",
                "conf/users:6: user u3: \"\" is not a domain name",
                "conf/users:8: user ok already defined on line 7"), e.problems());
    }

    @Test
    void addReplaceRemoveKeepComments() throws Exception {
        UsersFile f = UsersFile.parse("# keep me\na:" + HASH + ":cast.works\n", "users");
        f = f.with(new UserEntry("b", HASH, List.of("CASTWORKS.CO.JP")));
        f = f.with(new UserEntry("a", HASH, List.of("cast.works", "castworks.co.jp")));
        assertEquals("# keep me\na:" + HASH + ":cast.works,castworks.co.jp\nb:" + HASH + ":castworks.co.jp\n",
                f.render());
        assertEquals("# keep me\nb:" + HASH + ":castworks.co.jp\n", f.without("a").render());
    }

    @Test
    void writesAtomicallyWithMode0600() throws Exception {
        Path file = dir.resolve("users");
        UsersFile.empty().with(new UserEntry("a", HASH, List.of("cast.works"))).write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(List.of("a"), UsersFile.load(file).users().stream().map(UserEntry::name).toList());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        UsersFile.load(file).without("a").write(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("", Files.readString(file));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    @Test
    void entryValidation() {
        assertThrows(IllegalArgumentException.class, () -> new UserEntry("a", HASH, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new UserEntry("a:b", HASH, List.of("cast.works")));
        assertTrue(new UserEntry("app@cast.works", HASH, List.of("cast.works")).toString().contains("app@cast.works"));
    }
}

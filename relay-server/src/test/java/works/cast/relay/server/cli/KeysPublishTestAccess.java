package works.cast.relay.server.cli;

import java.nio.file.Path;

/** dkimpy against a named on loopback, for tests outside this package. */
public final class KeysPublishTestAccess {

    private KeysPublishTestAccess() {
    }

    public static String dkimpyAgainst(Path message, int port) throws Exception {
        return KeysPublishTest.dkimpyAgainst(message, port);
    }
}

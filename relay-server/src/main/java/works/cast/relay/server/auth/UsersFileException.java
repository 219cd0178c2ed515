package works.cast.relay.server.auth;

import java.io.IOException;
import java.util.List;

/** The users file has malformed lines; the message lists each as {@code FILE:LINE: what is wrong}. */
public final class UsersFileException extends IOException {

    private final List<String> problems;

    public UsersFileException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}

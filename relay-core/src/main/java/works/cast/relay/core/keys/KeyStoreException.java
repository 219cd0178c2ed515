package works.cast.relay.core.keys;

import java.nio.file.Path;
import java.util.List;

/** The key store cannot be loaded; lists every problem found, each with its path and the fix. */
public class KeyStoreException extends KeyException {

    private final Path dir;
    private final List<String> problems;

    public KeyStoreException(Path dir, List<String> problems) {
        super(message(dir, problems));
        this.dir = dir;
        this.problems = List.copyOf(problems);
    }

    private static String message(Path dir, List<String> problems) {
        StringBuilder sb = new StringBuilder("key store ").append(dir).append(": ").append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems");
        for (String p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }

    public Path dir() {
        return dir;
    }

    /** One line per problem: path, what is wrong, and the fix. */
    public List<String> problems() {
        return problems;
    }
}

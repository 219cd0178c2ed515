package works.cast.relay.server.auth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.InvalidConfigException;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.limits.UserRateReport;

/**
 * {@code dkim-relay users add|remove|list}: manages the AUTH users file (RFC 4954 credentials, bcrypt hashes).
 *
 * <pre>
 * $ echo 's3cret' | dkim-relay users add billing --domains cast.works,castworks.co.jp
 * added user billing domains=cast.works,castworks.co.jp file=conf/users
 * </pre>
 * The password never comes from the command line: the first line of stdin when stdin is not a terminal,
 * otherwise a prompt (twice). The file is {@code --file}, else {@code relay.access.users-file} of the config.
 */
@Command(name = "users", mixinStandardHelpOptions = true,
        description = "Add, remove or list the users allowed to submit with AUTH.")
public final class UsersCommand implements Callable<Integer> {

    /** Reads a password from the terminal without echo; null when there is no terminal. */
    @FunctionalInterface
    public interface PasswordPrompt {
        char[] read(String prompt);
    }

    private static final String PLACEHOLDER_HASH = "$2y$04$" + "a".repeat(53);

    @Spec
    private CommandSpec spec;

    @Option(names = "--file", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "The users file (default: relay.access.users-file of the config).")
    private Path file;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "The relay config (default: $DKIM_RELAY_CONFIG, else conf/relay.conf).")
    private Path config;

    private final InputStream stdin;
    private final PasswordPrompt prompt;

    /** Reads from System.in, prompting on the console when there is one. */
    public UsersCommand() {
        this(System.in, System.console() == null ? null : p -> System.console().readPassword("%s", p));
    }

    /** For tests and embedding: {@code prompt} null means read the password from {@code stdin}. */
    public UsersCommand(InputStream stdin, PasswordPrompt prompt) {
        this.stdin = stdin;
        this.prompt = prompt;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a user, or change its password and domains. Password from stdin or a prompt.")
    int add(@Parameters(paramLabel = "NAME", description = "The AUTH user name.") String name,
            @Option(names = "--domains", required = true, split = ",", paramLabel = "DOMAIN",
                    description = "From domains the user may send as, comma separated.") List<String> domains,
            @Option(names = "--cost", defaultValue = "12", paramLabel = "N",
                    description = "bcrypt cost, 4..31 (default: ${DEFAULT-VALUE}).") int cost) {
        return run(() -> {
            Path target = usersFile();
            new UserEntry(name, PLACEHOLDER_HASH, domains); // checks name and domains before the prompt
            char[] password = readPassword();
            UserEntry user;
            try {
                user = new UserEntry(name, Passwords.hash(password, cost), domains);
            } finally {
                Arrays.fill(password, '\0');
            }
            UsersFile current = Files.exists(target) ? UsersFile.load(target) : UsersFile.empty();
            boolean existed = current.user(name).isPresent();
            current.with(user).write(target);
            out().printf("%s user %s domains=%s file=%s%n", existed ? "updated" : "added", name,
                    String.join(",", user.domains()), target);
        });
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user.")
    int remove(@Parameters(paramLabel = "NAME", description = "The AUTH user name.") String name) {
        return run(() -> {
            Path target = usersFile();
            UsersFile current = UsersFile.load(target);
            if (current.user(name).isEmpty()) {
                throw new IllegalArgumentException("no user " + name + " in " + target);
            }
            current.without(name).write(target);
            out().printf("removed user %s file=%s%n", name, target);
        });
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List users, their domains and, with rate limits, each one's current use.")
    int list() {
        return run(() -> {
            Path target = usersFile();
            List<UserEntry> users = UsersFile.load(target).users();
            Optional<RelayConfig> relay = relayConfig();
            try (UserRateReport rates = relay.map(UserRateReport::of).orElse(null)) {
                for (UserEntry user : users) {
                    String rate = rates == null ? "" : rates.describe(user.name()).map(r -> " " + r).orElse("");
                    out().printf("%s %s%s%n", user.name(), String.join(",", user.domains()), rate);
                }
            }
        });
    }

    /** The relay's config for the rate column; none when --file is given and no config can be read. */
    private Optional<RelayConfig> relayConfig() {
        try {
            return Optional.of(ConfigLoader.parse(Optional.ofNullable(config)));
        } catch (InvalidConfigException | IllegalArgumentException e) {
            if (file == null) {
                throw e;
            }
            return Optional.empty();
        }
    }

    private interface Action {
        void run() throws IOException;
    }

    private int run(Action action) {
        try {
            action.run();
            out().flush();
            return 0;
        } catch (IOException | IllegalArgumentException | InvalidConfigException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("users: " + (e instanceof java.nio.file.NoSuchFileException
                    ? "no such file: " + e.getMessage() : e.getMessage()));
            err.flush();
            return 1;
        }
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private Path usersFile() {
        if (file != null) {
            return file;
        }
        Optional<Path> fromConfig = ConfigLoader.parse(Optional.ofNullable(config)).access().usersFile();
        return fromConfig.orElseThrow(() -> new IllegalArgumentException(
                "no users file: pass --file PATH or set relay.access.users-file in the config"));
    }

    private char[] readPassword() throws IOException {
        if (prompt == null) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
            String line = reader.readLine();
            if (line == null || line.isEmpty()) {
                throw new IllegalArgumentException("no password on stdin (first line)");
            }
            return line.toCharArray();
        }
        char[] first = prompt.read("Password: ");
        char[] second = prompt.read("Repeat password: ");
        try {
            if (first == null || second == null || first.length == 0) {
                throw new IllegalArgumentException("no password entered");
            }
            if (!Arrays.equals(first, second)) {
                throw new IllegalArgumentException("passwords do not match");
            }
            return first.clone();
        } finally {
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
    }
}

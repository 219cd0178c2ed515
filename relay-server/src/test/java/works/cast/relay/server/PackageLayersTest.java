package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of relay-server depend downwards only, as package-info of {@code message} draws them: the message
 * store ({@code queue}) is wired by the top and known to no transport package, and no package uses one above it.
 * Reads the sources: every {@code works.cast.relay.server.<package>.} in a file (imports, qualified names, links).
 */
class PackageLayersTest {

    private static final Set<String> FOUNDATION = Set.of("json", "net", "dns", "config", "tls", "keys");
    /** What each package may use besides itself; packages not listed (the top: wiring, cli, ops) use anything. */
    private static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("json", Set.of()),
            Map.entry("net", Set.of()),
            Map.entry("dns", Set.of()),
            Map.entry("config", Set.of("dns", "net")),
            Map.entry("tls", Set.of("config")),
            Map.entry("keys", Set.of("config", "dns")),
            Map.entry("message", Set.of()),
            Map.entry("queue", with("message")),
            Map.entry("smtp", with("message")),
            Map.entry("intake", with("message", "smtp")),
            Map.entry("sender", with("message")),
            Map.entry("limits", with("message", "smtp", "intake")),
            Map.entry("auth", with("message", "smtp", "limits")),
            Map.entry("bounce", with("message")),
            Map.entry("delivery", with("message", "smtp", "intake", "bounce")));
    private static final Pattern USE = Pattern.compile("works\\.cast\\.relay\\.server\\.([a-z]+)\\.");
    private static final Path SOURCES = Path.of("src/main/java/works/cast/relay/server");

    private static Set<String> with(String... packages) {
        Set<String> s = new TreeSet<>(FOUNDATION);
        s.addAll(List.of(packages));
        return s;
    }

    @Test
    void packagesDependDownwardsOnly() throws IOException {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = SOURCES.relativize(f);
                if (rel.getNameCount() < 2) {
                    continue; // the wiring in the root package may use anything
                }
                String pkg = rel.getName(0).toString();
                Set<String> allowed = MAY_USE.get(pkg);
                if (allowed == null) {
                    continue;
                }
                checked++;
                Matcher m = USE.matcher(Files.readString(f, StandardCharsets.UTF_8));
                while (m.find()) {
                    String used = m.group(1);
                    if (!used.equals(pkg) && !allowed.contains(used)) {
                        wrong.add(rel + " uses " + used);
                    }
                }
            }
        }
        assertTrue(checked > 100, "read the sources (" + checked + " files) from " + SOURCES.toAbsolutePath());
        assertEquals(List.of(), wrong);
    }
}

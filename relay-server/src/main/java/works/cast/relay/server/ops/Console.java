package works.cast.relay.server.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import works.cast.relay.server.json.Json;

/**
 * The operator console's resources on the management port: {@code /} (the page), {@code /api/status} (the same data
 * as JSON), {@code /console.js} and {@code /console.css}, all read-only. Called on the management worker thread.
 */
final class Console {

    static final String HTML_TYPE = "text/html; charset=utf-8";
    static final String JSON_TYPE = "application/json; charset=utf-8";
    static final List<String> PATHS = List.of("/", "/api/status", "/console.js", "/console.css");

    private final ConsoleStatus status;
    private final byte[] script = resource("console.js");
    private final byte[] style = resource("console.css");

    Console(ConsoleSources sources, TrafficHistory history) {
        this.status = new ConsoleStatus(Objects.requireNonNull(sources, "sources"), history);
    }

    /** A body and its media type. */
    record Body(String type, byte[] bytes) {
    }

    /**
     * The resource at {@code path}, one of {@link #PATHS}; {@code failing} runs the readiness checks, asked only for
     * the page and the API.
     */
    Body get(String path, Supplier<List<String>> failing) {
        return switch (path) {
            case "/" -> new Body(HTML_TYPE, utf8(ConsolePage.render(status.build(failing.get()))));
            case "/api/status" -> new Body(JSON_TYPE, utf8(json(failing.get()) + "\n"));
            case "/console.js" -> new Body("text/javascript; charset=utf-8", script);
            case "/console.css" -> new Body("text/css; charset=utf-8", style);
            default -> throw new IllegalArgumentException("console: no resource " + path);
        };
    }

    String json(List<String> failing) {
        Map<String, Object> tree = status.build(failing);
        return Json.write(tree);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Console.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("console resource missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("console resource " + name, e);
        }
    }
}

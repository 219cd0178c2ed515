package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;

/**
 * The operator console of the packaged relay after real traffic (swaks, with and without STARTTLS, one message of
 * an unknown domain): Debian's chromium renders the page, runs its script, and shows both domains, their selectors,
 * the queue count and a non-empty chart without a console message; the screenshot stays in
 * {@code target/console-screenshot.png}. The JSON log lines of the same relay are read by Python's json module.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorConsoleIT {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String SWAKS = "/usr/bin/swaks";
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    static Path dir;

    private RelayProcess relay;
    private int smtpPort;
    private int httpPort;

    private static String require(String path) {
        boolean present = new File(path).canExecute();
        if (!present && "true".equals(System.getenv("CI"))) {
            fail(path + " is required when CI=true");
        }
        assumeTrue(present, path + " is not installed; skipping");
        return path;
    }

    @BeforeAll
    void startRelayAndSendMail() throws Exception {
        require(SWAKS);
        SelfSignedCertificate cert = new SelfSignedCertificate("relay.test");
        Path key = dir.resolve("tls-key.pem");
        Files.copy(cert.privateKey().toPath(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        smtpPort = RelayProcess.freePort();
        httpPort = RelayProcess.freePort();
        int nobody = RelayProcess.freePort(); // a smarthost that refuses: messages stay queued, deferred
        Path conf = RelayProcess.writeConfig(dir, smtpPort, """
                smtp.listen = [ { address = "127.0.0.1", port = %d, tls = starttls } ]
                tls { certificate = "%s", private-key = "%s" }
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none } }
                queue.retry = [ 1h ]
                http { enabled = true, address = "127.0.0.1", port = %d }
                logging.format = json
                sender-checks.enabled = false
                """.formatted(smtpPort, cert.certificate(), key, nobody, httpPort));
        relay = new RelayProcess(dir, conf, List.of("-Xmx192m")).start(smtpPort);
        awaitHealthz("http://127.0.0.1:" + httpPort);
        swaks("--tls", "--from", "app@cast.works", "--to", "ann@example.net",
                "--header", "From: App <app@cast.works>", "--header", "Subject: console test 1");
        swaks("--from", "app@castworks.co.jp", "--to", "bob@example.org",
                "--header", "From: <app@castworks.co.jp>", "--header", "Subject: console test 2");
        swaks("--from", "x@evil.example", "--to", "bob@example.org", "--header", "From: <x@evil.example>");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = get("/api/status").body();
            if (status.contains("\"destination\":\"example.net\"") && status.contains("\"destination\":\"example.org\"")) {
                return;
            }
            Thread.sleep(100);
        }
        fail("both messages deferred within 30 s: " + status + "\n" + relay.logText());
    }

    @AfterAll
    void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    private void swaks(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SWAKS, "--server", "127.0.0.1:" + smtpPort, "--timeout", "20"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "swaks finished");
        assertTrue(out.contains("<-  250") || out.contains("<** 550"), out);
    }

    private static void awaitHealthz(String base) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/healthz"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not bound yet
            }
            Thread.sleep(50);
        }
        fail(base + "/healthz did not answer 200 within 30 s");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Runs a program with a bounded wait; its output (stdout and stderr apart) as two strings. */
    private static String[] run(List<String> cmd, Duration timeout) throws Exception {
        Process p = new ProcessBuilder(cmd).start();
        var out = new java.util.concurrent.CompletableFuture<String>();
        var err = new java.util.concurrent.CompletableFuture<String>();
        new Thread(() -> out.complete(read(p.getInputStream()))).start();
        new Thread(() -> err.complete(read(p.getErrorStream()))).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail(cmd.get(0) + " did not finish within " + timeout);
        }
        return new String[] {out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS), "" + p.exitValue()};
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private List<String> chromium(String... args) {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--user-data-dir=" + dir.resolve("chromium"), "--enable-logging=stderr", "--v=0",
                "--virtual-time-budget=4000"));
        cmd.addAll(List.of(args));
        cmd.add("http://127.0.0.1:" + httpPort + "/");
        return cmd;
    }

    @Test
    void theBrowserShowsDomainsSelectorsQueueAndChartsWithoutScriptErrors() throws Exception {
        require(CHROMIUM);
        String[] dom = run(chromium("--dump-dom"), Duration.ofSeconds(90));
        String html = dom[0];
        List<String> console = dom[1].lines().filter(l -> l.contains(":CONSOLE")).toList();
        assertEquals(List.of(), console, "no console messages (script errors, CSP violations)");
        assertTrue(html.matches("(?s).*<body data-refreshed=\"\\d{4}-\\d\\d-\\d\\dT[^\"]+\">.*"),
                "the script refreshed the page from /api/status: " + html);
        assertTrue(html.contains("<h3>cast.works</h3>") && html.contains("<h3>castworks.co.jp</h3>"), html);
        for (SelectorKey k : new KeyStore(dir.resolve("keys")).load().all()) {
            assertTrue(html.contains("<td class=\"selector\">" + k.selector() + "</td>"), k.selector() + ": " + html);
        }
        assertTrue(html.contains("<span id=\"queue-size\">2</span>"), html);
        Matcher accepted = Pattern.compile("<figure class=\"chart\" data-series=\"accepted\" data-total=\"2\">"
                + "<figcaption>accepted: 2</figcaption><svg [^>]*>(.*?)</svg>").matcher(html);
        assertTrue(accepted.find(), html);
        assertTrue(accepted.group(1).matches("(?s).*<rect [^>]*height=\"[1-9]\\d*\".*"), "a bar: " + accepted.group(1));
        assertTrue(html.contains("data-series=\"rejected\" data-total=\"1\""), html);
        assertTrue(html.contains("<td>TLSv1.3</td>"), "the STARTTLS session: " + html);
        assertTrue(html.contains("example.net") && html.contains("Connection refused"), "the deferral: " + html);

        Path shot = Path.of("target", "console-screenshot.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        String[] png = run(chromium("--window-size=1280,1500", "--hide-scrollbars", "--screenshot=" + shot),
                Duration.ofSeconds(90));
        assertTrue(Files.size(shot) > 10_000, "screenshot written: " + png[1]);
    }

    @Test
    void jsonLogLinesCarryTheSummaryFields() throws Exception {
        require(PYTHON);
        Path log = dir.resolve("relay.log");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!relay.logText().contains("\"result\":\"deferred\"") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String script = """
                import json, re, sys
                for line in open(sys.argv[1], encoding="utf-8"):
                    if not line.startswith("{"):
                        continue
                    o = json.loads(line)
                    assert re.fullmatch(r"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}([+-]\\d\\d:\\d\\d|Z)", o["@timestamp"]), o
                    assert {"level", "logger_name", "thread_name", "message"} <= o.keys(), o
                    if o["logger_name"] == "works.cast.relay.message":
                        print("message", o["client"], o["tls"], o["from"], type(o["rcpts"]).__name__,
                              type(o["size"]).__name__, o["domain"], o["dkim"].count("d="), o["result"],
                              o["queue_id"] in o["message"])
                    elif "rcpt" in o:
                        print("delivery", o["rcpt"], o["upstream"], o["result"], type(o["duration_ms"]).__name__,
                              o["next"] != "-", o["reply"][:3], o["queue_id"] in o["message"])
                """;
        Path py = dir.resolve("read-log.py");
        Files.writeString(py, script);
        String[] out = run(List.of(PYTHON, py.toString(), log.toString()), Duration.ofSeconds(30));
        assertEquals("0", out[2], out[1] + "\n" + relay.logText());
        List<String> lines = out[0].lines().sorted().toList();
        assertTrue(lines.contains("message 127.0.0.1 TLSv1.3 app@cast.works int int cast.works 2 queued True"),
                out[0]);
        assertTrue(lines.contains("message 127.0.0.1 - app@castworks.co.jp int int castworks.co.jp 2 queued True"),
                out[0]);
        assertTrue(lines.contains("message 127.0.0.1 - x@evil.example int int evil.example 0 rejected True"), out[0]);
        assertTrue(lines.stream().anyMatch(l -> l.matches("delivery ann@example\\.net smarthost 127\\.0\\.0\\.1:\\d+ "
                + "deferred int True 451 True")), out[0]);
    }

    @Test
    void withATokenTheBrowserLogsInOnceAndStaysIn(@TempDir Path other) throws Exception {
        require(CHROMIUM);
        Path token = other.resolve("http-token");
        Files.writeString(token, "browser-login-token-5d1f\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        int smtp = RelayProcess.freePort();
        int http = RelayProcess.freePort();
        Path conf = RelayProcess.writeConfig(other, smtp, """
                delivery { mode = directory, directory = "%s" }
                http { enabled = true, address = "127.0.0.1", port = %d, token-file = "%s" }
                sender-checks.enabled = false
                """.formatted(other.resolve("outbox"), http, token));
        try (RelayProcess tokenRelay = new RelayProcess(other, conf, List.of("-Xmx128m")).start(smtp)) {
            String base = "http://127.0.0.1:" + http;
            awaitHealthz(base); // the SMTP listeners bind before the management port
            HttpResponse<String> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    base + "/")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode());
            List<String> cmd = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--user-data-dir=" + other.resolve("chromium"), "--enable-logging=stderr",
                    "--v=0", "--virtual-time-budget=4000", "--dump-dom", base + "/?token=browser-login-token-5d1f"));
            String[] dom = run(cmd, Duration.ofSeconds(90));
            assertEquals(List.of(), dom[1].lines().filter(l -> l.contains(":CONSOLE")).toList(),
                    "the script and the API answered with the cookie");
            assertTrue(dom[0].contains("<body data-refreshed=\""), dom[0]);
            assertTrue(dom[0].contains("<h3>castworks.co.jp</h3>"), dom[0]);
        }
    }
}

package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import works.cast.relay.core.interop.Corpus;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.interop.NamedMessage;
import works.cast.relay.core.interop.TestKeys;
import works.cast.relay.core.interop.VerifyOutcome;

/**
 * The {@code sign} and {@code verify} commands against dkimpy, both directions: every corpus message signed by
 * {@code dkim-relay sign} with RSA-2048 and with Ed25519 verifies in dkimpy, every message dkimpy signs verifies in
 * {@code dkim-relay verify} (with {@code --key-file} given the .txt record files), and bad input is one line on stderr.
 */
class SignVerifyCommandsInteropTest {

    @TempDir
    static Path dir;
    static TestKeys keys;
    static Path rsaTxt;
    static Path edTxt;

    @BeforeAll
    static void keys() throws Exception {
        ExternalTools.requirePython3DkimEd25519();
        keys = TestKeys.shared();
        rsaTxt = Files.writeString(dir.resolve("r1.txt"), "r1._domainkey\tIN\tTXT\t( \""
                + keys.rsa().dnsRecord().replace("; p=", "; \"\n\t  \"p=") + "\" )  ; ----- DKIM key r1 for cast.works\n");
        edTxt = Files.writeString(dir.resolve("e1.txt"), keys.ed25519().dnsRecord() + "\n");
    }

    record Run(int exit, byte[] out, String err) {
    }

    static Run sign(byte[] message, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new SignCommand(new ByteArrayInputStream(message), out));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new CliErrors());
        int exit = cl.execute(args);
        return new Run(exit, out.toByteArray(), err.toString());
    }

    static Run verify(byte[] message, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new VerifyCommand(new ByteArrayInputStream(message)));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new CliErrors());
        int exit = cl.execute(args);
        return new Run(exit, out.toString().getBytes(StandardCharsets.UTF_8), err.toString());
    }

    static Stream<NamedMessage> messages() {
        return Stream.concat(Corpus.all().stream(), Corpus.random(11, 6).stream());
    }

    /** The message with CRLF added when its last line has none, as SMTP DATA sends it. */
    static byte[] asItTravels(byte[] message) {
        if (message.length == 0 || message[message.length - 1] == '\n') {
            return message;
        }
        byte[] out = Arrays.copyOf(message, message.length + 2);
        out[message.length] = '\r';
        out[message.length + 1] = '\n';
        return out;
    }

    @ParameterizedTest
    @MethodSource("messages")
    void signedByTheCommandVerifiesInDkimpy(NamedMessage m) {
        Run rsa = sign(m.bytes(), "--domain", "cast.works", "--selector", "r1", "--key", keys.rsa().pemFile().toString());
        assertEquals(0, rsa.exit(), rsa.err());
        byte[] original = asItTravels(m.bytes());
        assertTrue(Arrays.equals(original, Arrays.copyOfRange(rsa.out(), rsa.out().length - original.length,
                rsa.out().length)), "every original byte unchanged after the signature");
        Run both = sign(rsa.out(), "--domain", "cast.works", "--selector", "e1", "--key",
                keys.ed25519().pemFile().toString(), "--algorithm", "ed25519-sha256");
        assertEquals(0, both.exit(), both.err());
        VerifyOutcome o = Dkimpy.create().verify(both.out(), keys.dnsRecords("cast.works", "r1", "e1"));
        assertTrue(o.allPass(), o::describe);
        assertEquals(2, o.signatures().size());
    }

    @ParameterizedTest
    @MethodSource("messages")
    void signedByDkimpyVerifiesInTheCommand(NamedMessage m) {
        byte[] signed = Dkimpy.create().sign(m.bytes(), "cast.works", "r1", keys.rsa().pemFile(), "rsa-sha256",
                "relaxed/simple");
        signed = Dkimpy.create().sign(signed, "cast.works", "e1", keys.ed25519().pemFile(), "ed25519-sha256",
                "relaxed/relaxed");
        Run r = verify(signed, "--key-file", "r1._domainkey.cast.works=" + rsaTxt,
                "--key-file", "e1._domainkey.cast.works=" + edTxt);
        String out = new String(r.out(), StandardCharsets.UTF_8);
        assertEquals(0, r.exit(), out + r.err());
        assertEquals(2, out.lines().filter(l -> l.contains(" pass (ok)")).count(), out);
    }

    @Test
    void verifyFailsOnATamperedBodyAndOnNoSignature() {
        byte[] signed = sign(Corpus.all().get(0).bytes(), "--domain", "cast.works", "--selector", "r1", "--key",
                keys.rsa().pemFile().toString()).out();
        byte[] tampered = new String(signed, StandardCharsets.ISO_8859_1).replaceFirst("(?s)(\r\n\r\n.)", "$1X")
                .getBytes(StandardCharsets.ISO_8859_1);
        Run bad = verify(tampered, "--key-file", "r1._domainkey.cast.works=" + rsaTxt);
        assertEquals(1, bad.exit());
        assertTrue(new String(bad.out(), StandardCharsets.UTF_8).contains("fail (body hash mismatch)"));
        Run none = verify(Corpus.all().get(0).bytes(), "--key-file", "r1._domainkey.cast.works=" + rsaTxt);
        assertEquals(1, none.exit());
    }

    @Test
    void badInputIsOneLineOnStderr() throws Exception {
        Run noFrom = sign("To: x@example.net\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII), "--domain",
                "cast.works", "--selector", "r1", "--key", keys.rsa().pemFile().toString());
        assertEquals(1, noFrom.exit());
        assertEquals(List.of("dkim-relay sign: message has no From header field"), noFrom.err().lines().toList());
        Run noColon = sign("From: a@cast.works\r\nno colon\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                "--domain", "cast.works", "--selector", "r1", "--key", keys.rsa().pemFile().toString());
        assertEquals(1, noColon.exit());
        assertEquals(List.of("dkim-relay sign: Header line 2 has no colon (RFC 5322 section 2.2)"),
                noColon.err().lines().toList());
        Run spaced = sign("From: a@cast.works\r\nSubject : x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                "--domain", "cast.works", "--selector", "r1", "--key", keys.rsa().pemFile().toString());
        assertEquals(1, spaced.exit());
        assertEquals(List.of("dkim-relay sign: header field Subject has whitespace before its colon (RFC 5322 section"
                + " 4.5.8), which dkimpy cannot read; remove it"), spaced.err().lines().toList());
        Run noKey = sign("From: a@cast.works\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "--domain", "cast.works",
                "--selector", "r1", "--key", dir.resolve("missing.pem").toString());
        assertEquals(1, noKey.exit());
        assertTrue(noKey.err().strip().endsWith("missing.pem: not found"), noKey.err());
        assertEquals(1, noKey.err().strip().lines().count());
        Path small = dir.resolve("small.pem");
        var g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(768);
        TestKeys.writePkcs8Pem(g.generateKeyPair().getPrivate(), small);
        Run tooSmall = sign("From: a@cast.works\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "--domain", "cast.works",
                "--selector", "r1", "--key", small.toString());
        assertEquals(1, tooSmall.exit());
        assertTrue(tooSmall.err().contains("768 bits is too small"), tooSmall.err());
    }

    @Test
    void unixLineEndsAreSignedAsTheirWireForm() {
        byte[] lf = "From: a@cast.works\nSubject: lf\n\nline one\nline two\n".getBytes(StandardCharsets.US_ASCII);
        Run r = sign(lf, "--domain", "cast.works", "--selector", "r1", "--key", keys.rsa().pemFile().toString());
        assertEquals(0, r.exit(), r.err());
        String text = new String(r.out(), StandardCharsets.US_ASCII);
        assertTrue(!text.contains("\r"), "output keeps the file's line ends");
        VerifyOutcome o = Dkimpy.create().verify(text.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII),
                keys.dnsRecords("cast.works", "r1", "e1"));
        assertTrue(o.allPass(), o::describe);
    }

    @Test
    void aLastLineWithoutLineEndIsWrittenAsItTravels() {
        byte[] crlf = "From: a@cast.works\r\nSubject: no end\r\n\r\nlast line".getBytes(StandardCharsets.US_ASCII);
        Run r = sign(crlf, "--domain", "cast.works", "--selector", "r1", "--key", keys.rsa().pemFile().toString());
        assertEquals(0, r.exit(), r.err());
        String text = new String(r.out(), StandardCharsets.US_ASCII);
        assertTrue(text.endsWith("\r\nlast line\r\n"), text);
        assertTrue(Dkimpy.create().verify(r.out(), keys.dnsRecords("cast.works", "r1", "e1")).allPass());

        byte[] lf = "From: a@cast.works\nSubject: no end\n\nlast line".getBytes(StandardCharsets.US_ASCII);
        Run u = sign(lf, "--domain", "cast.works", "--selector", "e1", "--key", keys.ed25519().pemFile().toString());
        assertEquals(0, u.exit(), u.err());
        String unix = new String(u.out(), StandardCharsets.US_ASCII);
        assertTrue(unix.endsWith("\nlast line\n") && !unix.contains("\r"), unix);
        VerifyOutcome o = Dkimpy.create().verify(unix.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII),
                keys.dnsRecords("cast.works", "r1", "e1"));
        assertTrue(o.allPass(), o::describe);
    }
}

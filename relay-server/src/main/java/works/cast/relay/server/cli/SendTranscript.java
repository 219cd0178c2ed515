package works.cast.relay.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns jakarta.mail's protocol trace into the dialogue {@code dkim-relay send} prints (RFC 5321 §4.2 replies):
 * {@code < } server replies, {@code > } commands, the message content as one summary line. AUTH exchanges are never
 * traced (mail.debug.auth is off) and any other line is dropped, so credentials cannot reach the output.
 */
final class SendTranscript extends OutputStream {

    private static final Pattern REPLY = Pattern.compile("[2-5][0-9][0-9]([ -].*)?");
    private static final Set<String> COMMANDS = Set.of("EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "DATA", "QUIT",
            "RSET", "NOOP", "BDAT");
    private static final Pattern AUTH_DONE = Pattern.compile("DEBUG SMTP: AUTH (\\S+) succeeded");

    /** Where the trace is: commands and replies, or inside the message content after 354. */
    private enum State { DIALOGUE, DATA_SENT, CONTENT }

    private final PrintWriter out;
    private final SendTls tls;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private State state = State.DIALOGUE;
    private long contentLines;
    private long contentBytes;
    private String tlsShown = "";

    SendTranscript(PrintWriter out, SendTls tls) {
        this.out = out;
        this.tls = tls;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            String text = line.toString(StandardCharsets.ISO_8859_1);
            line.reset();
            onLine(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        out.flush();
    }

    private void onLine(String text) {
        switch (state) {
            case CONTENT -> {
                if (text.equals(".")) {
                    out.println("> (message: " + contentLines + " lines, " + contentBytes + " bytes)");
                    out.println("> .");
                    state = State.DIALOGUE;
                } else {
                    contentLines++;
                    contentBytes += text.length() + 2;
                }
            }
            case DATA_SENT -> {
                if (REPLY.matcher(text).matches()) {
                    out.println("< " + text);
                    state = text.startsWith("354") ? State.CONTENT : State.DIALOGUE;
                }
            }
            case DIALOGUE -> dialogue(text);
        }
    }

    private void dialogue(String text) {
        if (REPLY.matcher(text).matches()) {
            out.println("< " + text);
            return;
        }
        var done = AUTH_DONE.matcher(text);
        if (done.matches()) {
            out.println("  authenticated (AUTH " + done.group(1) + ")");
            return;
        }
        if (text.startsWith("DEBUG")) {
            return;
        }
        String verb = text.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
        if (verb.equals("AUTH")) {
            String[] parts = text.split(" ", 3);
            out.println("> AUTH " + (parts.length > 1 ? parts[1] : "") + " (credentials not shown)");
            return;
        }
        if (!COMMANDS.contains(verb)) {
            return;
        }
        showTls();
        out.println("> " + text);
        if (verb.equals("DATA")) {
            contentLines = 0;
            contentBytes = 0;
            state = State.DATA_SENT;
        }
    }

    /** Names the TLS session once, before the first command sent over it. */
    private void showTls() {
        tls.session().ifPresent(s -> {
            String shown = s.getProtocol() + " " + s.getCipherSuite();
            if (!shown.equals(tlsShown)) {
                tlsShown = shown;
                out.println("  TLS " + shown);
            }
        });
    }
}

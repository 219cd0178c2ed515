package works.cast.relay.server.cli;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dkim-relay send}: submits one test message through a relay with jakarta.mail (RFC 6409 submission, RFC 3207
 * STARTTLS, RFC 8314 implicit TLS, RFC 4954 AUTH) and prints the SMTP dialogue, never credentials or the content.
 *
 * <pre>
 * $ echo "$PASSWORD" | dkim-relay send --server relay.cast.works:587 --starttls --user app --from a@cast.works --to b@example.com
 * &lt; 220 relay.cast.works ESMTP dkim-relay
 * &gt; EHLO host.example
 * &lt; 250-relay.cast.works
 * ...
 * &lt; 250 2.0.0 Ok: queued as 01J9...
 * queued as 01J9...
 * </pre>
 */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Send a test message through a relay and print each SMTP reply.",
            "With --user the password is read from the terminal, or from the first line of standard input."})
public final class SendCommand implements Callable<Integer> {

    private static final Pattern QUEUE_ID = Pattern.compile("queued as <?([^\\s>]+)>?");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "ADDRESS", description = "Envelope sender and From.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "ADDRESS", split = ",",
            description = "Recipient (repeat or separate with commas); also the To header.")
    List<String> to;

    @Option(names = "--server", paramLabel = "HOST[:PORT]", defaultValue = "127.0.0.1:2525",
            description = "The relay (default: ${DEFAULT-VALUE}; without a port: 465 with --ssl, else 587).")
    String server;

    @Option(names = "--starttls", description = "Require STARTTLS before MAIL (fail when not offered).")
    boolean starttls;

    @Option(names = "--ssl", description = "Implicit TLS from the first byte (port 465).")
    boolean ssl;

    @Option(names = "--insecure", description = "Accept any server certificate and name (self-signed test relays).")
    boolean insecure;

    @Option(names = "--user", paramLabel = "NAME", description = "AUTH as this user; the password never goes on "
            + "the command line.")
    String user;

    @Option(names = "--subject", defaultValue = "dkim-relay test", description = "Subject (default: ${DEFAULT-VALUE}).")
    String subject;

    @Option(names = "--body", defaultValue = "This is a test message sent with dkim-relay send.",
            description = "Body text (default: ${DEFAULT-VALUE}).")
    String body;

    @Option(names = "--helo", paramLabel = "NAME", description = "EHLO name (default: this host's name).")
    String helo;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "Connect and read timeout (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** Where the password comes from when there is no terminal; tests replace it. */
    InputStream stdin = System.in;

    @Override
    public Integer call() throws Exception {
        if (starttls && ssl) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--starttls and --ssl exclude each other");
        }
        HostPort target = HostPort.parse(server, ssl ? 465 : 587);
        String password = user == null ? null : password();
        PrintWriter out = spec.commandLine().getOut();
        SendTls tls = new SendTls(insecure);
        SendTranscript transcript = new SendTranscript(out, tls);
        Session session = Session.getInstance(properties(target, tls));
        session.setDebug(true);
        session.setDebugOut(new PrintStream(transcript, true, StandardCharsets.ISO_8859_1));
        out.println("connecting to " + target + (ssl ? " (implicit TLS)" : starttls ? " (STARTTLS)" : ""));
        out.flush();
        try {
            MimeMessage message = message(session);
            SMTPTransport transport = (SMTPTransport) session.getTransport("smtp");
            String reply;
            try {
                transport.connect(target.host(), target.port(), user, password);
                transport.sendMessage(message, message.getAllRecipients());
                reply = transport.getLastServerResponse().strip();
            } finally {
                try {
                    transport.close();
                } catch (MessagingException ignored) {
                    // QUIT after a failure may meet a closed connection; the failure itself is what is reported.
                }
                transcript.flush();
            }
            Matcher id = QUEUE_ID.matcher(reply);
            out.println(id.find() ? "queued as " + id.group(1) : "accepted: " + reply);
            out.flush();
        } catch (MessagingException e) {
            throw new CliException(SendFailures.describe(e, target, insecure));
        }
        return 0;
    }

    private Properties properties(HostPort target, SendTls tls) {
        Properties p = new Properties();
        String timeout = Integer.toString(Math.max(1, timeoutSeconds) * 1000);
        p.setProperty("mail.smtp.host", target.host());
        p.setProperty("mail.smtp.port", Integer.toString(target.port()));
        p.setProperty("mail.smtp.connectiontimeout", timeout);
        p.setProperty("mail.smtp.timeout", timeout);
        p.setProperty("mail.smtp.writetimeout", timeout);
        p.setProperty("mail.smtp.localhost", helo != null ? helo : localHostName());
        p.setProperty("mail.smtp.auth", Boolean.toString(user != null));
        p.setProperty("mail.smtp.ssl.enable", Boolean.toString(ssl));
        p.setProperty("mail.smtp.starttls.enable", Boolean.toString(starttls));
        p.setProperty("mail.smtp.starttls.required", Boolean.toString(starttls));
        p.put("mail.smtp.ssl.socketFactory", tls);
        p.setProperty("mail.smtp.ssl.checkserveridentity", Boolean.toString(!insecure));
        p.setProperty("mail.debug.auth", "false");
        p.setProperty("mail.smtp.quitwait", "true");
        return p;
    }

    private MimeMessage message(Session session) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from, true));
        for (String rcpt : to) {
            m.addRecipient(Message.RecipientType.TO, new InternetAddress(rcpt.strip(), true));
        }
        m.setSubject(subject, "UTF-8");
        m.setSentDate(new Date());
        m.setText(body.endsWith("\n") ? body : body + "\n", "UTF-8");
        m.saveChanges();
        return m;
    }

    private String password() throws IOException {
        Console console = System.console();
        if (console != null && stdin == System.in) {
            char[] p = console.readPassword("Password for %s: ", user);
            if (p == null) {
                throw new CliException("no password given");
            }
            return new String(p);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        String line = in.readLine();
        if (line == null || line.isEmpty()) {
            throw new CliException("--user " + user + ": no password on standard input");
        }
        return line;
    }

    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getCanonicalHostName();
            return name.isBlank() ? "localhost" : name;
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** A relay address: a host name or IP literal (IPv6 in brackets) and a port. */
    record HostPort(String host, int port) {

        HostPort {
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("--server: " + host + ":" + port + " is not HOST:PORT");
            }
        }

        static HostPort parse(String s, int defaultPort) {
            String host = s;
            int port = defaultPort;
            int colon = s.lastIndexOf(':');
            boolean bracketed = s.startsWith("[");
            if (colon > 0 && (bracketed ? s.indexOf(']') < colon : s.indexOf(':') == colon)) {
                host = s.substring(0, colon);
                try {
                    port = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new CliException("--server " + s + ": the port is not a number");
                }
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                return new HostPort(host.toLowerCase(Locale.ROOT), port);
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** The one-line reasons of a failed send: the server's reply where there is one. */
    static final class SendFailures {

        private SendFailures() {
        }

        static String describe(MessagingException e, HostPort target, boolean insecure) {
            if (e instanceof AuthenticationFailedException) {
                return "authentication failed: " + reply(e);
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SSLException) {
                    return "TLS with " + target + " failed: " + t.getMessage()
                            + (insecure ? "" : " (for a self-signed test relay add --insecure)");
                }
                if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                        || t instanceof java.net.SocketTimeoutException) {
                    return "cannot connect to " + target + ": " + t.getMessage();
                }
            }
            // SendFailedException chains the per-recipient SMTPAddressFailedException with the RCPT reply.
            Exception last = e;
            for (Exception n = e.getNextException(); n != null;
                 n = n instanceof MessagingException me ? me.getNextException() : null) {
                last = n;
            }
            String reason = reply(last);
            return "refused: " + (reason.isEmpty() ? reply(e) : reason);
        }

        private static String reply(Exception e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return m.replace("\r", "").replace('\n', ' ').strip();
        }
    }
}

package works.cast.relay.server.delivery.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The HTTPS connections the relay makes itself (MTA-STS policy fetches, TLS report uploads): to an address the
 * caller resolved through the relay's DNS servers, TLS 1.2 or later, the certificate checked against
 * {@link PeerTrust} and the host name, {@code timeout} for the connect and for each read. Blocking.
 */
final class HttpsSockets {

    private HttpsSockets() {
    }

    /** A TLS socket to {@code host} at {@code address}, its handshake done; closing it closes the connection. */
    static SSLSocket open(PeerTrust trust, String host, InetAddress address, int port, Duration timeout)
            throws IOException {
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(address, port), ms);
            plain.setSoTimeout(ms);
            SSLSocket s = (SSLSocket) trust.sslContext().getSocketFactory().createSocket(plain, host, port, true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(host)));
            p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** One HTTP header line without its CRLF, at most 8 KiB. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed in the HTTP header");
            }
            if (b.size() > 8192) {
                throw new IOException("HTTP header line too long");
            }
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}

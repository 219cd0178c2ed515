package works.cast.relay.server.smtp;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** The client a trusted proxy's PROXY v1/v2 header names (HAProxy's proxy-protocol.txt). */
final class ProxyHeaders {

    private ProxyHeaders() {
    }

    /** A header the relay does not serve: a family other than TCP, or a source that is not an IP literal. */
    static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * The client's address for TCP over IPv4 or IPv6; {@code proxy} itself for {@code LOCAL} (v2) and
     * {@code UNKNOWN}, the proxy's own health checks. Never a DNS lookup.
     *
     * @throws Refused for UDP or UNIX-socket families, or a source address that is not a literal of its family
     */
    static InetSocketAddress source(HAProxyMessage header, InetSocketAddress proxy) throws Refused {
        if (header.command() == HAProxyCommand.LOCAL
                || header.proxiedProtocol() == HAProxyProxiedProtocol.UNKNOWN) {
            return proxy;
        }
        HAProxyProxiedProtocol family = header.proxiedProtocol();
        if (family != HAProxyProxiedProtocol.TCP4 && family != HAProxyProxiedProtocol.TCP6) {
            throw new Refused("family " + family);
        }
        String literal = header.sourceAddress();
        byte[] bytes = literal == null ? null : NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes == null || bytes.length != (family == HAProxyProxiedProtocol.TCP4 ? 4 : 16)) {
            throw new Refused("source address not an IP literal");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), header.sourcePort());
        } catch (java.net.UnknownHostException e) {
            throw new Refused("source address " + e.getMessage()); // only for a wrong length, checked above
        }
    }
}

package works.cast.relay.server.config;

/**
 * STARTTLS use towards an upstream server (RFC 3207; RFC 7435 opportunistic security).
 * {@code NONE} never starts TLS, {@code OPPORTUNISTIC} uses it when offered, {@code REQUIRED} fails without it.
 */
public enum OutboundTls { NONE, OPPORTUNISTIC, REQUIRED }

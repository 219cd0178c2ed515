package works.cast.relay.server.smtp;

import java.util.ArrayList;
import java.util.List;
import works.cast.relay.server.message.Reply;
import java.util.Optional;

/**
 * Factory for the fixed SMTP replies of the submission server (RFC 5321 section 4.2.2, RFC 3463 codes).
 */
public final class Replies {

    private Replies() {
    }

    public static Reply ok() {
        return new Reply(250, "2.0.0", "Ok");
    }

    public static Reply greeting(String hostname) {
        return new Reply(220, "", hostname + " ESMTP ready");
    }

    public static Reply helo(String hostname) {
        return new Reply(250, "", hostname);
    }

    public static Reply ehlo(List<String> lines) {
        return new Reply(250, "", lines);
    }

    /**
     * The EHLO reply (RFC 5321 section 4.1.1.1) with the extensions offered now: PIPELINING (RFC 2920), SIZE
     * (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), ENHANCEDSTATUSCODES (RFC 2034), STARTTLS (RFC 3207) before
     * TLS, AUTH (RFC 4954) when it may be used, REQUIRETLS (RFC 8689 section 2) only once the session is TLS.
     */
    public static Reply ehlo(String hostname, String client, long messageSize, boolean startTls, boolean auth,
                             boolean requireTls) {
        List<String> lines = new ArrayList<>();
        lines.add(hostname + " greets " + client);
        lines.add("PIPELINING");
        lines.add("SIZE " + messageSize);
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("ENHANCEDSTATUSCODES");
        if (startTls) {
            lines.add("STARTTLS");
        }
        if (auth) {
            lines.add("AUTH PLAIN LOGIN");
        }
        if (requireTls) {
            lines.add("REQUIRETLS");
        }
        return ehlo(lines);
    }

    public static Reply senderOk() {
        return new Reply(250, "2.1.0", "Sender ok");
    }

    public static Reply recipientOk() {
        return new Reply(250, "2.1.5", "Recipient ok");
    }

    public static Reply startData() {
        return new Reply(354, "", "End data with <CR><LF>.<CR><LF>");
    }

    public static Reply bye(String hostname) {
        return new Reply(221, "2.0.0", hostname + " closing connection");
    }

    public static Reply readyToStartTls() {
        return new Reply(220, "2.0.0", "Ready to start TLS");
    }

    public static Reply authSucceeded() {
        return new Reply(235, "2.7.0", "Authentication successful");
    }

    public static Reply authChallenge(String base64) {
        return new Reply(334, "", base64);
    }

    public static Reply cannotVerify() {
        return new Reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    }

    public static Reply help() {
        return new Reply(214, "2.0.0", "See RFC 5321");
    }

    public static Reply unknownCommand() {
        return new Reply(500, "5.5.1", "Command unrecognized");
    }

    public static Reply lineTooLong() {
        return new Reply(501, "5.5.2", "Line too long");
    }

    public static Reply syntax(String text) {
        return new Reply(501, "5.5.4", text);
    }

    public static Reply badSenderSyntax() {
        return new Reply(501, "5.1.7", "Bad sender address syntax");
    }

    public static Reply badRecipientSyntax() {
        return new Reply(501, "5.1.3", "Bad recipient address syntax");
    }

    public static Reply unknownParameter(String name) {
        return new Reply(555, "5.5.4", "Unsupported parameter " + name);
    }

    public static Reply nonAsciiWithoutSmtpUtf8() {
        return new Reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
    }

    public static Reply badSequence() {
        return new Reply(503, "5.5.1", "Bad sequence of commands");
    }

    public static Reply alreadyOnTls() {
        return new Reply(503, "5.5.1", "TLS already active");
    }

    public static Reply tlsNotAvailable() {
        return new Reply(502, "5.5.1", "STARTTLS not available");
    }

    public static Reply authNotAvailable() {
        return new Reply(502, "5.5.1", "AUTH not available");
    }

    public static Reply unsupportedMechanism() {
        return new Reply(504, "5.5.4", "Unrecognized authentication mechanism");
    }

    public static Reply authCancelled() {
        return new Reply(501, "5.0.0", "Authentication cancelled");
    }

    public static Reply badBase64() {
        return new Reply(501, "5.5.2", "Cannot decode response");
    }

    public static Reply alreadyAuthenticated() {
        return new Reply(503, "5.5.1", "Already authenticated");
    }

    public static Reply authRequired() {
        return new Reply(530, "5.7.0", "Authentication required");
    }

    public static Reply tlsRequiredForAuth() {
        return new Reply(538, "5.7.11", "Must issue STARTTLS first");
    }

    /** RFC 4954 section 6: the credentials could not be checked now. */
    public static Reply authUnavailable() {
        return new Reply(454, "4.7.0", "Temporary authentication failure, try again later");
    }

    /** An authenticated user's envelope sender outside its domains (Postfix: reject_sender_login_mismatch). */
    private static Reply senderNotOwned(String sender, String user) {
        return new Reply(550, "5.7.1", "Sender address <" + sender + "> is not owned by user " + user);
    }

    public static Reply authFailed() {
        return new Reply(535, "5.7.8", "Authentication credentials invalid");
    }

    public static Reply messageTooBig() {
        return new Reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    }

    public static Reply tooManyRecipients() {
        return new Reply(452, "4.5.3", "Too many recipients");
    }

    public static Reply noValidRecipients() {
        return new Reply(554, "5.5.1", "No valid recipients");
    }

    public static Reply bareLineEnding() {
        return new Reply(550, "5.6.0", "Bare LF/CR not allowed");
    }

    public static Reply nulInData() {
        return new Reply(550, "5.6.0", "NUL character not allowed");
    }

    public static Reply dataLineTooLong() {
        return new Reply(550, "5.6.0", "Line longer than 998 octets");
    }

    /** A header block that cannot be signed so that every verifier agrees; {@code problem} names the line. */
    private static Reply malformedHeader(String problem) {
        return new Reply(550, "5.6.0", problem);
    }

    public static Reply tooManyErrors() {
        return new Reply(421, "4.7.0", "Too many errors, closing connection");
    }

    public static Reply tooManyJunkCommands() {
        return new Reply(421, "4.7.0", "Too many commands without a message, closing connection");
    }

    public static Reply tooManyAuthFailures() {
        return new Reply(421, "4.7.0", "Too many authentication failures, closing connection");
    }

    public static Reply tooManyConnections() {
        return new Reply(421, "4.7.0", "Too many connections, try again later");
    }

    public static Reply timeout() {
        return new Reply(421, "4.4.2", "Timeout, closing connection");
    }

    public static Reply shuttingDown() {
        return new Reply(421, "4.3.2", "Service shutting down");
    }

    /** A sending rate limit is reached; {@code what} says whose: "user billing", "client 192.0.2.7", "domain cast.works". */
    private static Reply rateLimited(String what) {
        return new Reply(451, "4.7.0", "Rate limit reached for " + what + ", try again later");
    }

    /** Bulk mail without a working one-click unsubscribe (RFC 8058), when the relay requires one. */
    private static Reply bulkWithoutOneClickUnsubscribe(String problem) {
        return new Reply(550, "5.7.1", "Bulk mail needs List-Unsubscribe with an https URI and List-Unsubscribe-Post: "
                + "List-Unsubscribe=One-Click (RFC 8058): " + problem);
    }

    /** More Received fields than the hop limit: the message is going round in a loop (Postfix "too many hops"). */
    private static Reply tooManyHops() {
        return new Reply(554, "5.4.6", "Too many hops");
    }

    /** Every MX host of {@code domain} is this relay itself (or loopback): Postfix's wording, a permanent failure. */
    public static Reply mailLoopsBack(String domain, String detail) {
        return new Reply(554, "5.4.6", "mail for " + domain + " loops back to myself (" + detail + ")");
    }

    /**
     * REQUIRETLS on MAIL FROM of a session without TLS, where it is not offered (RFC 8689 section 2): 5.7.10,
     * encryption needed, so the client can start TLS and try again instead of sending the message in clear.
     */
    public static Reply requireTlsWithoutTls() {
        return new Reply(530, "5.7.10", "REQUIRETLS needs a TLS session; issue STARTTLS first");
    }

    /** Delivery: a next hop that does not offer REQUIRETLS after STARTTLS (RFC 8689 section 4.2.1). */
    public static Reply requireTlsNotOffered(String peer) {
        return new Reply(550, "5.7.30", "REQUIRETLS support required: " + peer + " does not offer REQUIRETLS");
    }

    /** Delivery: no TLS validated by DANE or MTA-STS with this next hop for a REQUIRETLS message (RFC 8689 4.2.1). */
    public static Reply requireTlsUnvalidated(String peer, String why) {
        return new Reply(550, "5.7.10", "Encryption needed: REQUIRETLS message not sent to " + peer + ": " + why);
    }

    /** Delivery: the REQUIRETLS check could not be made now (an MTA-STS policy fetch failed); retried. */
    public static Reply requireTlsUndecided(String peer, String why) {
        return new Reply(451, "4.7.10", "REQUIRETLS message waits: " + peer + ": " + why);
    }

    /** Delivery: the smarthost connection is not TLS with a verified certificate, so REQUIRETLS cannot hold. */
    public static Reply requireTlsSmarthostUnverified(String smarthost) {
        return new Reply(550, "5.7.10", "Encryption needed: REQUIRETLS message not sent to " + smarthost
                + ", whose connection is not TLS with a verified certificate (delivery.smarthost.tls = required)");
    }

    /** Any failure inside the relay: temporary, so the client tries again (one text wherever it happens). */
    public static Reply localError() {
        return new Reply(451, "4.3.0", "Local error in processing; try again later");
    }

    /** The positive reply of a committed message, once it survives a crash. */
    public static Reply queued(String queueId) {
        return new Reply(250, "2.0.0", "Ok: queued as " + queueId);
    }

    /** The one mapping from an intake failure to the reply the client sees. */
    public static Reply refusal(IntakeFailure failure) {
        switch (failure.kind()) {
            case RATE_LIMITED:
                return rateLimited(((IntakeFailure.RateLimited) failure).whose());
            case SENDER_NOT_OWNED: {
                IntakeFailure.SenderNotOwned f = (IntakeFailure.SenderNotOwned) failure;
                return senderNotOwned(f.sender(), f.user());
            }
            case AUTHOR_NOT_OWNED: {
                IntakeFailure.AuthorNotOwned f = (IntakeFailure.AuthorNotOwned) failure;
                return new Reply(550, "5.7.1", "User " + f.user() + " may not send as " + f.domain());
            }
            case DOMAIN_NOT_SIGNED:
                return new Reply(550, "5.7.1", "Domain " + ((IntakeFailure.DomainNotSigned) failure).domain()
                        + " is not signed by this relay");
            case NO_SIGNING_KEY:
                return cannotSign(((IntakeFailure.NoSigningKey) failure).signingDomain());
            case SIGNING_FAILED:
                return cannotSign(((IntakeFailure.SigningFailed) failure).signingDomain());
            case MALFORMED_HEADER:
                return malformedHeader(((IntakeFailure.MalformedHeader) failure).problem());
            case MALFORMED_FROM:
                return malformedHeader(((IntakeFailure.MalformedFrom) failure).problem());
            case TOO_MANY_HOPS:
                return tooManyHops();
            case NO_ONE_CLICK_UNSUBSCRIBE:
                return bulkWithoutOneClickUnsubscribe(((IntakeFailure.NoOneClickUnsubscribe) failure).problem());
            case HEADER_TOO_LARGE:
                return new Reply(552, "5.3.4", "Message header block too large");
            case MESSAGE_TOO_BIG:
                return messageTooBig();
            case STORAGE_FULL:
                return new Reply(452, "4.3.1", "Insufficient system storage; try again later");
            case STORE_ERROR:
            case LOCAL_ERROR:
                return localError();
            default:
                throw new IllegalArgumentException("intake failure without a reply: " + failure.kind());
        }
    }

    private static Reply cannotSign(String signingDomain) {
        return new Reply(451, "4.3.0", "Cannot sign for " + signingDomain + " now; try again later");
    }

    // Replies the relay makes up for a delivery attempt (recorded per recipient, shown in DSNs and queue show).

    /** The forwarder returned no result for a recipient it was given. */
    public static Reply noDeliveryResult() {
        return new Reply(451, "4.3.0", "No delivery result; try again later");
    }

    /** An attempt ended without a result for a recipient: {@code failure} as the log shows it, if there was one. */
    public static Reply attemptFailed(Optional<String> failure) {
        return new Reply(451, "4.3.0", failure.map(f -> "Local error: " + f).orElse("No result from the forwarder"));
    }

    /** The queued message could not be read while it was being sent. */
    public static Reply cannotReadMessage() {
        return new Reply(451, "4.3.0", "Local error reading the message; try again later");
    }

    public static Reply upstreamCannotConnect(String peer, String cause) {
        return new Reply(451, "4.4.1", "Cannot connect to " + peer + ": " + cause);
    }

    public static Reply upstreamTimeout(String peer, String step) {
        return new Reply(451, "4.4.2", "Timeout waiting for " + peer + " (" + step + ")");
    }

    public static Reply upstreamConnectionLost(String peer, String step) {
        return new Reply(451, "4.4.2", "Connection to " + peer + " lost (" + step + ")");
    }

    public static Reply upstreamProtocolError(String peer, String cause) {
        return new Reply(451, "4.5.0", "Protocol error from " + peer + ": " + cause);
    }

    public static Reply upstreamTlsFailed(String peer, String why) {
        return new Reply(451, "4.7.5", "TLS with " + peer + " failed: " + why);
    }

    public static Reply upstreamWithoutAuth(String peer) {
        return new Reply(451, "4.7.0", peer + " offers neither AUTH PLAIN nor AUTH LOGIN");
    }

    public static Reply upstreamWithoutSmtpUtf8(String peer) {
        return new Reply(554, "5.6.7", "Upstream " + peer + " does not support SMTPUTF8");
    }

    public static Reply upstreamWithout8BitMime(String peer) {
        return new Reply(554, "5.6.3", "Upstream " + peer + " does not support 8BITMIME");
    }

    public static Reply upstreamSizeExceeded(long size, String peer, long maxSize) {
        return new Reply(552, "5.3.4", "Message size " + size + " exceeds the limit of " + peer + " ("
                + maxSize + " bytes)");
    }

    public static Reply mxLookupFailed(String domain, String why) {
        return new Reply(451, "4.4.3", "MX lookup for " + domain + " failed: " + why);
    }

    /** RFC 7505: the domain publishes a null MX. */
    public static Reply nullMx(String domain) {
        return new Reply(556, "5.1.10", "Domain " + domain + " does not accept mail (null MX)");
    }

    public static Reply noSuchDomain(String domain) {
        return new Reply(550, "5.1.2", "Domain " + domain + " does not exist");
    }
}

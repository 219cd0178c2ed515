package works.cast.relay.server.smtp;

import works.cast.relay.core.mail.Envelope;

/**
 * Where the SMTP session hands the content of each accepted DATA.
 *
 * <p>Call order for one message: {@link #open} once after {@code 354} is sent, then {@link MessageSink#write}
 * for each chunk, then exactly one of {@link MessageSink#finish} (the content ended with CRLF.CRLF and passed the
 * protocol checks) or {@link MessageSink#abort} (rejected content, or the connection went away).
 * All calls come from the channel's event loop and must not block.
 */
public interface MessageReceiver {

    /**
     * Starts one message.
     *
     * @param session        the client and its credentials
     * @param envelope       MAIL FROM and the accepted RCPT TO
     * @param resumeReading  the sink runs this (on any thread) after {@link MessageSink#write} returned false,
     *                       once it can take more bytes
     */
    MessageSink open(SessionInfo session, Envelope envelope, Runnable resumeReading);

    /**
     * Asks for room for one more message before its {@code 354}; a true answer holds that room for the
     * {@link #open} that follows at once on the same thread.
     *
     * @param retry run (on any thread) when it is worth asking again, after a false answer
     * @return false when the messages in flight fill the receiver's memory: the session waits, unread
     */
    default boolean admit(Runnable retry) {
        return true;
    }
}

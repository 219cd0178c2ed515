/**
 * What the layers of the relay pass to each other: a message's {@link works.cast.relay.server.message.QueueId}, the
 * {@link works.cast.relay.server.message.AcceptedMessage} intake commits, its stored state
 * ({@link works.cast.relay.server.message.QueueEntry}, one {@link works.cast.relay.server.message.RecipientStatus}
 * per recipient), SMTP {@link works.cast.relay.server.message.Reply replies}, delivery results, and the
 * {@link works.cast.relay.server.message.MessageStore} the queue implements. It depends on nothing else in the server.
 *
 * <p>Packages depend downwards only (checked by {@code PackageLayersTest}):
 * <pre>
 *   Relay, DeliveryStack, cli, ops     wiring and operators: the only users of queue
 *   delivery                           scheduler, forwarders (smarthost, MX), passthrough, upstream SMTP client
 *   bounce                             DSNs, for the queued and the passthrough paths alike
 *   auth, limits, sender               who may send what, checked at SMTP time
 *   intake                             signing and the commit to a MessageCommitter (the store, passthrough, outbox)
 *   smtp                               the SMTP server
 *   queue                              the message store on disk; knows nothing about transport
 *   message                            this package
 *   config, keys, tls, dns, net, json  foundations
 * </pre>
 */
package works.cast.relay.server.message;

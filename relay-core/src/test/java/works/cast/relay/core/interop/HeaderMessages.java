package works.cast.relay.core.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The header part of the corpus: folding, odd case, duplicates, From forms and separators (RFC 5322 §2.2, §3.6). */
final class HeaderMessages {

    private static final String BODY = "Body text.";

    private HeaderMessages() {
    }

    static List<NamedMessage> all() {
        List<NamedMessage> messages = new ArrayList<>();
        messages.add(custom("folded-to-multiline", "From: news@cast.works",
                "To: Alice <alice@example.net>,\r\n Bob <bob@example.net>,\r\n\tCarol <carol@example.org>,\r\n"
                        + "    Dave <dave@example.com>",
                "Subject: Folded To", Corpus.DATE, id("folded-to-multiline")));
        messages.add(custom("folded-subject-with-tabs", "From: news@cast.works", Corpus.TO,
                "Subject: A subject\r\n\tfolded with\ttabs\r\n \tand\t\tspaces", Corpus.DATE, id("folded-subject-with-tabs")));
        messages.add(custom("folded-references", "From: news@cast.works", Corpus.TO, "Subject: Re: thread",
                Corpus.DATE, id("folded-references"), "In-Reply-To: <a1@example.net>",
                "References: <a0@example.net>\r\n <a1@example.net>\r\n\t<a2@example.net>"));
        messages.add(custom("folded-with-whitespace-around-folds", "From: news@cast.works", Corpus.TO,
                "Subject: text before fold   \r\n    continued after fold  \t", Corpus.DATE,
                id("folded-with-whitespace-around-folds")));
        messages.add(custom("header-continuation-whitespace-only", "From: news@cast.works", Corpus.TO,
                "Subject: before\r\n \r\n after", Corpus.DATE, id("header-continuation-whitespace-only"),
                "X-Obsolete-Folding: a\r\n\t\r\n  \r\n b"));
        messages.add(custom("header-names-odd-case", "from: news@cast.works", "tO: rcpt@example.net",
                "SUBJECT: Odd case header names", "DATE: Tue, 04 Nov 2025 09:15:00 +0900",
                "Message-Id: <header-names-odd-case@cast.works>", "mime-VERSION: 1.0",
                "CONTENT-type: text/plain; charset=us-ascii"));
        messages.add(custom("duplicate-received", "Received: from a.example.net by b.example.net;\r\n"
                        + " Tue, 04 Nov 2025 09:15:02 +0900",
                "Received: from app.cast.works by a.example.net;\r\n Tue, 04 Nov 2025 09:15:01 +0900",
                "From: news@cast.works", Corpus.TO, "Subject: Two Received fields", Corpus.DATE, id("duplicate-received")));
        messages.add(custom("duplicate-subject", "From: news@cast.works", Corpus.TO, "Subject: First subject",
                Corpus.DATE, "Subject: Second subject", id("duplicate-subject")));
        messages.add(custom("trace-headers-before-from", "Return-Path: <bounce@cast.works>",
                "Delivered-To: rcpt@example.net",
                "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=cast.works",
                "Received: by app.cast.works; Tue, 04 Nov 2025 09:15:00 +0900",
                "From: news@cast.works", Corpus.TO, "Subject: Trace fields first", Corpus.DATE,
                id("trace-headers-before-from")));
        messages.add(from("from-display-name", "From: \"Cast Works, Support\" <support@cast.works>"));
        messages.add(from("from-comments", "From: (sales dept) Joe Sales <joe@cast.works> (Tokyo office)"));
        messages.add(from("from-quoted-local-part", "From: \"joe smith\"@cast.works"));
        messages.add(from("from-uppercase-domain", "From: Joe User <Joe.User@CAST.WORKS>"));
        messages.add(from("from-castworks-co-jp", "From: Cast Works Japan <info@castworks.co.jp>"));
        messages.add(from("from-subdomain-mail-cast-works", "From: alerts@mail.cast.works"));
        messages.add(custom("from-encoded-word-with-sender-reply-to-cc",
                "From: =?UTF-8?B?44Kt44Oj44K544OI44Ov44O844Kv44K5?= <info@castworks.co.jp>",
                "Sender: relay@castworks.co.jp", "Reply-To: support@castworks.co.jp", Corpus.TO,
                "Cc: audit@example.net", "Subject: Sender, Reply-To and Cc", Corpus.DATE,
                id("from-encoded-word-with-sender-reply-to-cc")));
        messages.add(custom("header-colon-no-space", "From:news@cast.works", "To:rcpt@example.net",
                "Subject:no space after colon", Corpus.DATE, id("header-colon-no-space"), "X-Mailer:relay-test"));
        messages.add(custom("header-tab-separated-value", "From:\tnews@cast.works", Corpus.TO,
                "Subject:\tvalue\twith\ttabs", Corpus.DATE, id("header-tab-separated-value"), "X-Tab:\t\tdouble tab\t"));
        messages.add(custom("header-trailing-whitespace", "From: news@cast.works  ", Corpus.TO,
                "Subject: trailing whitespace \t ", Corpus.DATE, id("header-trailing-whitespace")));
        messages.add(custom("header-value-empty", "From: news@cast.works", Corpus.TO, "Subject:", Corpus.DATE,
                id("header-value-empty"), "X-Empty:", "X-Space: ", "X-Tab:\t"));
        messages.add(custom("list-headers", "From: Cast Works News <news@cast.works>", Corpus.TO,
                "Subject: Newsletter", Corpus.DATE, id("list-headers"), "List-Id: Cast Works News <news.cast.works>",
                "List-Unsubscribe: <https://cast.works/u/abc123>,\r\n <mailto:unsubscribe@cast.works?subject=abc123>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Precedence: bulk"));
        messages.add(manyHeaderFields());
        return messages;
    }

    private static String id(String name) {
        return "Message-ID: <" + name + "@cast.works>";
    }

    /** A message with exactly these header lines (in order) and a one-line body. */
    private static NamedMessage custom(String name, String... headerLines) {
        return new WireMessage().headers(headerLines).endHeaders().lines(BODY).named(name);
    }

    private static NamedMessage from(String name, String fromLine) {
        return custom(name, fromLine, Corpus.TO, "Subject: " + name, Corpus.DATE, id(name));
    }

    private static NamedMessage manyHeaderFields() {
        String name = "many-header-fields";
        WireMessage message = Corpus.headersOnly(name, "news@cast.works", "Sixty extra header fields");
        for (int i = 0; i < 60; i++) {
            message.header(String.format(Locale.ROOT, "X-Trace-%02d: hop %d value", i, i));
        }
        return message.endHeaders().lines(BODY).named(name);
    }
}

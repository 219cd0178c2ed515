package works.cast.relay.core.interop;

/** The MIME part of the corpus: multipart structures, base64 and quoted-printable parts, 8-bit text (RFC 2045, 2046). */
final class MimeMessages {

    private MimeMessages() {
    }

    static NamedMessage alternative() {
        String name = "multipart-alternative";
        return Corpus.headersOnly(name, "Cast Works <news@cast.works>", "Plain and HTML")
                .headers("MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary=\"alt-1\"")
                .endHeaders()
                .lines("--alt-1", "Content-Type: text/plain; charset=us-ascii", "", "Plain text part.", "",
                        "--alt-1", "Content-Type: text/html; charset=us-ascii", "",
                        "<html><body><p>HTML part.</p></body></html>", "--alt-1--", "")
                .named(name);
    }

    static NamedMessage mixedWithAttachment() {
        String name = "multipart-mixed-base64-attachment";
        return Corpus.headersOnly(name, "Reports <reports@cast.works>", "Report attached")
                .headers("MIME-Version: 1.0", "Content-Type: multipart/mixed;\r\n boundary=\"mixed-boundary-42\"")
                .endHeaders()
                .lines("This is a multi-part message in MIME format.", "", "--mixed-boundary-42",
                        "Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit", "",
                        "See the attached report.", "", "--mixed-boundary-42",
                        "Content-Type: application/octet-stream; name=\"report.bin\"",
                        "Content-Transfer-Encoding: base64",
                        "Content-Disposition: attachment; filename=\"report.bin\"", "")
                .text(Corpus.base64Lines(3000) + "\r\n")
                .lines("--mixed-boundary-42--")
                .named(name);
    }

    static NamedMessage nested() {
        String name = "multipart-nested-mixed-alternative";
        return Corpus.headersOnly(name, "news@castworks.co.jp", "Nested multipart")
                .headers("MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=outer")
                .endHeaders()
                .lines("preamble text", "--outer", "Content-Type: multipart/alternative; boundary=inner", "",
                        "--inner", "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 8bit", "",
                        "Grüße – プレーンテキスト", "--inner", "Content-Type: text/html; charset=UTF-8",
                        "Content-Transfer-Encoding: 8bit", "", "<p>Grüße – <b>HTML</b></p>", "--inner--", "",
                        "--outer", "Content-Type: application/pdf; name=\"a.pdf\"", "Content-Transfer-Encoding: base64",
                        "")
                .text(Corpus.base64Lines(700) + "\r\n")
                .lines("--outer--", "epilogue text  ", "")
                .named(name);
    }

    static NamedMessage htmlQuotedPrintable() {
        String name = "html-quoted-printable";
        return Corpus.headersOnly(name, "news@cast.works", "HTML, quoted-printable")
                .headers("MIME-Version: 1.0", "Content-Type: text/html; charset=UTF-8",
                        "Content-Transfer-Encoding: quoted-printable")
                .endHeaders()
                .lines("<html><body><p style=3D\"color: red\">A long paragraph that is wrapped with a so=",
                        "ft line break and ends with an encoded space=20", "Gr=C3=BC=C3=9Fe</p>",
                        "</body></html>")
                .named(name);
    }

    static NamedMessage utf8EightBitBody() {
        String name = "utf8-8bit-body";
        return Corpus.headersOnly(name, "Cast Works <news@cast.works>", "UTF-8 body, 8bit")
                .headers("MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
                        "Content-Transfer-Encoding: 8bit")
                .endHeaders()
                .lines("こんにちは、キャストワークスです。", "Grüße aus Köln – „Anführungszeichen“",
                        "Emoji: \uD83D\uDCE8 \uD83D\uDD11", "Ελληνικά, русский, עברית", "  全角\u3000スペース\u3000")
                .named(name);
    }
}

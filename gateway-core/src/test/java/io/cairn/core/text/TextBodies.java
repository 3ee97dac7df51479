package io.cairn.core.text;

import io.cairn.core.model.PushContent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Feeds bodies to a parser the way the HTTP layer does, and reads the recorded error catalog. */
final class TextBodies {
    private TextBodies() {
    }

    /** Feeds {@code body} cut at {@code cuts} (ascending offsets) and finishes; every buffer is released. */
    static void parse(TextFormatParser parser, PushContent content, byte[] body, boolean direct, int... cuts)
        throws ParseException {
        content.reset();
        parser.reset(content);
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            final int to = k < cuts.length ? cuts[k] : body.length;
            feed(parser, body, from, to, direct);
            from = to;
        }
        parser.finish();
    }

    /** Feeds one byte at a time. */
    static void parseBytewise(TextFormatParser parser, PushContent content, byte[] body, boolean direct)
        throws ParseException {
        content.reset();
        parser.reset(content);
        for (int i = 0; i < body.length; i++) {
            feed(parser, body, i, i + 1, direct);
        }
        parser.finish();
    }

    private static void feed(TextFormatParser parser, byte[] body, int from, int to, boolean direct)
        throws ParseException {
        final ByteBuf chunk = direct ? Unpooled.directBuffer(to - from + 1) : Unpooled.buffer(to - from + 3);
        try {
            if (!direct) {
                chunk.writeByte('!'); // a reader index and array offset that are not zero
                chunk.readByte();
            }
            chunk.writeBytes(body, from, to - from);
            parser.feed(chunk);
            if (chunk.isReadable()) {
                throw new AssertionError("feed left " + chunk.readableBytes() + " bytes unread");
            }
        } finally {
            chunk.release();
        }
    }

    /** The message of the error parsing {@code body} in one chunk, or {@code null} when it is accepted. */
    static String errorOf(TextFormatParser parser, byte[] body, boolean direct, int... cuts) {
        try {
            parse(parser, new PushContent(), body, direct, cuts);
            return null;
        } catch (ParseException e) {
            return e.getMessage();
        }
    }

    static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes the escapes of error-catalog.txt: {@code \n \r \t \\ \xHH}. */
    static byte[] unescape(String text) {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            final char e = text.charAt(++i);
            switch (e) {
                case 'n':
                    out.write('\n');
                    break;
                case 'r':
                    out.write('\r');
                    break;
                case 't':
                    out.write('\t');
                    break;
                case '\\':
                    out.write('\\');
                    break;
                case 'x':
                    out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                    i += 2;
                    break;
                default:
                    throw new IllegalArgumentException("bad escape \\" + e + " in " + text);
            }
        }
        return out.toByteArray();
    }

    /** One row of the catalog recorded from the Go Pushgateway 1.5.1. */
    static final class CatalogRow {
        final String escapedInput;
        final byte[] input;
        final String message;

        CatalogRow(String escapedInput, byte[] input, String message) {
            this.escapedInput = escapedInput;
            this.input = input;
            this.message = message;
        }

        @Override
        public String toString() {
            return escapedInput;
        }
    }

    static List<CatalogRow> errorCatalog() throws IOException {
        final List<CatalogRow> rows = new ArrayList<>();
        try (InputStream in = TextBodies.class.getResourceAsStream("/text/error-catalog.txt")) {
            final String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : text.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                final int tab = line.indexOf('\t');
                final String input = line.substring(0, tab);
                final String message = new String(unescape(line.substring(tab + 1)), StandardCharsets.UTF_8);
                rows.add(new CatalogRow(input, unescape(input), message));
            }
        }
        return rows;
    }
}

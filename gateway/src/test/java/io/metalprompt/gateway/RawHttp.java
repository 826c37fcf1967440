package io.metalprompt.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.restassured.RestAssured;

/**
 * HTTP/1.1 as bytes on a socket, for requests no HTTP client will send (a NUL in a header, a negative
 * {@code Content-Length}, raw non-ASCII in the path) and answers the HTTP codec writes itself: one request per
 * connection, the answer read until the connection closes or its {@code Content-Length} is in.
 */
final class RawHttp {

    /** One answer: status line, headers (names in lower case) and body. */
    record Answer(String statusLine, int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    private RawHttp() {
    }

    /** Sends {@code request} to the gateway under test from 127.0.0.1. */
    static Answer send(byte[] request) {
        return send(request, "127.0.0.1");
    }

    /** Sends {@code request} from the local address {@code from} (any 127.x.y.z on Linux: another client). */
    static Answer send(byte[] request, String from) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", RestAssured.port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException refusedMidway) {
                // the server may answer and close before it read everything (a header block too large)
            }
            return parse(read(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A request with the given request line and header lines, and no body. */
    static byte[] request(String requestLine, String... headerLines) {
        StringBuilder b = new StringBuilder(requestLine).append("\r\n").append("Host: 127.0.0.1\r\n");
        for (String line : headerLines) {
            b.append(line).append("\r\n");
        }
        return b.append("\r\n").toString().getBytes(ISO_8859_1);
    }

    private static byte[] read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                all.write(buffer, 0, n);
                if (complete(all.toByteArray())) {
                    break;
                }
            }
        } catch (SocketTimeoutException | java.net.SocketException stopped) {
            // keep what came
        }
        return all.toByteArray();
    }

    private static boolean complete(byte[] bytes) {
        String text = new String(bytes, ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        Answer head = parse(bytes);
        String length = head.header("content-length");
        return length != null && bytes.length - end - 4 >= Integer.parseInt(length.strip());
    }

    private static Answer parse(byte[] bytes) {
        String text = new String(bytes, ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("no complete answer: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
        }
        String body = new String(bytes, end + 4, bytes.length - end - 4, UTF_8);
        return new Answer(lines[0], Integer.parseInt(lines[0].split(" ")[1]), headers, body);
    }
}

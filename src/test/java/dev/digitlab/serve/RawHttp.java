package dev.digitlab.serve;

import dev.digitlab.ServerUnderTest.Answer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for the requests java.net.http will not send (a forged Host, a NUL in a URL, a body
 * that trickles in). Every answer is read to the end of the connection, into the same {@link Answer} as the harness's
 * own calls give.
 */
final class RawHttp {
    private RawHttp() {}

    static Answer get(int port, String target, String host, String... headers) throws IOException {
        return send(port, "GET", target, host, null, null, headers);
    }

    static Answer post(int port, String target, String host, String type, String body, String... headers) throws IOException {
        return send(port, "POST", target, host, type, body, headers);
    }

    static Answer send(int port, String method, String target, String host, String type, String body, String... headers)
            throws IOException {
        StringBuilder req = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        for (int i = 0; i < headers.length; i += 2) {
            req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            req.append("Content-Type: ").append(type).append("\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        req.append("\r\n");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            return parse(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static Answer parse(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            throw new AssertionError("not an HTTP answer: '" + text + "'");
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line : text.substring(0, end).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
            }
        }
        String body = text.substring(end + 4);
        if (headers.getOrDefault("Transfer-Encoding", List.of()).contains("chunked")) {
            StringBuilder b = new StringBuilder();
            int at = 0;
            for (int nl; (nl = body.indexOf("\r\n", at)) > 0; ) {
                int size = Integer.parseInt(body.substring(at, nl).strip(), 16);
                if (size == 0) {
                    break;
                }
                b.append(body, nl + 2, nl + 2 + size);
                at = nl + 2 + size + 2;
            }
            body = b.toString();
        }
        return new Answer(Integer.parseInt(text.substring(9, 12)), headers, body);
    }
}

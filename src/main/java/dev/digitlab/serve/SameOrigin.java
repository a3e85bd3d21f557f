package dev.digitlab.serve;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Same-origin rules for a server meant for one machine. A web page elsewhere can make the browser send requests
 * here: with its own name resolving to 127.0.0.1 (DNS rebinding) the browser thinks they are same-origin, so the
 * Host header must name this server (421 otherwise); and a foreign page's POST carries its Origin (403). Bodies that
 * change state must be JSON (415), which a foreign page cannot send without a CORS preflight this server never
 * grants.
 */
final class SameOrigin {
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]");
    private static final Set<String> WILDCARD = Set.of("0.0.0.0", "[::]", "[0:0:0:0:0:0:0:0]", "");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Set<String> configured;
    private volatile String boundHost = "127.0.0.1";
    private volatile int port = -1;

    SameOrigin(List<String> allowedHosts) {
        this.configured = Set.copyOf(allowedHosts.stream().map(SameOrigin::name).toList());
    }

    void listening(String host, int port) {
        this.boundHost = name(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host);
        this.port = port;
    }

    /** Refuses a request whose Host is not this server's, and a state-changing one from a foreign page. */
    void check(Context ctx) {
        String host = ctx.header("Host");
        if (!hostAllowed(host)) {
            throw new HttpResponseException(421, "Host '" + printable(host) + "' is not this server's name; it answers to "
                    + "127.0.0.1, localhost or [::1] with port " + port + ", and to the names it was told to allow");
        }
        String method = ctx.method().name();
        if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")) {
            String origin = ctx.header("Origin");
            if (origin != null && !origin.equalsIgnoreCase("http://" + host)) {
                throw new HttpResponseException(403, "cross-origin " + method + " from '" + printable(origin) + "' refused");
            }
        }
    }

    /** For endpoints that change state: a JSON body only. */
    static void requireJson(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new HttpResponseException(415, "the body must be application/json, not " + (type == null ? "untyped" : printable(type)));
        }
    }

    boolean hostAllowed(String header) {
        if (header == null || header.isEmpty()) {
            return false;
        }
        String host = header;
        String portText = null;
        int close = header.lastIndexOf(']');
        int colon = header.lastIndexOf(':');
        if (colon > close) {
            host = header.substring(0, colon);
            portText = header.substring(colon + 1);
        }
        host = name(host);
        if (configured.contains(host)) {
            return true;
        }
        int given;
        try {
            given = portText == null ? 80 : Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            return false;
        }
        if (given != port) {
            return false;
        }
        if (LOOPBACK.contains(host) || host.equals(boundHost)) {
            return true;
        }
        // A rebinding attack needs a name; an address typed by hand cannot be one. Bound to every interface, any of
        // the machine's addresses is how other machines reach it.
        return WILDCARD.contains(boundHost) && (IPV4.matcher(host).matches() || host.startsWith("["));
    }

    private static String name(String host) {
        String n = host.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** Header text as it may appear in a JSON answer and a log: no control characters, at most 100 of them. */
    static String printable(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 100 ? clean.substring(0, 100) + "..." : clean;
    }
}

package dev.digitlab.serve;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** Request counts, a latency histogram and error counts, in Prometheus' text format. */
public final class Metrics {
    static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder[]> buckets = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, DoubleAdder> sums = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    public void record(String route, int status, double seconds) {
        requests.computeIfAbsent(label("route", route) + "," + label("status", String.valueOf(status)), k -> new LongAdder()).increment();
        String r = label("route", route);
        LongAdder[] b = buckets.computeIfAbsent(r, k -> newAdders());
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                b[i].increment();
            }
        }
        counts.computeIfAbsent(r, k -> new LongAdder()).increment();
        sums.computeIfAbsent(r, k -> new DoubleAdder()).add(seconds);
        if (status >= 400) {
            errors.computeIfAbsent(r + "," + label("kind", status >= 500 ? "server" : "client"), k -> new LongAdder()).increment();
        }
    }

    private static LongAdder[] newAdders() {
        LongAdder[] a = new LongAdder[BUCKETS.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    private static String label(String name, String value) {
        return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP digitlab_requests_total HTTP requests by route and status.\n");
        sb.append("# TYPE digitlab_requests_total counter\n");
        new TreeMap<>(requests).forEach((k, v) -> sb.append("digitlab_requests_total{").append(k).append("} ").append(v.sum()).append('\n'));
        sb.append("# HELP digitlab_request_seconds Time to answer a request.\n");
        sb.append("# TYPE digitlab_request_seconds histogram\n");
        new TreeMap<>(buckets).forEach((r, b) -> {
            for (int i = 0; i < BUCKETS.length; i++) {
                sb.append("digitlab_request_seconds_bucket{").append(r).append(",le=\"").append(BUCKETS[i]).append("\"} ")
                        .append(b[i].sum()).append('\n');
            }
            sb.append("digitlab_request_seconds_bucket{").append(r).append(",le=\"+Inf\"} ").append(counts.get(r).sum()).append('\n');
            sb.append("digitlab_request_seconds_sum{").append(r).append("} ").append(sums.get(r).sum()).append('\n');
            sb.append("digitlab_request_seconds_count{").append(r).append("} ").append(counts.get(r).sum()).append('\n');
        });
        sb.append("# HELP digitlab_errors_total Requests answered with 4xx (client) or 5xx (server).\n");
        sb.append("# TYPE digitlab_errors_total counter\n");
        new TreeMap<>(errors).forEach((k, v) -> sb.append("digitlab_errors_total{").append(k).append("} ").append(v.sum()).append('\n'));
        return sb.toString();
    }
}

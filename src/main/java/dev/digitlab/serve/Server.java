package dev.digitlab.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.digitlab.BadSetting;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Digits;
import dev.digitlab.eval.Explainer;
import dev.digitlab.eval.ModelStudy;
import dev.digitlab.model.Inference;
import dev.digitlab.train.LearnConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.server.AbstractConnector;

/**
 * The HTTP front door: the drawing page, the prediction API, health, metrics and an OpenAPI description.
 * Every bad request gets a 4xx with a JSON {@code error}; nothing a client sends can cause a 5xx other than 503 when
 * the server sheds load it was built to refuse ({@link Limits}), and 507 when the feedback file is full.
 */
public final class Server implements AutoCloseable {
    public static final int MAX_BODY = 1_000_000;
    public static final long IDLE_TIMEOUT_MS = 10_000;

    private final ModelPool models;
    private final FeedbackLog feedback;
    private final ImageDecodes images;
    private final long minBodyBytesPerSecond;
    private final Metrics metrics = new Metrics();
    private final SameOrigin origin;
    private final TrainingPages training;
    private final Javalin app;
    private volatile Learner learner;

    public Server(ModelPool models, Path feedbackFile) {
        this(models, feedbackFile, null);
    }

    /** With {@code runsRoot}, also the training dashboard for the runs under it (/training.html). */
    public Server(ModelPool models, Path feedbackFile, Path runsRoot) {
        this(models, feedbackFile, runsRoot, Limits.DEFAULT);
    }

    public Server(ModelPool models, Path feedbackFile, Path runsRoot, Limits limits) {
        this.models = models;
        this.feedback = new FeedbackLog(feedbackFile, limits.feedbackMaxRows());
        this.images = new ImageDecodes(limits);
        this.minBodyBytesPerSecond = limits.minBodyBytesPerSecond();
        this.origin = new SameOrigin(limits.allowedHosts());
        this.app = HttpSetup.create(limits, origin);
        app.before(ctx -> ctx.attribute("t0", System.nanoTime()));
        app.after(ctx -> {
            Long t0 = ctx.attribute("t0");
            String route = ctx.endpointHandlerPath();
            metrics.record(route == null || route.isEmpty() || route.equals("*") ? "other" : route, ctx.statusCode(),
                    t0 == null ? 0 : (System.nanoTime() - t0) / 1e9);
        });
        app.post("/api/predict", this::predict);
        app.post("/api/predict/batch", this::predictBatch);
        app.post("/api/explain", this::explain);
        this.training = runsRoot == null ? null : new TrainingPages(runsRoot, limits.maxEventStreams());
        if (training != null) {
            training.register(app);
        }
        app.post("/api/feedback", this::feedback);
        app.get("/api/models", ctx -> ctx.json(modelList()));
        app.post("/api/models/live", this::switchVersion);
        app.get("/healthz", ctx -> ctx.json(Map.of("status", "ok", "models", models.entries().size())));
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.text()));
        app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(resource("/openapi.json")));
    }

    public Server start(String host, int port) {
        return start(host, port, IDLE_TIMEOUT_MS);
    }

    /**
     * serve --learn: model {@code name}, whose versions are {@code versions}, learns from the feedback after every
     * {@code every} new rows, replaying and judging by {@code data}'s images. Call before {@link #start}.
     */
    public Server learning(String name, ModelVersions versions, Supplier<DataFolder.TrainTest> data, int every,
                           LearnConfig config, Consumer<String> log) {
        learner = new Learner(models, models.entry(name).name(), versions, feedback, data, every, config, log);
        return this;
    }

    /**
     * Starts listening. A connection that sends nothing for {@code idleTimeoutMs} (a client that stalls in the
     * middle of its body, say) is closed, so a slow client cannot hold a worker for long.
     */
    public Server start(String host, int port, long idleTimeoutMs) {
        origin.listening(host, port);
        app.start(host, port);
        origin.listening(host, app.port());
        for (var connector : app.jettyServer().server().getConnectors()) {
            if (connector instanceof AbstractConnector c) {
                c.setIdleTimeout(idleTimeoutMs);
            }
        }
        if (learner != null) {
            learner.rowsNow(feedback.rows()); // feedback that came while the server was down
        }
        return this;
    }

    public int port() {
        return app.port();
    }

    /**
     * One drawing to classify, as a request gives it: JSON ({@code pixels}, {@code model}, {@code preprocess}, kept in
     * {@code json} for what else the endpoint reads) or a PNG/JPEG body ({@code ?model=}, {@code json} null).
     */
    private record Drawing(String model, byte[] seen, JsonNode json) {}

    /** Probabilities and the model that gave them: the classifier goes back to its pool before the answer is built. */
    private record Scored(ModelPool.Entry entry, double[][] p) {}

    private Drawing drawing(Context ctx) {
        byte[] body = body(ctx);
        if (isJson(ctx)) {
            JsonNode json = Inputs.json(body);
            return new Drawing(Inputs.text(json, "model"), Inputs.pixels(json.get("pixels"), "pixels",
                    Inputs.flag(json, "preprocess", true)), json);
        }
        return new Drawing(ctx.queryParam("model"), images.toMnist(body), null);
    }

    private void predict(Context ctx) {
        long t0 = System.nanoTime();
        Drawing d = drawing(ctx);
        Scored scored = models.with(d.model(), (entry, c) -> new Scored(entry, c.probabilities(List.of(d.seen()))));
        Map<String, Object> out = result(scored.entry(), scored.p()[0], d.seen());
        out.put("latencyMs", (System.nanoTime() - t0) / 1e6);
        ctx.json(out);
    }

    /**
     * What /api/predict answers, plus heat maps: {@code methods} (default: every one the model supports) as 784
     * numbers in [0, 1] each, over the image the model saw; with {@code featureMaps: true}, every convolution layer's
     * output for it, each channel scaled to 0-255. The same inputs and limits as /api/predict (a PNG or JPEG body
     * takes {@code ?methods=a,b&featureMaps=true}).
     */
    private void explain(Context ctx) {
        long t0 = System.nanoTime();
        Drawing d = drawing(ctx);
        List<String> methodNames;
        boolean features;
        if (d.json() != null) {
            methodNames = Inputs.texts(d.json(), "methods");
            features = Inputs.flag(d.json(), "featureMaps", false);
        } else {
            String q = ctx.queryParam("methods");
            methodNames = q == null ? null : List.of(q.split(","));
            features = "true".equals(ctx.queryParam("featureMaps"));
        }
        byte[] seen = d.seen();
        Map<String, Object> out = models.with(d.model(), (entry, c) -> {
            Explainer explainer = entry.explainer(c);
            EnumSet<Explainer.Method> methods = EnumSet.noneOf(Explainer.Method.class);
            for (String name : methodNames == null ? explainer.methods().stream().map(Object::toString).toList() : methodNames) {
                Explainer.Method m;
                try {
                    m = Explainer.Method.parse(name.strip());
                } catch (BadSetting e) {
                    throw new BadRequest("'methods': " + e.problem());
                }
                if (!explainer.methods().contains(m)) {
                    throw new BadRequest("'methods': " + m + " is not available for " + entry.name() + " (it has no "
                            + "convolution stage digitlab can look into); available: " + explainer.methods());
                }
                methods.add(m);
            }
            Explainer.Explanation e = explainer.explain(seen, methods);
            Map<String, Object> r = result(entry, e.prediction().probabilities(), seen);
            Map<String, float[]> maps = new LinkedHashMap<>();
            e.maps().forEach((k, v) -> maps.put(k.toString(), v));
            r.put("maps", maps);
            if (features) {
                r.put("featureMaps", explainer.featureMaps(seen).stream().map(Server::featureMap).toList());
            }
            return r;
        });
        out.put("latencyMs", (System.nanoTime() - t0) / 1e6);
        ctx.json(out);
    }

    /** One layer's maps for the page: its shape and every channel scaled to 0-255 on its own range. */
    private static Map<String, Object> featureMap(ModelStudy.FeatureMaps f) {
        int hw = f.height() * f.width();
        int[] values = new int[f.values().length];
        for (int c = 0; c < f.channels(); c++) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int i = 0; i < hw; i++) {
                min = Math.min(min, f.values()[c * hw + i]);
                max = Math.max(max, f.values()[c * hw + i]);
            }
            for (int i = 0; i < hw; i++) {
                values[c * hw + i] = max > min ? Math.round(255 * (f.values()[c * hw + i] - min) / (max - min)) : 0;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", f.layer() + 1);
        m.put("type", f.type());
        m.put("channels", f.channels());
        m.put("height", f.height());
        m.put("width", f.width());
        m.put("values", values);
        return m;
    }

    private void predictBatch(Context ctx) {
        long t0 = System.nanoTime();
        JsonNode json = Inputs.json(body(ctx));
        JsonNode images = json.get("images");
        if (images == null || !images.isArray() || images.isEmpty()) {
            throw new BadRequest("'images' must be a non-empty array of images (" + Digits.PIXELS + " values or " + Digits.SIDE
                    + " rows of " + Digits.SIDE + " each)");
        }
        if (images.size() > Inputs.MAX_BATCH) {
            throw new BadRequest("'images' holds " + images.size() + " images; at most " + Inputs.MAX_BATCH + " per request");
        }
        boolean preprocess = Inputs.flag(json, "preprocess", true);
        List<byte[]> seen = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            seen.add(Inputs.pixels(images.get(i), "images[" + i + "]", preprocess));
        }
        Scored scored = models.with(Inputs.text(json, "model"), (entry, c) -> new Scored(entry, c.probabilities(seen)));
        List<Map<String, Object>> results = new ArrayList<>();
        for (double[] one : scored.p()) {
            Map<String, Object> r = result(scored.entry(), one, null);
            r.remove("model");
            results.add(r);
        }
        ctx.json(Map.of("model", scored.entry().name(), "results", results, "latencyMs", (System.nanoTime() - t0) / 1e6));
    }

    private void feedback(Context ctx) throws IOException {
        SameOrigin.requireJson(ctx);
        feedback.checkRoom();
        JsonNode json = Inputs.json(body(ctx));
        JsonNode label = json.get("label");
        if (label == null || !label.isInt() || label.asInt() < 0 || label.asInt() >= Digits.CLASSES) {
            throw new BadRequest("'label' must be a whole number 0-9");
        }
        byte[] pixels = Inputs.pixels(json.get("pixels"), "pixels", false);
        long rows = feedback.append(label.asInt(), pixels);
        if (learner != null) {
            learner.rowsNow(rows);
        }
        // the file's name only: where it lies on this machine is no business of a web page
        ctx.json(Map.of("saved", true, "rows", rows, "file", feedback.file().getFileName().toString()));
    }

    /** {"version": "v2"}: makes an earlier or later promoted version of the learning model live. */
    private void switchVersion(Context ctx) {
        SameOrigin.requireJson(ctx);
        Learner l = learner;
        if (l == null) {
            throw new BadRequest("this server does not learn (serve --learn): it has no versions to switch between");
        }
        String version = Inputs.text(Inputs.json(body(ctx)), "version");
        if (version == null) {
            throw new BadRequest("'version' must name a version, as GET /api/models lists them");
        }
        l.switchTo(version);
        ctx.json(modelList());
    }

    private Map<String, Object> result(ModelPool.Entry entry, double[] p, byte[] seen) {
        int best = Inference.argmax(p);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", entry.name());
        out.put("label", best);
        out.put("className", entry.sidecar().classNames().get(best));
        out.put("probabilities", p);
        if (seen != null) {
            int[] px = new int[seen.length];
            for (int i = 0; i < px.length; i++) {
                px[i] = seen[i] & 0xff;
            }
            out.put("seen", px);
        }
        return out;
    }

    private List<Map<String, Object>> modelList() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ModelPool.Entry e : models.entries()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("architecture", e.sidecar().architecture());
            m.put("classNames", e.sidecar().classNames());
            m.put("parameters", e.sidecar().parameters());
            m.put("testAccuracy", e.metrics().accuracy());
            Learner l = learner;
            if (l != null && l.name().equals(e.name())) {
                m.putAll(l.describe());
            }
            list.add(m);
        }
        return list;
    }

    private static boolean isJson(Context ctx) {
        String type = ctx.contentType();
        return type != null && type.toLowerCase().startsWith("application/json");
    }

    /**
     * The body, at most {@link #MAX_BODY} bytes whether or not the client declared its length, arriving at
     * {@code minBodyBytesPerSecond} or faster (408 otherwise, so a client that trickles it in cannot hold a thread).
     * The rate is measured from when this request's thread starts reading, not from when the first byte reached the
     * server: on a busy server a small body can wait in a buffer for its thread, and that is no fault of the client
     * (Jetty's own check counted that wait and cut off whole, small bodies under load).
     */
    private byte[] body(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_BODY) {
            throw new HttpResponseException(413, "request body of " + declared + " bytes is over the limit of " + MAX_BODY);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = new byte[(int) Math.min(MAX_BODY + 1, declared >= 0 ? declared + 1 : 64 * 1024)];
            int total = 0;
            long start = System.nanoTime();
            for (int n; (n = in.read(bytes, total, bytes.length - total)) > 0; ) {
                total += n;
                if (total > MAX_BODY) {
                    throw new HttpResponseException(413, "request body is over the limit of " + MAX_BODY + " bytes");
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (seconds > 1 && total < minBodyBytesPerSecond * seconds) {
                    throw new HttpResponseException(408, "Request content data rate < " + minBodyBytesPerSecond + " B/s");
                }
                if (total == bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.min(MAX_BODY + 1, 2 * bytes.length));
                }
            }
            if (total == 0) {
                throw new BadRequest("empty request body");
            }
            return Arrays.copyOf(bytes, total);
        } catch (IOException e) {
            throw new BadRequest("could not read the request body: " + e.getMessage());
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Server.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        if (learner != null) {
            learner.close();
        }
        if (training != null) {
            training.close(); // open event streams would hold Jetty's stop until they time out
        }
        app.stop();
        models.close();
    }
}

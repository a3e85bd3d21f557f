package dev.digitlab.serve;

import dev.digitlab.BadSetting;
import java.util.List;

/**
 * What a server (or the training dashboard) gives any one client, and all of them together. The defaults are
 * chosen so that a few hundred hostile connections cannot starve the others (docs/RELIABILITY.md, "Hostile
 * clients"); the first three can be set on the command line.
 *
 * @param allowedHosts names, besides the listening address and localhost, that a request's Host header may carry
 *     (a proxy's name, say); any port
 * @param feedbackMaxRows rows the feedback CSV may hold; beyond them /api/feedback answers 507
 * @param maxEventStreams training event streams open at once; beyond them /api/runs/events answers 503
 * @param maxConnections connections open at once; beyond them new ones wait to be accepted
 * @param maxThreads request threads; more than {@code maxConnections}, so that connections stuck in a blocking read
 *     can never take every thread
 * @param minBodyBytesPerSecond a request body arriving slower than this, averaged from when its thread starts
 *     reading it, is cut off with 408
 * @param maxImageSide an image wider or taller than this is refused (400) from its header, before it is decoded
 * @param imageReadSide larger images are decoded subsampled, so that no side exceeds this: the model sees 28x28
 * @param concurrentDecodes images decoded at once; a request that finds none free within half a second gets 503
 */
public record Limits(List<String> allowedHosts, long feedbackMaxRows, int maxEventStreams, int maxConnections,
                     int maxThreads, long minBodyBytesPerSecond, int maxImageSide, int imageReadSide,
                     int concurrentDecodes) {
    public static final Limits DEFAULT = new Limits(List.of(), 10_000, 32, 512, 600, 1024, 4096, 1024, 4);

    public Limits {
        allowedHosts = List.copyOf(allowedHosts);
    }

    public Limits withAllowedHosts(List<String> names) {
        for (String name : names) {
            // a Host header's port is compared with the server's own; a name is allowed on any port
            BadSetting.check(name.matches("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]"), "allowedHosts",
                    "takes a host name or address without a port, got '" + name + "'");
        }
        return new Limits(names, feedbackMaxRows, maxEventStreams, maxConnections, maxThreads, minBodyBytesPerSecond,
                maxImageSide, imageReadSide, concurrentDecodes);
    }

    public Limits withFeedbackMaxRows(long rows) {
        return new Limits(allowedHosts, rows, maxEventStreams, maxConnections, maxThreads, minBodyBytesPerSecond,
                maxImageSide, imageReadSide, concurrentDecodes);
    }

    public Limits withMaxEventStreams(int streams) {
        return new Limits(allowedHosts, feedbackMaxRows, streams, maxConnections, maxThreads, minBodyBytesPerSecond,
                maxImageSide, imageReadSide, concurrentDecodes);
    }
}

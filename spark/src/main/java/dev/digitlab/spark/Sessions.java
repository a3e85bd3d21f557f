package dev.digitlab.spark;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The Spark session digitlab's jobs run in: embedded (local[*]) unless a master is given, quiet, no web UI. */
final class Sessions {
    /** Set by ./digitlab: the jars a cluster's executors need (this module's and the core's, without Spark), comma-separated. */
    static final String CLUSTER_JARS = "digitlab.clusterJars";

    private Sessions() {}

    /**
     * A session on {@code master}; when null, the master spark-submit set (its {@code spark.master}), else
     * {@code local[*]}, everything in this JVM. In local mode the driver binds to 127.0.0.1; on a cluster it must be
     * reachable from the executors, which {@code spark.driver.host} in {@code conf} can say, and the executors get
     * digitlab's jars from the driver (unless spark-submit or {@code conf} names them) and DJL's offline switch. The web
     * UI is off (it would open a port). {@code conf} has the last word.
     */
    static SparkSession start(String app, String master, Map<String, String> conf) {
        String m = master != null ? master : System.getProperty("spark.master", "local[*]");
        Map<String, String> settings = new HashMap<>(Map.of("spark.ui.enabled", "false",
                "spark.ui.showConsoleProgress", "false", "spark.sql.shuffle.partitions", "8"));
        if (m.startsWith("local")) {
            settings.put("spark.driver.host", "127.0.0.1");
            settings.put("spark.driver.bindAddress", "127.0.0.1");
        } else {
            String jars = System.getProperty(CLUSTER_JARS);
            if (jars != null && System.getProperty("spark.jars") == null) {
                settings.put("spark.jars", jars);
            }
            if (System.getProperty("spark.executor.extraJavaOptions") == null) {
                settings.put("spark.executor.extraJavaOptions", "-Dai.djl.offline=true");
            }
        }
        settings.putAll(conf);
        SparkSession.Builder b = SparkSession.builder().appName(app).master(m);
        settings.forEach(b::config);
        return b.getOrCreate();
    }
}

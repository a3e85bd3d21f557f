import dev.digitlab.data.Augmentation;
import dev.digitlab.data.DataFolder;
import dev.digitlab.data.Dataset;
import dev.digitlab.data.Digits;
import dev.digitlab.api.Classifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * bench/spark-score's Java side. {@code make OUT N}: N images, image k being test image k mod 10,000 warped by
 * digitlab's training augmentation with seed k, written as Parquet (id, image: 784 bytes, label) by Spark.
 * {@code single MODEL N}: the same N images scored in one process, batches of 256 through Classifier.classifyAll
 * (what each Spark task does per batch); only the scoring is timed (the warping is not). Prints "images seconds".
 */
public class SparkScoreBench {
    static final int BATCH = 256;

    /** Image k: the warp is seeded by k alone, so both sides see the same images. */
    static byte[] image(byte[] testPixels, long k) {
        float[] out = new float[Digits.PIXELS];
        int count = testPixels.length / Digits.PIXELS;
        Augmentation.DEFAULT.warp(testPixels, Digits.SIDE, new int[] {(int) (k % count)}, 0, 1, out, new Random(k));
        byte[] b = new byte[Digits.PIXELS];
        for (int p = 0; p < b.length; p++) {
            b[p] = (byte) Math.round(out[p]);
        }
        return b;
    }

    static Digits test() {
        return DataFolder.load(Dataset.MNIST, DataFolder.defaultDir(Dataset.MNIST)).test();
    }

    public static void main(String[] args) throws Exception {
        long n = Long.parseLong(args[2]);
        if (args[0].equals("make")) {
            try (SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()) {
                Digits test = test();
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                Broadcast<byte[]> pixels = jsc.broadcast(test.pixels());
                Broadcast<byte[]> labels = jsc.broadcast(test.labels());
                StructType schema = new StructType(new StructField[] {DataTypes.createStructField("id", DataTypes.LongType, false),
                        DataTypes.createStructField("image", DataTypes.BinaryType, false),
                        DataTypes.createStructField("label", DataTypes.IntegerType, false)});
                spark.range(0, n, 1, 16).mapPartitions((MapPartitionsFunction<Long, Row>) ids -> {
                    byte[] px = pixels.value();
                    byte[] lb = labels.value();
                    return new Iterator<Row>() {
                        public boolean hasNext() {
                            return ids.hasNext();
                        }

                        public Row next() {
                            long k = ids.next();
                            return RowFactory.create(k, image(px, k), (int) lb[(int) (k % lb.length)]);
                        }
                    };
                }, Encoders.row(schema)).write().parquet(args[1]);
            }
            return;
        }
        Digits test = test();
        try (Classifier c = Classifier.load(Path.of(args[1]))) {
            long nanos = 0;
            long agree = 0;
            List<byte[]> batch = new ArrayList<>(BATCH);
            for (long k = 0; k < n; k++) {
                batch.add(image(test.pixels(), k));
                if (batch.size() == BATCH || k == n - 1) {
                    long t0 = System.nanoTime();
                    List<Classifier.Prediction> ps = c.classifyAll(batch);
                    nanos += System.nanoTime() - t0;
                    for (int i = 0; i < ps.size(); i++) {
                        agree += ps.get(i).label() == test.label((int) ((k - ps.size() + 1 + i) % test.size())) ? 1 : 0;
                    }
                    batch.clear();
                }
            }
            System.out.printf("%d %.3f %.4f%n", n, nanos / 1e9, agree / (double) n);
        }
    }
}

package dev.digitlab.spark;

import dev.digitlab.cli.Main;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score many images on Apache Spark: IDX images, a Kaggle CSV, a folder of PNG/JPEG files, or Parquet "
                + "with a binary image column. Writes OUT/predictions.parquet (id, label, className, p0..p9, trueLabel) and "
                + "OUT/errors.parquet (rows that could not be scored, with the reason); --csv adds CSV copies.",
                "Without --master, Spark runs inside this process (local[*]); spark://host:7077 uses a standalone cluster."})
public class ScoreCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "a model or ensemble folder")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "…-idx3-ubyte, a .csv, a folder of pictures, or .parquet "
            + "(a local path, or any file system Spark reads: hdfs://, s3a://, ...)")
    String input;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "where predictions and errors go (as --input)")
    String output;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*], inside this process)")
    String master;

    @Option(names = "--partitions", paramLabel = "N", description = "spread the rows over N partitions (default: as read)")
    Integer partitions;

    @Option(names = "--column", paramLabel = "NAME", description = "Parquet: the binary column holding pixels or pictures (default: ${DEFAULT-VALUE})")
    String column = "image";

    @Option(names = "--csv", description = "also write predictions.csv and errors.csv")
    boolean csv;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "a Spark setting (repeatable), e.g. spark.executor.memory=2g")
    Map<String, String> conf = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        try (SparkSession spark = Sessions.start("digitlab score", master, conf)) {
            Scoring.Summary s = Scoring.run(spark, new Scoring.Job(model, input, output, column, partitions, csv));
            Main.info(String.format("scored %d images in %.1f s (%.0f images/s) on %s", s.scored(), s.seconds(),
                    s.scored() / Math.max(s.seconds(), 1e-9), spark.sparkContext().master()));
            System.out.println("wrote " + s.predictions() + " (" + rows(s.scored()) + ") and " + s.errorsPath() + " ("
                    + rows(s.errors()) + " that could not be scored)");
        }
        return 0;
    }

    private static String rows(long n) {
        return n + (n == 1 ? " row" : " rows");
    }
}

package dev.digitlab.spark;

import dev.digitlab.api.Classifier;
import dev.digitlab.data.Digits;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A row of predictions.parquet (and predictions.csv): id, label, className, p0..p9, trueLabel. {@link #SCHEMA} and
 * {@link #row} are the one place that knows that order.
 */
record ScoredRow(String id, int label, String className, double[] probabilities, Integer trueLabel) {
    static final StructType SCHEMA = schema();

    /** The model's answer for the row {@code id}. */
    static ScoredRow of(String id, Classifier.Prediction p, Integer trueLabel) {
        return new ScoredRow(id, p.label(), p.className(), p.probabilities(), trueLabel);
    }

    private static StructType schema() {
        List<StructField> f = new ArrayList<>(List.of(DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("label", DataTypes.IntegerType, false),
                DataTypes.createStructField("className", DataTypes.StringType, false)));
        for (int c = 0; c < Digits.CLASSES; c++) {
            f.add(DataTypes.createStructField("p" + c, DataTypes.DoubleType, false));
        }
        f.add(DataTypes.createStructField("trueLabel", DataTypes.IntegerType, true));
        return new StructType(f.toArray(StructField[]::new));
    }

    /** The values in {@link #SCHEMA}'s order. */
    Row row() {
        List<Object> v = new ArrayList<>(SCHEMA.size());
        v.add(id);
        v.add(label);
        v.add(className);
        for (int c = 0; c < Digits.CLASSES; c++) {
            v.add(probabilities[c]);
        }
        v.add(trueLabel);
        return RowFactory.create(v.toArray());
    }
}

package dev.digitlab.spark;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A row to score: the id the outputs show, its bytes, where a CSV line is (its file and line number, which a bad
 * line's error names; null for other inputs), and its true label when the input has one. {@link #SCHEMA},
 * {@link #row}, {@link #of} and {@link #columns} are the one place that knows the columns' order.
 */
record InputRow(String id, byte[] data, String file, Long line, Integer trueLabel) {
    static final StructType SCHEMA = new StructType(new StructField[] {
            DataTypes.createStructField("id", DataTypes.StringType, false),
            DataTypes.createStructField("data", DataTypes.BinaryType, true),
            DataTypes.createStructField("file", DataTypes.StringType, true),
            DataTypes.createStructField("line", DataTypes.LongType, true),
            DataTypes.createStructField("trueLabel", DataTypes.IntegerType, true)});

    /** A row that is not a CSV line. */
    InputRow(String id, byte[] data, Integer trueLabel) {
        this(id, data, null, null, trueLabel);
    }

    /** Line {@code line} of a CSV file (the header is line 1); the outputs show it as file:line. */
    static InputRow csvLine(String file, long line, byte[] text) {
        return new InputRow(file + ":" + line, text, file, line, null);
    }

    Row row() {
        return RowFactory.create(id, data, file, line, trueLabel);
    }

    static InputRow of(Row r) {
        return new InputRow(r.getString(0), (byte[]) r.get(1), r.getString(2), (Long) r.get(3), (Integer) r.get(4));
    }

    /** The columns of {@link #SCHEMA}, in its order, from a table Spark reads itself (which has no CSV lines). */
    static Column[] columns(Column id, Column data, Column trueLabel) {
        return new Column[] {id.as("id"), data.as("data"), functions.lit(null).cast(DataTypes.StringType).as("file"),
                functions.lit(null).cast(DataTypes.LongType).as("line"), trueLabel.as("trueLabel")};
    }
}

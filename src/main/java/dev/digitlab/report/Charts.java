package dev.digitlab.report;

import dev.digitlab.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts, drawn by XChart and written as PNG and SVG. */
public final class Charts {
    /** Ten colours that stay apart for ten classes (Tableau 10). */
    static final Color[] CLASS_COLOURS = {new Color(0x4e79a7), new Color(0xf28e2b), new Color(0xe15759),
            new Color(0x76b7b2), new Color(0x59a14f), new Color(0xedc948), new Color(0xb07aa1), new Color(0xff9da7),
            new Color(0x9c755f), new Color(0xbab0ac)};

    private Charts() {}

    /** A train-vs-validation curve over epochs. */
    public static XYChart curve(String title, String yLabel, double[] epochs, double[] train, double[] validation) {
        XYChart c = new XYChartBuilder().width(640).height(400).title(title).xAxisTitle("epoch").yAxisTitle(yLabel).build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.addSeries("train", epochs, train).setMarker(SeriesMarkers.CIRCLE);
        if (validation != null) {
            c.addSeries("validation", epochs, validation).setMarker(SeriesMarkers.DIAMOND);
        }
        return c;
    }

    /** Confusion matrix as a heat map with the counts written in the cells. */
    /** Several named lines over the same x values (deletion curves, say). */
    public static XYChart lines(String title, String xLabel, String yLabel, double[] x, Map<String, double[]> series) {
        XYChart c = new XYChartBuilder().width(720).height(420).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        series.forEach((name, y) -> c.addSeries(name, x, y));
        return c;
    }

    public static HeatMapChart confusion(int[][] m, List<String> classNames) {
        int k = m.length;
        HeatMapChart c = new HeatMapChartBuilder().width(720).height(640).title("Confusion matrix (test set)")
                .xAxisTitle("predicted").yAxisTitle("true").build();
        style(c.getStyler());
        c.getStyler().setShowValue(true);
        c.getStyler().setValueFontColor(Color.BLACK);
        c.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(0xc6dbef), new Color(0x2171b5)});
        c.getStyler().setLegendVisible(false);
        if (classNames.stream().anyMatch(n -> n.length() > 2)) {
            c.getStyler().setXAxisLabelRotation(45); // Fashion-MNIST's names would run into each other
        }
        List<String> xs = new ArrayList<>();
        List<String> ys = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            xs.add(shortName(classNames, i));
            ys.add(shortName(classNames, k - 1 - i)); // first class at the top, as tables read
        }
        List<Number[]> cells = new ArrayList<>();
        for (int x = 0; x < k; x++) {
            for (int y = 0; y < k; y++) {
                cells.add(new Number[] {x, y, m[k - 1 - y][x]});
            }
        }
        c.addSeries("counts", xs, ys, cells);
        return c;
    }

    /** Per-class counts of two sets side by side (train and test). */
    public static CategoryChart classDistribution(List<String> classNames, int[] train, int[] test) {
        CategoryChart c = new CategoryChartBuilder().width(720).height(400).title("Class distribution")
                .xAxisTitle("class").yAxisTitle("images").build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classNames.size(); i++) {
            names.add(shortName(classNames, i));
        }
        c.addSeries("train", names, toList(train));
        c.addSeries("test", names, toList(test));
        return c;
    }

    /** A 2-D embedding coloured by class, with a legend. */
    public static XYChart scatter(String title, double[][] points, int[] labels, List<String> classNames) {
        XYChart c = new XYChartBuilder().width(640).height(560).title(title).build();
        style(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(4);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setAxisTicksVisible(false);
        c.getStyler().setSeriesColors(CLASS_COLOURS);
        for (int k = 0; k < classNames.size(); k++) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < points.length; i++) {
                if (labels[i] == k) {
                    xs.add(points[i][0]);
                    ys.add(points[i][1]);
                }
            }
            if (!xs.isEmpty()) {
                c.addSeries(classNames.get(k), xs, ys).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return c;
    }

    /** Writes {@code name}.png and {@code name}.svg into {@code dir}; returns the PNG's file name. */
    public static String save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        AtomicFiles.write(dir.resolve(name + ".png"), out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        AtomicFiles.write(dir.resolve(name + ".svg"),
                out -> VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG));
        return name + ".png";
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setAntiAlias(true);
    }

    static String shortName(List<String> names, int i) {
        String n = names.get(i);
        return n.length() > 12 ? n.substring(0, 11) + "." : n;
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) {
            l.add(v);
        }
        return l;
    }
}

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * bench/recipes' chart: test accuracy against minutes of training, one point per recipe for digitlab and one for
 * PyTorch running the same recipe. Usage: java bench/RecipeChart.java RESULTS.csv OUT.png (the CSV: recipe,
 * digitlab_seconds, digitlab_accuracy, torch_seconds, torch_accuracy; accuracies in per cent).
 */
public class RecipeChart {
    public static void main(String[] args) throws Exception {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.startsWith("recipe,")) {
                rows.add(line.split(","));
            }
        }
        XYChart c = new XYChartBuilder().width(760).height(460).title("Named recipes on 2 cores: digitlab and PyTorch")
                .xAxisTitle("minutes of training (log scale)").yAxisTitle("test accuracy (%)").build();
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        double[][] dl = new double[2][rows.size()];
        double[][] pt = new double[2][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            dl[0][i] = Double.parseDouble(r[1]) / 60;
            dl[1][i] = Double.parseDouble(r[2]);
            pt[0][i] = Double.parseDouble(r[3]) / 60;
            pt[1][i] = Double.parseDouble(r[4]);
            c.addAnnotation(new AnnotationText(r[0], dl[0][i], dl[1][i] + 0.06, false));
        }
        double top = Math.max(Arrays.stream(dl[1]).max().orElse(100), Arrays.stream(pt[1]).max().orElse(100));
        c.getStyler().setYAxisMax(top + 0.12); // room for the highest point's label
        c.addSeries("digitlab", dl[0], dl[1]).setMarker(SeriesMarkers.CIRCLE);
        c.addSeries("PyTorch 2.x, eager", pt[0], pt[1]).setMarker(SeriesMarkers.DIAMOND);
        BitmapEncoder.saveBitmap(c, args[1], BitmapEncoder.BitmapFormat.PNG);
    }
}

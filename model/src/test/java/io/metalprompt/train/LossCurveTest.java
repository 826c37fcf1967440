package io.metalprompt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurveTest {

    @Test
    void resumedCurveDropsRepeatedStepsAndPlotsSeriesWithGaps(@TempDir Path dir) throws Exception {
        LossCurve curve = new LossCurve(dir.resolve("curve.csv"), List.of("loss", "seen_acc"));
        curve.append(1, 3.0, Double.NaN);   // no answer seen twice yet: no value
        curve.append(2, 2.5, 0.4);
        curve.append(3, 2.0, 0.6);
        curve.truncateAfter(2);             // a run resumed from step 2 repeats step 3
        curve.append(3, 1.9, 0.7);
        List<String> rows = Files.readAllLines(dir.resolve("curve.csv"));
        assertEquals(4, rows.size(), rows.toString());
        assertTrue(rows.get(3).startsWith("3,1.9"), rows.toString());

        curve.plot(dir.resolve("loss.png"), "test");
        BufferedImage png = ImageIO.read(dir.resolve("loss.png").toFile());
        assertEquals(900, png.getWidth());
    }
}

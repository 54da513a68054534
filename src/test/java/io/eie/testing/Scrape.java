package io.eie.testing;

/** Samples read from a Prometheus scrape of {@code /metrics}. */
public final class Scrape {

    private Scrape() {
    }

    /**
     * The value of one series, written as it appears in the scrape (labels in alphabetical
     * order), such as {@code eie_readings_total{kind="vehicle",outcome="stored",source="mqtt"}};
     * 0 before the meter has counted anything.
     */
    public static double value(String scrape, String series) {
        return scrape.lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .findFirst().orElse(0);
    }
}

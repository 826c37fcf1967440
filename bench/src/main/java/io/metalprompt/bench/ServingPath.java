package io.metalprompt.bench;

import java.util.List;

/** A way to get predictions for some inputs of the benchmark's task: their chosen options, in order. */
interface ServingPath {

    List<String> predict(List<String> inputs) throws Exception;
}

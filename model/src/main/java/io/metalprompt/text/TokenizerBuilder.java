package io.metalprompt.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes the Hugging Face {@code tokenizer.json} of the bundled model: a WordPiece model over special tokens,
 * the ICL separators, every whole word of the meta-training inputs and options, and single characters (a-z,
 * 0-9 with their {@code ##} continuations, ASCII punctuation) so that an unseen word falls back to characters
 * rather than {@code <unk>}. Lower-casing normalizer, BERT pre-tokenizer (whitespace and punctuation), WordPiece
 * decoder, no post-processor. Ids: specials, then separators, then everything else sorted: reproducible.
 *
 * <p>CLI: {@code TokenizerBuilder <tasks dir or zip> <out tokenizer.json>}; reads every task under
 * {@code <tasks>/train} from its {@code _16384_100_train.jsonl} file.
 */
public final class TokenizerBuilder {

    public static final String PAD = "<pad>";
    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final List<String> SPECIAL_TOKENS = List.of(PAD, UNK, BOS);
    public static final String CONTINUATION = "##";

    private TokenizerBuilder() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: TokenizerBuilder <tasks dir or zip> <out tokenizer.json>");
            System.exit(2);
        }
        List<String> vocab = writeFromTree(Path.of(args[0]), Path.of(args[1]));
        System.out.println("wrote " + args[1] + " with " + vocab.size() + " tokens");
    }

    /** Builds from the meta-training tasks under {@code <tasks>/train} and writes; returns the vocabulary. */
    public static List<String> writeFromTree(Path tasksLocation, Path out) {
        List<TaskExample> examples = new ArrayList<>();
        try (TaskRoot root = TaskRoot.open(tasksLocation)) {
            Path train = root.resolve("train");
            for (String task : TaskLoader.listTasks(train)) {
                examples.addAll(TaskLoader.loadTrain(train, task));
            }
        }
        List<String> vocab = vocabulary(examples);
        try {
            Files.writeString(out, tokenizerJson(vocab));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
        return vocab;
    }

    /** The vocabulary in id order for these meta-training examples (inputs and options only). */
    public static List<String> vocabulary(Collection<TaskExample> trainExamples) {
        Set<String> rest = new TreeSet<>();
        for (TaskExample e : trainExamples) {
            rest.addAll(pieces(e.input()));
            e.options().forEach(o -> rest.addAll(pieces(o)));
        }
        for (char c = 'a'; c <= 'z'; c++) {
            rest.add(String.valueOf(c));
            rest.add(CONTINUATION + c);
        }
        for (char c = '0'; c <= '9'; c++) {
            rest.add(String.valueOf(c));
            rest.add(CONTINUATION + c);
        }
        for (char c = '!'; c <= '~'; c++) {
            if (!Character.isLetterOrDigit(c)) {
                rest.add(String.valueOf(c));
            }
        }
        LinkedHashSet<String> vocab = new LinkedHashSet<>(SPECIAL_TOKENS);
        vocab.addAll(IclFormat.FORMAT_TOKENS);
        vocab.addAll(rest);
        return List.copyOf(vocab);
    }

    /**
     * Splits text the way the pre-tokenizer does for this vocabulary: lower-cased, on whitespace, with every
     * non-alphanumeric character its own piece.
     */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                word.append(c);
                continue;
            }
            if (!word.isEmpty()) {
                out.add(word.toString());
                word.setLength(0);
            }
            if (!Character.isWhitespace(c)) {
                out.add(String.valueOf(c));
            }
        }
        if (!word.isEmpty()) {
            out.add(word.toString());
        }
        return out;
    }

    /** The {@code tokenizer.json} text for a vocabulary in id order. */
    public static String tokenizerJson(List<String> vocab) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<String> list = List.copyOf(vocab);
        for (String special : SPECIAL_TOKENS) {
            ObjectNode t = added.addObject();
            t.put("id", list.indexOf(special));
            t.put("content", special);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "WordPiece");
        decoder.put("prefix", CONTINUATION);
        decoder.put("cleanup", false);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", UNK);
        model.put("continuing_subword_prefix", CONTINUATION);
        model.put("max_input_chars_per_word", 100);
        ObjectNode ids = model.putObject("vocab");
        for (int i = 0; i < list.size(); i++) {
            ids.put(list.get(i), i);
        }
        try {
            return json.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

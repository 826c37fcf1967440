package io.metalprompt.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** The model store's file primitives: content hashes, and writes flushed to disk before a version is published. */
final class DurableFiles {

    private DurableFiles() {
    }

    static String sha256(List<Path> files, List<String> labels) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < files.size(); i++) {
                if (i < labels.size()) {
                    md.update(labels.get(i).getBytes(StandardCharsets.UTF_8));
                }
                try (InputStream in = new DigestInputStream(Files.newInputStream(files.get(i)), md)) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void copy(Path from, Path to) throws IOException {
        Files.copy(from, to);
        force(to);
    }

    static void write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        force(file);
    }

    /** Flushes a file to disk, so the rename that publishes its version never precedes its contents. */
    static void force(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

package io.metalprompt.tasks;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The root of a task tree in MetaICL layout, opened from either a directory or a zip of one. A zip is opened
 * as a {@link FileSystem}, so every reader works on {@link Path}s the same way for both. Close it when done
 * (closing a directory root does nothing).
 */
public final class TaskRoot implements AutoCloseable {

    private final Path path;
    private final FileSystem zip;

    private TaskRoot(Path path, FileSystem zip) {
        this.path = path;
        this.zip = zip;
    }

    /** Opens {@code location}: a directory, or a {@code .zip} file whose entries are the tree. */
    public static TaskRoot open(Path location) {
        if (Files.isDirectory(location)) {
            return new TaskRoot(location, null);
        }
        if (Files.isRegularFile(location)) {
            try {
                FileSystem fs = FileSystems.newFileSystem(location, (ClassLoader) null);
                return new TaskRoot(fs.getPath("/"), fs);
            } catch (IOException | RuntimeException e) {
                throw new TaskDataException("cannot open task archive " + location + " as a zip: " + e.getMessage(), e);
            }
        }
        throw new TaskDataException("no task data at " + location
                + ": expected a directory in MetaICL layout or a .zip of one");
    }

    /** The root folder of the tree. */
    public Path path() {
        return path;
    }

    /** A path inside the tree, e.g. {@code resolve("train")}. */
    public Path resolve(String first, String... more) {
        Path p = path.resolve(first);
        for (String m : more) {
            p = p.resolve(m);
        }
        return p;
    }

    @Override
    public void close() {
        if (zip != null) {
            try {
                zip.close();
            } catch (IOException e) {
                throw new TaskDataException("cannot close task archive: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return zip == null ? path.toString() : zip + "!" + path;
    }
}

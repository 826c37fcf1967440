package io.metalprompt.models;

/** What a model store version holds: a PGM (one or more designs) or a base LM. */
public enum ModelKind {
    PGM("pgm"), BASE("base");

    private final String folder;

    ModelKind(String folder) {
        this.folder = folder;
    }

    /** The store's sub-folder of this kind, and its name in {@code version.json}. */
    public String folder() {
        return folder;
    }

    static ModelKind of(String folder) {
        for (ModelKind k : values()) {
            if (k.folder.equals(folder)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown kind '" + folder + "' (expected pgm or base)");
    }
}

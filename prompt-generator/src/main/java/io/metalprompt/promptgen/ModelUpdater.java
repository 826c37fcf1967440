package io.metalprompt.promptgen;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import io.metalprompt.events.ModelPublished;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.store.RolloutStore;

/**
 * Keeps this replica's PGMs at the version published for its base model, without a restart.
 *
 * <p>A {@link ModelPublished} event is recorded in Redis ({@link RolloutStore#apply}: a later event replaces the
 * version in force and starts its rollout; a replayed or older one changes nothing). {@link #sync} then loads the
 * version Redis names, if this replica does not serve it yet, from the event's {@code location} (a PGM folder or a
 * folder of PGM folders, one per design, as in the model store) and installs it for the designs it holds; the
 * other designs keep their PGM. Because the version in force lives in Redis, a replica that starts (or missed the
 * event) catches up on its first {@link #sync}. A version that cannot be loaded (missing folder, another base
 * model, a {@code pgm.json} naming another version) is logged and the replica keeps serving what it has until a
 * later version is published.
 */
public class ModelUpdater {

    private static final Logger LOG = Logger.getLogger(ModelUpdater.class);

    private final RolloutStore rollouts;
    private final PgmPromptFactory factory;
    private final LanguageModel base;
    private final String fingerprint;
    private final Clock clock;

    private volatile String applied;                       // the published version installed here, null = start-up PGMs
    private volatile Set<PromptDesign> appliedDesigns = Set.of();
    private String failed;                                  // a version whose loading failed (not tried again)
    private ModelPublished pending;                         // an event not yet recorded in Redis

    public ModelUpdater(RolloutStore rollouts, PgmPromptFactory factory, LanguageModel base, String fingerprint,
                        Clock clock) {
        this.rollouts = rollouts;
        this.factory = factory;
        this.base = base;
        this.fingerprint = fingerprint;
        this.clock = clock;
    }

    /** Takes a published version in: records it (when it is for this base model) and loads it. */
    public synchronized void onModelPublished(ModelPublished event) {
        if (!fingerprint.equals(event.baseFingerprint())) {
            LOG.infof("PGM version %s is for another base model (%s…), this prompt-generator serves %s…: ignored",
                    event.pgmVersion(), abbreviate(event.baseFingerprint()), abbreviate(fingerprint));
            return;
        }
        pending = event;
        try {
            sync();
        } catch (RuntimeException e) {
            // Redis unreachable: the event stays pending and the next sync records it
            LOG.warnf("PGM version %s not recorded yet (%s); retrying", event.pgmVersion(), e.getMessage());
        }
    }

    /** Records a pending event, then loads the version in force if this replica does not serve it yet. */
    public synchronized void sync() {
        if (pending != null) {
            ModelPublished e = pending;
            RolloutStore.Applied result = rollouts.apply(e, clock.instant());
            pending = null;
            switch (result) {
                case NEWER -> {
                    LOG.infof("PGM version %s published at %s is now in force (location %s)", e.pgmVersion(),
                            e.publishedAt(), e.location());
                    if (e.pgmVersion().equals(failed)) {
                        failed = null;   // published again: try loading it again
                    }
                }
                case SAME -> LOG.debugf("PGM version %s published at %s is already in force", e.pgmVersion(), e.publishedAt());
                case OLDER -> LOG.infof("PGM version %s published at %s is older than the version in force: ignored",
                        e.pgmVersion(), e.publishedAt());
            }
        }
        ModelPublished current = rollouts.current(fingerprint).orElse(null);
        if (current == null || current.pgmVersion().equals(applied) || current.pgmVersion().equals(failed)) {
            return;
        }
        try {
            Map<PromptDesign, PromptGenerator> loaded = load(current);
            factory.install(loaded);
            applied = current.pgmVersion();
            appliedDesigns = Set.copyOf(loaded.keySet());
            LOG.infof("serving PGM version %s for %s (loaded from %s)", applied, appliedDesigns, current.location());
        } catch (RuntimeException e) {
            failed = current.pgmVersion();
            LOG.errorf("cannot load PGM version %s from %s: %s; still serving %s", current.pgmVersion(),
                    current.location(), e.getMessage(), applied == null ? "the start-up PGMs" : "version " + applied);
        }
    }

    private Map<PromptDesign, PromptGenerator> load(ModelPublished event) {
        Map<PromptDesign, PromptGenerator> loaded = new EnumMap<>(PromptDesign.class);
        List<PromptGenerator> opened = new ArrayList<>();
        try {
            for (Path dir : PromptGenerator.folders(Path.of(event.location()))) {
                PromptGenerator pgm = PromptGenerator.load(base, dir);
                opened.add(pgm);
                if (!event.pgmVersion().equals(pgm.version())) {
                    throw new ModelLoadException("the PGM in " + dir + " is version " + pgm.version()
                            + ", the event names " + event.pgmVersion());
                }
                if (loaded.put(pgm.design(), pgm) != null) {
                    throw new ModelLoadException("two PGMs for design " + pgm.design() + " under " + event.location());
                }
            }
            return loaded;
        } catch (RuntimeException e) {
            opened.forEach(PromptGenerator::close);
            throw e;
        }
    }

    /** The published version this replica serves (null while it serves the PGMs it started with). */
    public String appliedVersion() {
        return applied;
    }

    /** The designs the served published version holds (empty while it serves the PGMs it started with). */
    public Set<PromptDesign> appliedDesigns() {
        return appliedDesigns;
    }

    private static String abbreviate(String fp) {
        return fp.substring(0, Math.min(12, fp.length()));
    }
}

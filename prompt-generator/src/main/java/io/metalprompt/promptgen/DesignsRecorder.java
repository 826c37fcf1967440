package io.metalprompt.promptgen;

import java.util.Set;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.store.ServedDesigns;

/**
 * Tells the gateway which designs this deployment serves ({@link ServedDesigns}, {@code metal:designs}): the designs
 * this replica has a PGM for, written at start and again whenever they change (a published version may bring a
 * design). A write Redis refuses is tried again at the next {@link #record()}, which the rollout loop calls every
 * {@code metal.rollout.poll}.
 */
public final class DesignsRecorder {

    private static final Logger LOG = Logger.getLogger(DesignsRecorder.class);

    private final ServedDesigns store;
    private final Supplier<Set<PromptDesign>> designs;
    private Set<PromptDesign> recorded;   // guarded by this

    public DesignsRecorder(ServedDesigns store, Supplier<Set<PromptDesign>> designs) {
        this.store = store;
        this.designs = designs;
    }

    /** Writes the served designs if they changed since the last successful write; never throws. */
    public synchronized void record() {
        Set<PromptDesign> now = designs.get();
        if (now.equals(recorded)) {
            return;
        }
        try {
            store.replace(now);
            recorded = now;
            LOG.infof("serving designs %s (recorded in %s for the gateway)", now, ServedDesigns.KEY);
        } catch (RuntimeException e) {
            LOG.warnf("could not record the served designs %s yet (%s); trying again", now, e.getMessage());
        }
    }
}

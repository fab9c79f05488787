package io.stoq.net.discovery;

/** How recently a member was heard from (a heartbeat answered, a gossip received). */
public enum Liveness {
    /** Heard within the suspect window. */
    ALIVE,
    /** Silent longer than the suspect window, not yet the dead one. */
    SUSPECT,
    /** Silent longer than the dead window. */
    DEAD,
    /** Never heard from directly (known only through gossip). */
    UNKNOWN
}

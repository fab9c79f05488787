package io.stoq.shard.corpus;

/** The kinds of generated data the shard tests and benchmark use. */
public enum CorpusKind {
    /** Uniform random bytes: incompressible, no duplicates (the pipeline's worst case for hashing). */
    RANDOM,
    /** CSV-like text lines: compresses ~3-4x with zstd, line boundaries everywhere. */
    TEXT,
    /** Long runs copied from a small pool of random blocks: dedups well, compresses little. */
    DUPLICATED,
    /** 4 MiB segments cycling random, text, duplicated: the benchmark's mixed corpus. */
    MIXED
}

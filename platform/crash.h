/*
 * Named crash points: a test hook that shows a fetch is crash-safe at every step that changes the disk.
 *
 * With PN_CRASH_AT=<point> in the environment, the process calls _exit(137) (as if SIGKILLed: no atexit
 * handlers, no stdio flush, no cleanup) right after the step of that name. The variable is read once, at the
 * first crash point reached; unset or empty, every point is one string comparison against nothing.
 * tests/integration/test_store.py runs `pinion fetch` once per point and checks that the last good revision
 * still reads back equal to git, and that the next fetch succeeds and removes what the crash left.
 *
 * The points of a fetch, in the order they are reached:
 *   pack-write           the first write(2) of received pack data to the temporary pack (mid-stream)
 *   pack-written         the last write of the received pack (the stream is complete in the temporary file)
 *   pack-thin            a thin pack completed with its bases from the store (count and trailer rewritten)
 *   pack-fsync           the temporary pack fsynced
 *   index-written        the temporary index written
 *   index-fsync          the temporary index fsynced
 *   pack-renamed         the pack renamed to pack-<checksum>.pack (not yet part of the store: no index)
 *   index-renamed        the index renamed to pack-<checksum>.pnidx (the pack is now in the store)
 *   objects-fsync        the objects/ directory fsynced (the renames are durable)
 *   fetched-written      platform/atomic.c: the new `fetched` written to its temporary
 *   fetched-fsync        ... fsynced
 *   fetched-renamed      ... renamed over `fetched`
 *   fetched-dir-fsync    ... the state directory fsynced
 *   old-index-removed    an old pack's index removed (the pack is no longer in the store)
 *   old-pack-removed     the old pack file removed
 *   old-packs-fsync      objects/ fsynced after removing old packs
 * pn_atomic_write() names its points after the file it replaces: "<basename>-written", "-fsync", "-renamed",
 * "-dir-fsync" (so `applied` has applied-written, ...).
 */
#ifndef PN_CRASH_H
#define PN_CRASH_H

/* The environment variable naming the point to crash at. */
#define PN_CRASH_ENV "PN_CRASH_AT"
/* The exit status of a crash: 128 + SIGKILL, as a shell reports a killed process. */
#define PN_CRASH_STATUS 137

/* _exit(PN_CRASH_STATUS) when PN_CRASH_AT equals `point`. */
void pn_crash_point(const char *point);

/* The same for the point "<prefix>-<step>" (pn_atomic_write: "fetched" and "renamed"). */
void pn_crash_point2(const char *prefix, const char *step);

#endif

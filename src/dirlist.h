/*
 * dirlist.h - the names an output directory did not have when the run
 * read it, so that a crawl of many URLs into one directory does not look
 * up every FILE and FILE.part one system call at a time.
 *
 * Before its first request each download asks whether FILE is there (it
 * may be a directory, a FIFO, a file whose mode the result keeps) and
 * whether FILE.part is (someone's data, or another haul at work).  For a
 * fresh file both lookups fail, and each failing lstat(2) is a search of
 * the directory in the kernel: together a tenth of haul's CPU per file in
 * a crawl of 4 KiB files.  Once the lookups into one directory would have
 * paid for reading it whole, it is read once (names hashed, 8 bytes each),
 * and a name it did not hold is known to be absent without a system call.
 * A name it held is looked up as before: the listing only ever saves
 * lookups that would fail.
 *
 * What the listing cannot see is a name another process creates after it.
 * haul then learns of it when it creates the name itself: FILE.part with
 * O_EXCL, FILE with linkat(2) (neither replaces anything), or when it
 * renames over FILE, as for a name created during the download, which
 * haul handles already (output.c).  Names haul itself writes are never
 * asked for twice in a run: outputs.c refuses two outputs that name one
 * file, FILE.part and its journal included.
 *
 * Only local file systems whose names are compared byte for byte are
 * read: ext2/3/4, XFS, Btrfs and tmpfs, without the case-folding flag.
 * Elsewhere (NFS, FUSE, vfat, a case-folded directory) every name is
 * looked up, as before.
 */
#ifndef HAUL_DIRLIST_H
#define HAUL_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct dirlist;

/* Lookups into one directory before it may be read, at the least; a large
 * directory waits for one lookup per DIRLIST_BYTES_PER_LOOKUP bytes of it
 * (a listing reads that much per failing lookup it saves). */
#define DIRLIST_MIN_LOOKUPS 16
#define DIRLIST_BYTES_PER_LOOKUP 512
/* A directory larger than this (about half a million names on ext4) is
 * never read: its listing would hold megabytes. */
#define DIRLIST_MAX_BYTES (16u << 20)
/* Directories remembered at once; a new one replaces the least recently
 * asked about. */
#define DIRLIST_DIRS 8

/* Owned by the run (one for all its downloads); haul's own memory. */
struct dirlist *dirlist_new(void);
void dirlist_free(struct dirlist *dl);

/*
 * True only when `path`'s directory has been read in this run and held no
 * entry of path's last component: the caller may take it as absent.  False:
 * not known, look it up.  Each call counts as a lookup into the directory,
 * and may read it (once).
 */
bool dirlist_absent(struct dirlist *dl, const char *path);

/* How many lookups the listings saved, and how many directories were read
 * (for tests and --verbose). */
size_t dirlist_saved(const struct dirlist *dl);
size_t dirlist_listed(const struct dirlist *dl);

#endif

/*
 * dirlist.h - the names an output directory did not have when the run
 * last read it, so that a crawl of many URLs into one directory does not
 * look up every FILE and FILE.part one system call at a time.
 *
 * Before its first request each download asks whether FILE is there (it
 * may be a directory, a FIFO, a file whose mode the result keeps) and
 * whether FILE.part is (someone's data, or another haul at work).  For a
 * fresh file both lookups fail, and each failing lstat(2) is a search of
 * the directory in the kernel: together a tenth of haul's CPU per file in
 * a crawl of 4 KiB files.  Once the lookups into one directory would have
 * paid for reading it whole, it is read (names hashed, 8 bytes each), and
 * a name it did not hold is known to be absent without a system call.
 *
 * Three rules keep that answer as good as a lookup's:
 *  - Only "absent" is ever taken from the listing.  A name it holds, or
 *    one that hashes alike, is looked up as before.
 *  - Every name asked about joins the listing, from before the first
 *    reading on: asked again (an -i line naming the file of a job done
 *    earlier in the run), it is looked up, for its download may have made
 *    it.  The listing only grows: reading again adds names, and never
 *    drops one.  (Names haul makes but never asks about, -J's and
 *    --create-dirs' directories, are no concern: those options, -c and
 *    --no-clobber look every name up.)
 *  - A listing answers for DIRLIST_MAX_AGE_MS after it was read.  Then the
 *    directory is read again once enough lookups have come to pay for it;
 *    until then every name is looked up.  So a name another process makes
 *    is seen at most that long after it appears, on top of the time a
 *    lookup already leaves (from before the request to the end of the
 *    download).  What haul does when a name appears in that time is
 *    output.c's: O_EXCL and linkat(2) never replace, so a FILE.part stops
 *    its URL, and a FILE made meanwhile is replaced by the rename.
 *
 * Only local file systems whose names are compared byte for byte are
 * read: ext2/3/4, Btrfs and tmpfs, and there only directories without the
 * case-folding flag.  XFS is left out: a whole XFS may fold case, with no
 * flag on the directory.  Elsewhere (XFS, NFS, FUSE, vfat, overlayfs) every
 * name is looked up, as before.
 */
#ifndef HAUL_DIRLIST_H
#define HAUL_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dirlist;

/* Lookups into one directory before it may be read, at the least; a large
 * directory waits for one lookup per DIRLIST_BYTES_PER_LOOKUP bytes of it
 * (a listing reads that much per failing lookup it saves).  The same
 * holds for each reading again. */
#define DIRLIST_MIN_LOOKUPS 16
#define DIRLIST_BYTES_PER_LOOKUP 512
/* How long a listing answers after it was read. */
#define DIRLIST_MAX_AGE_MS 1000
/* A directory larger than this (about 130,000 names on ext4) is not read,
 * and what was read of it is dropped: its listing would hold megabytes,
 * and reading it would hold up the loop for more than a few ms. */
#define DIRLIST_MAX_BYTES (4u << 20)
/* Directories remembered in a run: the first ones asked about.  Names in
 * any other are looked up. */
#define DIRLIST_DIRS 16

/* Owned by the run (one for all its downloads); haul's own memory. */
struct dirlist *dirlist_new(void);
void dirlist_free(struct dirlist *dl);

/*
 * True only when `path`'s directory was read less than DIRLIST_MAX_AGE_MS
 * ago (by monotonic milliseconds `now_ms`) and held no entry of path's
 * last component, and the name was not asked about since: the caller may
 * take it as absent.  False: not known, look it up.  Each call counts as
 * a lookup into the directory, and may read it.
 */
bool dirlist_absent(struct dirlist *dl, const char *path, uint64_t now_ms);

/* How many lookups the listings saved, and how many times a directory
 * was read (for tests). */
size_t dirlist_saved(const struct dirlist *dl);
size_t dirlist_reads(const struct dirlist *dl);

#endif

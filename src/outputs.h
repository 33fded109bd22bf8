/*
 * outputs.h - the files one run writes, named once, and the check that no
 * two of them are the same file.
 *
 * Each URL's output (from -o, the input file or -O, inside --output-dir),
 * the FILE.part, FILE.part.haul and FILE.part.haul.tmp haul writes beside
 * it, and the --events, --summary and --memstats files are all named before
 * anything starts.  Two of them naming one file would make one overwrite
 * the other (and haul report both as written), so that is a usage error.
 * The command line's URLs are checked before anything starts; each line of
 * --input-file when the run takes it (outputs_job_key()).
 */
#ifndef HAUL_OUTPUTS_H
#define HAUL_OUTPUTS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "options.h"

/*
 * The file a job's body goes to, xmalloc'ed (the caller frees it), or NULL
 * for standard output.  For a -O URL whose path gives no usable name, NULL
 * is returned and *no_name says why (a static string).
 */
char *outputs_path(const struct config *cfg, const struct job *job, const char **no_name);

/*
 * 0 when every file the run writes is named once; otherwise prints one
 * usage error naming both and returns HAUL_EXIT_USAGE.  Jobs that fail on
 * their own (a bad URL, no name for -O) and outputs written in place that
 * are not regular files (/dev/null, a FIFO, a terminal) are not counted.
 */
int outputs_check(const struct config *cfg);

/*
 * The directory outputs_job_key() looked up last, kept by the caller
 * between calls (zeroed to start): a list of URLs into one directory then
 * costs one stat(2) in all instead of one per line.
 */
struct outputs_dir_memo {
    char *dir;
    bool ok;                 /* it is a directory; st is its stat */
    struct stat st;
};

/*
 * The lines of --input-file are read as the run goes, so they cannot be
 * checked before it starts: the run compares each line's output with those
 * of the jobs it holds and with the report files, by these keys (equal
 * keys, same file, by the rules above), xmalloc'ed.  NULL: no file to
 * compare (standard output, or no name).  A special file has a key too,
 * found without a stat(2) of its own: when keys are equal, the caller asks
 * outputs_is_special() before calling it a clash.
 */
char *outputs_job_key(const struct config *cfg, const struct job *job,
                      struct outputs_dir_memo *memo);
/* True when the job's output is there and is not a regular file (/dev/null,
 * a FIFO, a terminal): written in place, so equal keys are no clash. */
bool outputs_is_special(const struct config *cfg, const struct job *job);
/* Frees what a memo holds; it is then empty again. */
void outputs_dir_memo_clear(struct outputs_dir_memo *memo);
/* The same for a report file (events: a number is a descriptor). */
char *outputs_report_key(const char *path, bool events);

#endif

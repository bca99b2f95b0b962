/*
 * cli_int.h — the `vaxchain` command's private interface.
 *
 * Every subcommand is one entry of the table in commands.c: its words ("pnr check"),
 * synopsis, summary, options and handler. The same table drives dispatch, option
 * parsing (getopt_long is built from it) and the generated --help text, so a command
 * cannot exist without being documented. Handlers live in cmd_<area>.c files.
 *
 * Exit codes: 0 success, 1 the command ran but found problems (invalid numbers, bad
 * rows), 2 usage error, 3 runtime failure (I/O, storage).
 */
#ifndef VX_CLI_INT_H
#define VX_CLI_INT_H

#include <stdbool.h>
#include <stdio.h>
#include "vx/date.h"
#include "vx/status.h"

#define CLI_MAX_OPTS      16
#define CLI_EXIT_OK       0
#define CLI_EXIT_PROBLEMS 1
#define CLI_EXIT_USAGE    2
#define CLI_EXIT_FAILURE  3

struct cli_opt {
    const char *name; /* long option name without "--" */
    const char *arg;  /* argument placeholder ("DATE"), or NULL for a flag */
    const char *help;
};

struct cli_ctx;
typedef int (*cli_handler)(struct cli_ctx *ctx);

struct cli_command {
    const char *words;      /* "pnr check" */
    const char *synopsis;   /* positional arguments, e.g. "<pnr>" */
    const char *summary;    /* one line */
    const char *details;    /* more text for --help, or NULL */
    int min_args, max_args; /* positional argument counts (max -1 = any) */
    struct cli_opt opts[CLI_MAX_OPTS];
    cli_handler run;
};

struct cli_ctx {
    const struct cli_command *cmd;
    int argc;                         /* positional arguments after the command words */
    char **argv;                      /* borrowed from main */
    const char *values[CLI_MAX_OPTS]; /* parsed option values (flags: "1"), by opts index */
    FILE *out, *err;
    bool tty; /* stderr is a terminal (progress bars) */
};

/* Value of option `name` or NULL when not given. */
const char *cli_get(const struct cli_ctx *ctx, const char *name);
/* True when flag `name` was given. */
bool cli_flag(const struct cli_ctx *ctx, const char *name);
/* Option `name` as a date (default `def` when absent). Prints an error and returns false
 * when malformed. */
bool cli_get_day(struct cli_ctx *ctx, const char *name, vx_day def, vx_day *out);
/* Option as a long integer within [lo, hi]. */
bool cli_get_long(struct cli_ctx *ctx, const char *name, long def, long lo, long hi, long *out);
/* Option as a double within [lo, hi]. */
bool cli_get_double(struct cli_ctx *ctx, const char *name, double def, double lo, double hi,
                    double *out);
/* Path of the database: --db, else $VAXCHAIN_DB, else "vaxchain.db". */
const char *cli_db_path(const struct cli_ctx *ctx);
/* Folder of vaxchain's data files (catalogue, rules): --data-dir, $VAXCHAIN_DATA_DIR,
 * else the compiled-in source data/ folder. */
const char *cli_data_dir(const struct cli_ctx *ctx);
/* Folder of the shared real data (SCB, FoHM): $VAXCHAIN_SHARED_DATA or compiled-in. */
const char *cli_shared_dir(const struct cli_ctx *ctx);
/* Today's date in Stockholm (the only place the CLI reads the clock). */
vx_day cli_today(void);
/* Print "vaxchain <words>: <message>" to stderr. */
void cli_error(struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Progress bar on stderr when it is a terminal: call with done/total, then done. */
struct cli_progress {
    struct cli_ctx *ctx;
    const char *label;
    long long total;
    long long last_shown;
    double started;
};
void cli_progress_start(struct cli_progress *p, struct cli_ctx *ctx, const char *label,
                        long long total);
void cli_progress_update(struct cli_progress *p, long long done);
void cli_progress_done(struct cli_progress *p, long long done);

/* Print UTF-8 text `s` left-aligned in `width` columns (cut at a character boundary
 * when longer): printf's %-22s counts bytes, so "Västra Götalands län" would misalign. */
void cli_print_padded(FILE *f, const char *s, int width);

/* Read a whole file (caller frees *out). */
enum vx_status cli_read_file(const char *path, char **out, size_t *len, size_t max);

struct vx_arena;
struct vx_elig_table;
struct vx_catalog;
/* Read and parse <data-dir>/eligibility.json into *t (memory from `a`, borrowed).
 * Prints why on failure unless `quiet`; *t is then zeroed. */
bool cli_load_rules(struct cli_ctx *ctx, struct vx_arena *a, struct vx_elig_table *t, bool quiet);
/* Read and parse <data-dir>/vaccines.json into *cat (memory from `a`). When `text` is
 * not NULL the file's text is handed over too (caller frees). Prints why on failure. */
bool cli_load_catalog(struct cli_ctx *ctx, struct vx_arena *a, const struct vx_catalog **cat,
                      char **text, size_t *len);

/* Handlers (one per table entry). */
int cmd_init(struct cli_ctx *ctx);
int cmd_pnr_check(struct cli_ctx *ctx);
int cmd_person_eligibility(struct cli_ctx *ctx);
int cmd_person_show(struct cli_ctx *ctx);
int cmd_catalog_list(struct cli_ctx *ctx);
int cmd_rules_list(struct cli_ctx *ctx);
int cmd_import_persons(struct cli_ctx *ctx);
int cmd_import_sites(struct cli_ctx *ctx);
int cmd_import_premises(struct cli_ctx *ctx);
int cmd_demo_data(struct cli_ctx *ctx);
int cmd_demo_setup(struct cli_ctx *ctx);
int cmd_summary(struct cli_ctx *ctx);
int cmd_serve(struct cli_ctx *ctx);
int cmd_cert_testdata(struct cli_ctx *ctx);
int cmd_cert_keygen(struct cli_ctx *ctx);
int cmd_cert_verify(struct cli_ctx *ctx);
int cmd_cert_issue(struct cli_ctx *ctx);
int cmd_register_check_vxu(struct cli_ctx *ctx);
int cmd_register_check_fhir(struct cli_ctx *ctx);

struct vx_store;

/* Options shared by many commands. */
#define OPT_DB                                                                                     \
    {                                                                                              \
        "db", "PATH", "database file (default $VAXCHAIN_DB or ./vaxchain.db)"                      \
    }
#define OPT_DATA                                                                                   \
    {                                                                                              \
        "data-dir", "DIR", "folder with catalogue and rule files (default: data/)"                 \
    }
#define OPT_DATE                                                                                   \
    {                                                                                              \
        "date", "YYYY-MM-DD", "reference date (default: today in Stockholm)"                       \
    }

/* Command tables, each ended by an entry with words == NULL: the core commands
 * (commands.c) and one per module (src/cli/cmd_<module>.c). */
extern const struct cli_command cli_commands[];
extern const struct cli_command cli_cmds_care[];   /* cmd_care.c */
extern const struct cli_command cli_cmds_regx[];   /* cmd_regx.c */
extern const struct cli_command cli_cmds_stats[];  /* cmd_stats.c */
extern const struct cli_command cli_cmds_report[]; /* cmd_report.c */
extern const struct cli_command cli_cmds_muni[];   /* cmd_muni.c */
extern const struct cli_command cli_cmds_ledger[]; /* cmd_ledger.c */
extern const struct cli_command cli_cmds_plan[];   /* cmd_plan.c */
/* All of the tables above, NULL-terminated. */
extern const struct cli_command *const cli_groups[];
/* Rebuild the population denominators of the coverage statistics (docs/stats.md)
 * after persons were added; prints an error and returns false on failure. */
bool cli_stats_refresh(struct cli_ctx *ctx, struct vx_store *st);
/* The command whose words are exactly `words` ("plan replay"), or NULL. */
const struct cli_command *cli_find(const char *words);

#endif

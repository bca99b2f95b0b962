/*
 * bench_import.c — generate the demo population and import it; compare with a plain
 * `sqlite3 .import` of the same CSV in the same run.
 *
 *   bench_import [--scale F] [--seed N] [--dir DIR] [--sqlite3 PATH]
 *
 * Steps, each timed on the monotonic clock:
 *   1. generate the persons CSV with the demo builder (scale 1.0 ≈ 10.4 M rows);
 *   2. import it into a fresh SQLite store (regions and municipalities loaded first,
 *      untimed) through vx_import_file(): parsing, personnummer validation, the
 *      municipality and risk checks, and the one-transaction write;
 *   3. baseline: the sqlite3 shell with `.mode csv` and `.import FILE persons` into
 *      an empty database (no validation, no indexes: the floor for "getting the
 *      bytes into SQLite");
 *   4. print seconds, persons/s, the ratio ours/baseline, and PASS/MISS against the
 *      target of 60 s for the import of the full population (the target is scaled
 *      linearly for smaller --scale values).
 * The scratch directory keeps the files for inspection; each run replaces them.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "vx/demo.h"
#include "vx/import.h"
#include "vx/store.h"

extern char **environ;

#define TARGET_SECONDS_FULL 60.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void remove_db(const char *path)
{
    char side[1100];
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
    snprintf(side, sizeof side, "%s-journal", path);
    remove(side);
}

static int resolve_risk(void *ctx, const char *name)
{
    return vx_demo_risk_bit(ctx, name);
}

static int first_problem(void *ctx, const struct vx_import_error *e)
{
    int *n = ctx;
    if ((*n)++ < 5)
        fprintf(stderr, "  line %ld, column %s: %s\n", e->line, e->column ? e->column : "-",
                e->reason);
    return 0;
}

/* Run `sqlite3 DB` with `script` as stdin; returns the exit status or -1. */
static int run_sqlite3(const char *sqlite3, const char *db, const char *script)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, script, O_RDONLY, 0);
    char *argv[] = {(char *)sqlite3, (char *)db, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, sqlite3, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "bench_import: cannot run %s: %s\n", sqlite3, strerror(rc));
        return -1;
    }
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_import [--scale F] [--seed N] [--dir DIR] [--sqlite3 PATH]\n");
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    unsigned long long seed = 1;
    const char *dir = "/tmp/vx-bench";
    const char *sqlite3 = "sqlite3";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) {
            usage();
            return 2;
        }
        char *end;
        if (!strcmp(a, "--scale")) {
            scale = strtod(argv[++i], &end);
            if (*end || !(scale > 0 && scale <= 2)) {
                fprintf(stderr, "bench_import: --scale must be in (0, 2]\n");
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            seed = strtoull(argv[++i], &end, 10);
            if (*end) {
                usage();
                return 2;
            }
        } else if (!strcmp(a, "--dir")) {
            dir = argv[++i];
        } else if (!strcmp(a, "--sqlite3")) {
            sqlite3 = argv[++i];
        } else {
            usage();
            return 2;
        }
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench_import: cannot create %s: %s\n", dir, strerror(errno));
        return 3;
    }
    char csv[1024], ours[1024], base[1024], script[1024];
    snprintf(csv, sizeof csv, "%s/persons.csv", dir);
    snprintf(ours, sizeof ours, "%s/ours.db", dir);
    snprintf(base, sizeof base, "%s/base.db", dir);
    snprintf(script, sizeof script, "%s/import.sql", dir);

    struct vx_err err = {0};
    struct vx_demo_ref *ref = NULL;
    if (vx_demo_ref_load(VX_SHARED_DATA_DIR, VX_DATA_DIR, &ref, &err) != VX_OK) {
        fprintf(stderr, "bench_import: %s\n", err.msg);
        return 3;
    }
    int rc = 3;
    struct vx_store *st = NULL;

    /* 1. generate */
    struct vx_demo_opts o = vx_demo_opts_default();
    o.scale = scale;
    o.seed = seed;
    o.sites = false;
    struct vx_demo_result *res = calloc(1, sizeof *res);
    if (!res)
        goto out;
    double t0 = now();
    if (vx_demo_write_csv(ref, &o, csv, NULL, res, &err) != VX_OK) {
        fprintf(stderr, "bench_import: generate: %s\n", err.msg);
        goto out;
    }
    double t_gen = now() - t0;
    struct stat sb;
    long long bytes = stat(csv, &sb) == 0 ? (long long)sb.st_size : -1;
    printf("scale %g: %lld persons, CSV %.1f MB (%s)\n", scale, (long long)res->persons,
           bytes / 1e6, csv);
    printf("generate      %8.2f s  %10.0f persons/s\n", t_gen, res->persons / t_gen);

    /* 2. import through the import module */
    remove_db(ours);
    if (vx_store_open_sqlite(ours, &st, &err) != VX_OK ||
        vx_import_reference(st, VX_SHARED_DATA_DIR "/se", NULL, NULL, &err) != VX_OK) {
        fprintf(stderr, "bench_import: store: %s\n", err.msg);
        goto out;
    }
    struct vx_import_opts io = vx_import_opts_default(o.ref_date);
    int problems = 0;
    io.bulk = 1;
    io.synthetic = true;
    io.risk_resolve = resolve_risk;
    io.risk_ctx = ref;
    io.on_error = first_problem;
    io.error_ctx = &problems;
    io.actor = "bench";
    struct vx_import_result ir = {0};
    t0 = now();
    enum vx_status s = vx_import_file(st, VX_IMPORT_PERSONS, csv, &io, &ir, &err);
    double t_imp = now() - t0;
    if (s != VX_OK) {
        fprintf(stderr, "bench_import: import: %s\n", err.msg);
        goto out;
    }
    int64_t stored = st->ops->count(st, "persons");
    vx_store_close(st);
    st = NULL;
    printf("import        %8.2f s  %10.0f persons/s  (%lld rows, %lld stored)\n", t_imp,
           ir.imported / t_imp, ir.imported, (long long)stored);

    /* 3. baseline: sqlite3 .import of the same CSV */
    remove_db(base);
    FILE *f = fopen(script, "w");
    if (!f) {
        fprintf(stderr, "bench_import: cannot write %s\n", script);
        goto out;
    }
    fprintf(f, ".mode csv\n.import '%s' persons\n", csv);
    fclose(f);
    t0 = now();
    int brc = run_sqlite3(sqlite3, base, script);
    double t_base = now() - t0;
    double target = TARGET_SECONDS_FULL * scale;
    if (brc != 0) {
        printf("baseline      (sqlite3 .import failed or not found: status %d)\n", brc);
    } else {
        printf("sqlite3 .import %6.2f s  %10.0f persons/s  (baseline)\n", t_base,
               res->persons / t_base);
        printf("ratio ours/baseline  %.2f\n", t_imp / t_base);
    }
    printf("generate+import %6.2f s\n", t_gen + t_imp);
    printf("target: import < %.1f s (60 s at scale 1.0): %s\n", target,
           t_imp < target ? "PASS" : "MISS");
    rc = t_imp < target ? 0 : 1;
out:
    vx_store_close(st);
    vx_demo_ref_free(ref);
    free(res);
    return rc;
}

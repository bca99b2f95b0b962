/*
 * bench_booking.c — the cohort-opening storm against `vaxchain serve`, and the
 * kill -9 crash test.
 *
 *   bench_booking [--quick] [--scale F] [--conns N] [--born-to Y] [--ratio R] ...
 *   bench_booking --crash ROUNDS [--small] ...
 *
 * Benchmark (default). Everything runs on loopback on the same machine:
 *   1. setup: `vaxchain init` + `vaxchain demo-data --scale F` into DIR/storm.db; then,
 *      in-process through the booking engine (vx/book.h), Comirnaty slots at every
 *      site on enough weekdays for R × demand dose pairs (dose 2 at the same site and
 *      minute 49 days later) and supply that covers exactly those slots. The demand is
 *      every living person of the selected regions born in Y or earlier (≥ 200,000 at
 *      the default scale 0.1). The database is copied to DIR/baseline.db.
 *   2. `vaxchain serve` (the binary next to this one, or --vaxchain) on 127.0.0.1 with
 *      --dev-login; one regional coordinator per region opens the cohort
 *      (POST /api/v1/cohorts, born Y or earlier, released now).
 *   3. the storm: N keep-alive connections (one thread, epoll; the lean socket client
 *      below by default, libcurl multi with --curl-client), each a
 *      call-centre agent session (POST /api/v1/session, role callcentre, the region of
 *      the persons it books for) that books, for each person of its share of the
 *      demand, one dose pair: POST /api/v1/bookings {slot1, slot2, person} with an
 *      Idempotency-Key. The agent picks a pair that its own view of the inventory
 *      says is free (the view is exact because only the benchmark books: a pair is
 *      taken from the view when the request is sent): the earliest free pair of a
 *      site drawn at random (--pick-random: any free pair), so the storm runs until
 *      the slots are gone and the remaining persons find nothing. Waiting-room answers
 *      (429 / a queue problem) make the connection take a token from /api/v1/queue
 *      and retry with X-Queue-Token; 503 busy answers are retried with the same key.
 *      Measured: 201s per second over the storm (first request to last answer), the
 *      latency of every 201 as the client saw it (p50, p99), CPU seconds of client
 *      and server, and the server's booking metrics.
 *   4. availability reads: the same connections GET /api/v1/sites/{id}/availability
 *      for one day at random sites for --reads-s seconds, once through libcurl and
 *      once with a lean reader; 200s per second.
 *   5. the server is stopped (SIGTERM) and the database checked with SQLite:
 *      overbooked (slots with more booked/attended bookings than capacity),
 *      double_booked (persons with more than one active series), lost (201s whose
 *      two bookings are not in the database as active bookings of that person).
 *   6. the same storm against baseline.db with `serve --commit-each` (one transaction
 *      per booking) for --baseline-s seconds; its 201s per second is the baseline.
 *   The last line is, exactly:
 *     bookings_per_s=N p50_ms=N p99_ms=N overbooked=N double_booked=N lost=N
 *     baseline_per_s=N ratio=N
 *
 * Crash test (--crash ROUNDS): one setup, then ROUNDS times: storm, kill -9 the server
 * at a random moment (uniform in --kill-min-ms..--kill-max-ms after the round
 * starts), restart it, and check in the database that every 201 the client ever
 * received is there, that no slot is over capacity and no person has two series.
 * Requests in flight at the kill are resent first in the next round with the same
 * Idempotency-Key (a committed one must come back 201 as a replay). Exit status 0
 * only when every round passed.
 *
 * The load generator shares the CPUs with the server; its own CPU time is printed
 * next to the server's so the figures can be read honestly.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "vx/arena.h"
#include "vx/book.h"
#include "vx/catalog.h"
#include "vx/date.h"
#include "vx/elig.h"
#include "vx/person.h"
#include "vx/status.h"

extern char **environ;

#define MAX_REGIONS   32
#define VACCINE       "COM"
#define DOSE2_DAYS    49 /* dose 2 at the same site and minute seven weeks later (FoHM) */
#define MAX_DAYS      42 /* dose-1 days at most, so dose-1 and dose-2 weeks never overlap */
#define RESP_MAX      (1u << 20)
#define SESSION_LEN   72
#define MAX_ATTEMPTS  3   /* pairs tried per person when a slot turns out full */
#define SLOW_ANSWER_S 5.0 /* report a request still unanswered after this long */

/* ------------------------------------------------------------ options */

struct opts {
    const char *vaxchain; /* server binary */
    const char *dir;      /* scratch folder */
    double scale;
    int seed;
    int born_to;
    double ratio;        /* pair places / demand */
    int conns;           /* concurrent connections */
    int threads;         /* serve --threads (0 = its default) */
    double admit_rate;   /* serve --admit-rate (0 = waiting room off) */
    double baseline_s;   /* length of the commit-each run */
    double reads_s;      /* length of the availability-read phase */
    int crash_rounds;    /* 0 = benchmark */
    int kill_min_ms;     /* crash: earliest kill after a round starts */
    int kill_max_ms;     /* crash: latest */
    const char *regions; /* comma-separated region codes, NULL = all */
    bool quick;
    bool no_baseline;
    bool keep;        /* keep the scratch databases */
    bool curl_client; /* bookings through libcurl instead of the lean socket client */
    bool sync_inline; /* serve --sync-inline: group commit without the sync thread */
    bool pick_random; /* pairs uniformly at random, not the earliest at a site */
    unsigned rng_seed;
};

/* One option: name, whether it takes a value, where it goes, help. Table-driven so
 * that parsing and --help come from one place. */
enum opt_kind { O_FLAG, O_STR, O_INT, O_DBL };
struct opt_def {
    const char *name;
    enum opt_kind kind;
    size_t off;
    const char *help;
};
#define OFF(f) offsetof(struct opts, f)
static const struct opt_def opt_defs[] = {
    {"vaxchain", O_STR, OFF(vaxchain), "PATH  server binary (default: vaxchain next to this)"},
    {"dir", O_STR, OFF(dir), "DIR  scratch folder for databases and logs"},
    {"scale", O_DBL, OFF(scale), "F  demo population scale (default 0.1; --quick 0.03)"},
    {"seed", O_INT, OFF(seed), "N  demo seed (default 1)"},
    {"born-to", O_INT, OFF(born_to), "Y  cohort: born in Y or earlier (default 1961)"},
    {"ratio", O_DBL, OFF(ratio), "R  pair places / demand (default 0.75)"},
    {"conns", O_INT, OFF(conns), "N  concurrent connections (default 256)"},
    {"threads", O_INT, OFF(threads), "N  serve --threads (default: serve's own)"},
    {"admit-rate", O_DBL, OFF(admit_rate), "N  serve --admit-rate: waiting room on (default off)"},
    {"baseline-s", O_DBL, OFF(baseline_s),
     "S  --commit-each run: only S s, compared with the first S s of group commit "
     "(default: the whole storm; --quick 2)"},
    {"reads-s", O_DBL, OFF(reads_s), "S  length of the availability reads (default 4)"},
    {"crash", O_INT, OFF(crash_rounds), "N  crash test: N rounds of storm + kill -9"},
    {"kill-min-ms", O_INT, OFF(kill_min_ms), "MS  crash: earliest kill (default 200)"},
    {"kill-max-ms", O_INT, OFF(kill_max_ms), "MS  crash: latest kill (default 1500)"},
    {"regions", O_STR, OFF(regions), "LIST  only these regions, e.g. 01,03"},
    {"quick", O_FLAG, OFF(quick), "a run of under 30 s (smaller population, short phases)"},
    {"no-baseline", O_FLAG, OFF(no_baseline), "skip the --commit-each run"},
    {"keep", O_FLAG, OFF(keep), "keep the scratch databases"},
    {"sync-inline", O_FLAG, OFF(sync_inline),
     "serve --sync-inline: group commits wait for the disk on the writer (no sync thread)"},
    {"curl-client", O_FLAG, OFF(curl_client),
     "send the bookings through libcurl (default: the lean socket client)"},
    {"pick-random", O_FLAG, OFF(pick_random),
     "book pairs uniformly at random over all days (default: a site's earliest free pair)"},
    {"rng", O_INT, OFF(rng_seed), "N  seed of the client's random choices"},
};

/* ------------------------------------------------------------ state */

enum pstate { P_TODO = 0, P_BOOKED, P_REFUSED, P_NOSLOT, P_UNKNOWN };

struct person {
    char pnr[13];
    uint8_t region; /* index into bench.regions */
    uint8_t state;  /* enum pstate */
};

/* A dose pair the benchmark may book: dose-1 slot and the dose-2 slot of the same
 * site and minute DOSE2_DAYS later. `left` is the client's view of free places. */
struct cell {
    int64_t slot[2];
    int cap;
    int left;
    int first; /* index of the first cell of its site */
    int cur;   /* on a site's first cell: its earliest cell that may have places */
};

struct region {
    char code[3];
    struct cell *cells;
    int ncells;
    int *live; /* indices of cells with left > 0 (lazily compacted) */
    int nlive;
    int64_t *sites; /* site ids with slots (for availability reads) */
    int nsites;
};

/* A 201 the client received: what must be in the database. */
struct ack {
    int person;
    int64_t slot[2];
    int64_t booking[2]; /* from the reply; 0 when absent */
};

enum req_kind { K_NONE = 0, K_LOGIN, K_BOOK, K_QUEUE, K_QUEUE_POLL, K_READ };

struct conn {
    CURL *h;
    struct curl_slist *hdrs;
    int id;
    int first, end, cur; /* person range and cursor */
    enum req_kind kind;
    bool busy;   /* a transfer is in the multi handle */
    bool done;   /* nothing more to do in this phase */
    bool resend; /* resend the current booking unchanged (same key) */
    bool resent; /* the booking in flight is a resend after a crash */
    int person;  /* current booking */
    int cell;    /* cell index in the person's region */
    int attempt;
    int login_region;
    char key[64];
    char body[192];
    size_t body_len;
    char url[256];
    char (*sess)[SESSION_LEN]; /* per region: session id, "" = none */
    char setcookie[SESSION_LEN];
    char qtoken[512];
    char *resp;
    size_t resp_len, resp_cap;
    /* lean client (see lean_send): the connection's keep-alive socket and request */
    int fd;           /* -1 = not connected */
    bool fd_used;     /* an answer has come on fd (an EOF before the next one: stale) */
    bool failed;      /* the request could not be sent: the loop completes it as an error */
    long status;      /* HTTP status of the answer */
    size_t need;      /* bytes of the whole answer once its headers are in, else 0 */
    size_t hlen;      /* bytes of its status line and headers */
    bool close_after; /* the answer said "Connection: close" */
    bool slow_told;   /* the loop has reported this request as slow */
    char *req;        /* the request as sent (resent once on a stale keep-alive socket) */
    size_t req_len, req_cap;
    double t0;
    double wake; /* do nothing before this time */
};

struct counts {
    uint64_t sent, ok201, refused, slot_full, busy, queued, errors, transport, noslot;
    uint64_t replayed, resend_ok, resend_conflict, reads_ok, reads_err, logins, slow;
};

struct bench {
    struct opts o;
    char db[1024], base_db[1024];
    struct person *persons;
    int npersons;
    struct region regions[MAX_REGIONS];
    int nregions;
    vx_day day0; /* first dose-1 day */
    int ndays;
    int64_t pair_places;
    struct ack *acks;
    size_t nacks, acks_cap;
    uint32_t *lat_us; /* latency of each 201 in this run */
    size_t nlat, lat_cap;
    float *ok_t; /* when each 201 of this run arrived (seconds after its start) */
    size_t nok_t, ok_t_cap;
    double run_t0;
    struct conn *conns;
    int nconns;
    CURLM *multi;
    int ep;               /* epoll set of libcurl's sockets and the lean client's */
    bool lean;            /* conn_send uses the lean socket client */
    double curl_deadline; /* when libcurl wants a timeout call (0 = none) */
    struct counts c;
    uint64_t rng;
    int server_starts;
};

struct server {
    pid_t pid;
    int port;
    char base[64]; /* "http://127.0.0.1:PORT" */
    char log[1100];
};

/* ------------------------------------------------------------ small helpers */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_next(struct bench *b)
{
    /* splitmix64: plenty for picking pairs and kill moments */
    uint64_t z = (b->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double cpu_self_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds (user + system) of process `pid` from /proc, or -1. */
static double cpu_proc_s(pid_t pid)
{
    char path[64], line[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')'); /* the command name may hold spaces */
    if (!p)
        return -1;
    /* after ") " come fields 3.. ; utime and stime are fields 14 and 15 */
    int field = 2;
    unsigned long long ut = 0, st = 0;
    for (p++; *p; p++) {
        if (*p == ' ') {
            field++;
            if (field == 14)
                ut = strtoull(p + 1, NULL, 10);
            else if (field == 15) {
                st = strtoull(p + 1, NULL, 10);
                break;
            }
        }
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Busy CPU seconds of the whole machine (all processes) from /proc/stat, or -1. */
static double cpu_machine_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return -1;
    /* user nice system idle iowait irq softirq steal: busy = all but idle and iowait */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

/* Bytes the process asked to write (wchar), write calls (syscw) and bytes that
 * went to storage (write_bytes) from /proc/PID/io; false when unreadable. */
struct proc_io {
    unsigned long long wchar, syscw, write_bytes;
};

static bool proc_io(pid_t pid, struct proc_io *out)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    FILE *f = fopen(path, "r");
    memset(out, 0, sizeof *out);
    if (!f)
        return false;
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {{"wchar: ", offsetof(struct proc_io, wchar)},
                {"syscw: ", offsetof(struct proc_io, syscw)},
                {"write_bytes: ", offsetof(struct proc_io, write_bytes)}};
    while (fgets(line, sizeof line, f))
        for (size_t i = 0; i < VX_ARRAY_LEN(keys); i++)
            if (strncmp(line, keys[i].key, strlen(keys[i].key)) == 0)
                *(unsigned long long *)((char *)out + keys[i].off) =
                    strtoull(line + strlen(keys[i].key), NULL, 10);
    fclose(f);
    return true;
}

static bool read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    struct vx_buf b;
    vx_buf_init(&b, 64u << 20);
    char tmp[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (vx_buf_append(&b, tmp, n) != VX_OK) {
            ok = false;
            break;
        }
    fclose(f);
    if (!ok || !b.data) {
        vx_buf_release(&b);
        return false;
    }
    *len = b.len;
    *out = vx_buf_detach(&b);
    return true;
}

static void remove_db(const char *path)
{
    static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
    char p[1100];
    for (size_t i = 0; i < VX_ARRAY_LEN(sides); i++) {
        snprintf(p, sizeof p, "%s%s", path, sides[i]);
        remove(p);
    }
}

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return errno == ENOENT; /* a missing -wal is fine */
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return false;
    }
    char buf[1 << 16];
    size_t n;
    bool ok = true;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            ok = false;
    fclose(in);
    if (fclose(out) != 0)
        ok = false;
    return ok;
}

/* Run argv to completion with stdout/stderr appended to `log`; the exit status or -1. */
static int run_cmd(char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int ws;
    if (waitpid(pid, &ws, 0) < 0)
        return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void print_log_tail(const char *log)
{
    char *text;
    size_t len;
    if (!read_file(log, &text, &len))
        return;
    size_t from = len > 3000 ? len - 3000 : 0;
    fprintf(stderr, "--- %s (tail) ---\n%s\n---\n", log, text + from);
    free(text);
}

static int region_index(struct bench *b, const char *code)
{
    for (int i = 0; i < b->nregions; i++)
        if (strcmp(b->regions[i].code, code) == 0)
            return i;
    return -1;
}

static bool region_selected(const struct bench *b, const char *code)
{
    if (!b->o.regions || !*b->o.regions)
        return true;
    const char *p = b->o.regions;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == strlen(code) && memcmp(p, code, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* ------------------------------------------------------------ server process */

/* Start `vaxchain serve` on DB at 127.0.0.1 (a free port) and wait until /healthz
 * answers 200. The log goes to DIR/serve-N.log. */
static bool server_start(struct bench *b, const char *db, bool commit_each, struct server *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->log, sizeof s->log, "%s/serve-%d.log", b->o.dir, ++b->server_starts);
    remove(s->log);
    char threads[32], rate[32];
    snprintf(threads, sizeof threads, "%d", b->o.threads);
    snprintf(rate, sizeof rate, "%g", b->o.admit_rate);
    char *argv[16];
    int a = 0;
    argv[a++] = (char *)b->o.vaxchain;
    argv[a++] = "serve";
    argv[a++] = "--db";
    argv[a++] = (char *)db;
    argv[a++] = "--listen";
    argv[a++] = "127.0.0.1:0";
    argv[a++] = "--dev-login";
    if (b->o.threads > 0) {
        argv[a++] = "--threads";
        argv[a++] = threads;
    }
    if (b->o.admit_rate > 0) {
        argv[a++] = "--admit-rate";
        argv[a++] = rate;
    }
    if (commit_each)
        argv[a++] = "--commit-each";
    else if (b->o.sync_inline)
        argv[a++] = "--sync-inline";
    argv[a] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = posix_spawn(&s->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "bench: cannot start %s: %s\n", argv[0], strerror(rc));
        return false;
    }
    /* The serve command prints "vaxchain serve: http://127.0.0.1:PORT/" once listening. */
    double deadline = now_s() + 120;
    while (now_s() < deadline) {
        int ws;
        if (waitpid(s->pid, &ws, WNOHANG) == s->pid) {
            fprintf(stderr, "bench: the server exited at start (status %d)\n",
                    WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
            print_log_tail(s->log);
            s->pid = 0;
            return false;
        }
        char *text;
        size_t len;
        if (read_file(s->log, &text, &len)) {
            const char *p = strstr(text, "http://127.0.0.1:");
            if (p) {
                s->port = (int)strtol(p + strlen("http://127.0.0.1:"), NULL, 10);
                free(text);
                break;
            }
            free(text);
        }
        usleep(20000);
    }
    if (s->port <= 0) {
        fprintf(stderr, "bench: the server did not start listening\n");
        print_log_tail(s->log);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
        return false;
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    return true;
}

/* SIGTERM and wait (up to 60 s, then SIGKILL). Returns the exit status or -1. */
static int server_stop(struct server *s)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    double deadline = now_s() + 60;
    int ws = 0;
    while (waitpid(s->pid, &ws, WNOHANG) == 0) {
        if (now_s() > deadline) {
            fprintf(stderr, "bench: server did not stop in 60 s; killing it\n");
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &ws, 0);
            break;
        }
        usleep(20000);
    }
    s->pid = 0;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void server_kill9(struct server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

/* ------------------------------------------------------------ blocking HTTP (setup) */

struct simple_resp {
    long status;
    struct vx_buf body;
    char cookie[SESSION_LEN];
};

static size_t simple_write(char *p, size_t sz, size_t n, void *ud)
{
    struct simple_resp *r = ud;
    return vx_buf_append(&r->body, p, sz * n) == VX_OK ? sz * n : 0;
}

/* Copy the value of vx_session from a "Set-Cookie:" header line into out. */
static void grab_cookie(const char *line, size_t len, char *out)
{
    static const char pfx[] = "set-cookie: vx_session=";
    if (len < sizeof pfx - 1 || strncasecmp(line, pfx, sizeof pfx - 1) != 0)
        return;
    const char *v = line + sizeof pfx - 1;
    size_t k = 0;
    while (v + k < line + len && v[k] != ';' && v[k] != '\r' && v[k] != '\n' && k < SESSION_LEN - 1)
        k++;
    memcpy(out, v, k);
    out[k] = '\0';
}

static size_t simple_header(char *p, size_t sz, size_t n, void *ud)
{
    struct simple_resp *r = ud;
    grab_cookie(p, sz * n, r->cookie);
    return sz * n;
}

/* One blocking request. `body` NULL = GET. `cookie` may be NULL. The caller releases
 * r->body. False on a transport error. */
static bool http_simple(const struct server *s, const char *method, const char *path,
                        const char *cookie, const char *body, struct simple_resp *r)
{
    memset(r, 0, sizeof *r);
    vx_buf_init(&r->body, RESP_MAX);
    CURL *h = curl_easy_init();
    if (!h)
        return false;
    char url[512], ck[128];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    struct curl_slist *hd = NULL;
    hd = curl_slist_append(hd, "X-Requested-With: vaxchain");
    hd = curl_slist_append(hd, "Content-Type: application/json");
    if (cookie && *cookie) {
        snprintf(ck, sizeof ck, "Cookie: vx_session=%s", cookie);
        hd = curl_slist_append(hd, ck);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, simple_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, simple_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return rc == CURLE_OK;
}

/* Wait until GET /healthz is 200 (the engine has rebuilt its inventory). */
static bool wait_healthy(const struct server *s, double timeout)
{
    double deadline = now_s() + timeout;
    while (now_s() < deadline) {
        struct simple_resp r;
        bool ok = http_simple(s, "GET", "/healthz", NULL, NULL, &r);
        vx_buf_release(&r.body);
        if (ok && r.status == 200)
            return true;
        usleep(20000);
    }
    fprintf(stderr, "bench: /healthz did not answer 200\n");
    return false;
}

/* Dev login as staff; the session id goes to out. */
static bool staff_login(const struct server *s, const char *role, const char *region,
                        const char *user, char *out)
{
    char body[256];
    snprintf(body, sizeof body, "{\"role\":\"%s\",\"region\":\"%s\",\"user\":\"%s\"}", role, region,
             user);
    struct simple_resp r;
    bool ok = http_simple(s, "POST", "/api/v1/session", NULL, body, &r);
    if (!ok || (r.status != 200 && r.status != 201) || !r.cookie[0]) {
        fprintf(stderr, "bench: login as %s (%s) failed: HTTP %ld %s\n", role, region, r.status,
                r.body.data ? r.body.data : "");
        vx_buf_release(&r.body);
        return false;
    }
    memcpy(out, r.cookie, SESSION_LEN);
    vx_buf_release(&r.body);
    return true;
}

/* Each selected region's coordinator releases the cohort "born Y or earlier" now. */
static bool open_cohort(struct bench *b, const struct server *s)
{
    char rel[32];
    vx_time_format_local((vx_time)time(NULL) - 60, rel);
    for (int i = 0; i < b->nregions; i++) {
        char sess[SESSION_LEN], user[32], body[512];
        snprintf(user, sizeof user, "coord%s", b->regions[i].code);
        if (!staff_login(s, "regional_coordinator", b->regions[i].code, user, sess))
            return false;
        snprintf(body, sizeof body,
                 "{\"label\":\"bench: born %d or earlier\",\"born_to\":%d,\"release_at\":\"%s\"}",
                 b->o.born_to, b->o.born_to, rel);
        struct simple_resp r;
        bool ok = http_simple(s, "POST", "/api/v1/cohorts", sess, body, &r);
        if (!ok || r.status < 200 || r.status > 299) {
            fprintf(stderr, "bench: opening the cohort in region %s failed: HTTP %ld %s\n",
                    b->regions[i].code, r.status, r.body.data ? r.body.data : "");
            vx_buf_release(&r.body);
            return false;
        }
        vx_buf_release(&r.body);
    }
    return true;
}

/* The server's /metrics text (empty buffer when it cannot be read). */
static struct vx_buf metrics_text(const struct server *s)
{
    struct simple_resp r;
    if (!http_simple(s, "GET", "/metrics", NULL, NULL, &r) || !r.body.data)
        vx_buf_release(&r.body);
    return r.body;
}

/* The value of the sample `name` (the text up to its value) in metrics text `m`. */
static bool metric_value(const char *m, const char *name, size_t len, double *v)
{
    for (const char *p = m; p && *p;) {
        if (!strncmp(p, name, len) && p[len] == ' ') {
            *v = strtod(p + len + 1, NULL);
            return true;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return false;
}

/* Print the server's booking metrics (batch sizes, queue, thread times) for the
 * report: the value at the end and, for counters, what the storm added since
 * `before` (the metrics text at its start, may be empty). */
static void print_metrics(const struct server *s, const struct vx_buf *before)
{
    struct vx_buf r = metrics_text(s);
    int shown = 0;
    for (char *line = r.data; line && *line && shown < 40;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t ll = strlen(line);
        char *sp = strrchr(line, ' ');
        double v0;
        if (strncmp(line, "vx_book", 7) == 0 && !strstr(line, "_bucket") &&
            !(ll > 2 && strcmp(line + ll - 2, " 0") == 0)) {
            if (sp && before->data && strstr(line, "_total") &&
                metric_value(before->data, line, (size_t)(sp - line), &v0))
                printf("    %s (storm: +%g)\n", line, strtod(sp + 1, NULL) - v0);
            else
                printf("    %s\n", line);
            shown++;
        }
        line = nl ? nl + 1 : NULL;
    }
    vx_buf_release(&r);
}

/* ------------------------------------------------------------ setup */

static bool load_persons(struct bench *b, sqlite3 *db)
{
    sqlite3_stmt *q;
    const char *sql = "SELECT pnr, region_code FROM persons WHERE birth_date <= ?1 AND "
                      "(flags & ?2) = 0 ORDER BY region_code, id";
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int(q, 1, b->o.born_to * 10000 + 1231);
    sqlite3_bind_int(q, 2, (int)VX_PF_DECEASED);
    size_t cap = 1024;
    b->persons = malloc(cap * sizeof *b->persons);
    while (b->persons && sqlite3_step(q) == SQLITE_ROW) {
        const char *pnr = (const char *)sqlite3_column_text(q, 0);
        const char *reg = (const char *)sqlite3_column_text(q, 1);
        if (!pnr || !reg || strlen(pnr) != 12 || !region_selected(b, reg))
            continue;
        int ri = region_index(b, reg);
        if (ri < 0) {
            if (b->nregions == MAX_REGIONS)
                continue;
            ri = b->nregions++;
            snprintf(b->regions[ri].code, sizeof b->regions[ri].code, "%s", reg);
        }
        if ((size_t)b->npersons == cap) {
            cap *= 2;
            struct person *np = realloc(b->persons, cap * sizeof *np);
            if (!np)
                break;
            b->persons = np;
        }
        struct person *p = &b->persons[b->npersons++];
        memcpy(p->pnr, pnr, 13);
        p->region = (uint8_t)ri;
        p->state = P_TODO;
    }
    sqlite3_finalize(q);
    return b->persons && b->npersons > 0;
}

static int cmp_slot_key(const void *a, const void *b)
{
    const struct vx_book_slot_info *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->start_minute - y->start_minute;
}

/* Add the cells of one site from its dose-1 and dose-2 slots (sorted). */
static bool add_cells(struct region *g, struct vx_book_slot_info *s1, int n1,
                      struct vx_book_slot_info *s2, int n2)
{
    qsort(s1, (size_t)n1, sizeof *s1, cmp_slot_key); /* cells in time order (pick_cell) */
    qsort(s2, (size_t)n2, sizeof *s2, cmp_slot_key);
    struct cell *nc = realloc(g->cells, (size_t)(g->ncells + n1) * sizeof *nc);
    if (!nc)
        return false;
    g->cells = nc;
    int first = g->ncells;
    for (int i = 0; i < n1; i++) {
        struct vx_book_slot_info key = {.day = s1[i].day + DOSE2_DAYS,
                                        .start_minute = s1[i].start_minute};
        const struct vx_book_slot_info *m = bsearch(&key, s2, (size_t)n2, sizeof *s2, cmp_slot_key);
        if (!m || !s1[i].released || !m->released)
            continue;
        int free1 = s1[i].capacity - s1[i].booked, free2 = m->capacity - m->booked;
        int left = free1 < free2 ? free1 : free2;
        if (left <= 0)
            continue;
        g->cells[g->ncells++] = (struct cell){.slot = {s1[i].slot_id, m->slot_id},
                                              .cap = left,
                                              .left = left,
                                              .first = first,
                                              .cur = first};
    }
    return true;
}

static bool load_data(const char *name, char **text, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", VX_DATA_DIR, name);
    if (!read_file(path, text, len)) {
        fprintf(stderr, "bench: cannot read %s\n", path);
        return false;
    }
    return true;
}

/*
 * Create the database: init + demo-data through the CLI, then slots and supply
 * through the engine, sized to R × demand pairs. Fills persons, regions, cells.
 */
static bool setup(struct bench *b)
{
    double t0 = now_s();
    char log[1100], scale[32], seed[32];
    snprintf(log, sizeof log, "%s/setup.log", b->o.dir);
    remove(log);
    remove_db(b->db);
    snprintf(scale, sizeof scale, "%g", b->o.scale);
    snprintf(seed, sizeof seed, "%d", b->o.seed);
    char *init[] = {(char *)b->o.vaxchain, "init", "--db", b->db, NULL};
    char *demo[] = {(char *)b->o.vaxchain,
                    "demo-data",
                    "--db",
                    b->db,
                    "--scale",
                    scale,
                    "--seed",
                    seed,
                    "--quiet",
                    NULL};
    if (run_cmd(init, log) != 0 || run_cmd(demo, log) != 0) {
        fprintf(stderr, "bench: init/demo-data failed\n");
        print_log_tail(log);
        return false;
    }
    sqlite3 *db;
    if (sqlite3_open_v2(b->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        !load_persons(b, db)) {
        fprintf(stderr, "bench: no persons born %d or earlier in %s\n", b->o.born_to, b->db);
        sqlite3_close(db);
        return false;
    }
    sqlite3_close(db);

    /* Catalogue and rules for the engine. */
    struct vx_arena ar;
    vx_arena_init(&ar, 0);
    char *ctext = NULL, *rtext = NULL;
    size_t clen, rlen;
    const struct vx_catalog *cat;
    struct vx_elig_table rules;
    struct vx_err err = {0};
    struct vx_book_engine *eng = NULL;
    bool ok = false;
    struct vx_site_rec *sites = NULL;
    struct vx_book_slot_info *s1 = NULL, *s2 = NULL;
    if (!load_data("vaccines.json", &ctext, &clen) || !load_data("eligibility.json", &rtext, &rlen))
        goto out;
    if (vx_catalog_parse(ctext, clen, &ar, &cat, &err) != VX_OK ||
        vx_elig_parse(rtext, rlen, &ar, &rules, &err) != VX_OK ||
        vx_book_engine_open(b->db, cat, &rules, NULL, &eng, &err) != VX_OK) {
        fprintf(stderr, "bench: setup: %s\n", err.msg);
        goto out;
    }
    int nsites = 0;
    vx_book_sites(eng, "", "", NULL, 0, &nsites);
    sites = calloc((size_t)nsites + 1, sizeof *sites);
    if (!sites || vx_book_sites(eng, "", "", sites, nsites, &nsites) != VX_OK)
        goto out;

    /* First dose-1 day: the Monday at least a week from today (Stockholm). */
    vx_day today;
    int minute;
    vx_stockholm_local((vx_time)time(NULL), &today, &minute);
    b->day0 = today + 7;
    while (vx_weekday(b->day0) != 1)
        b->day0++;
    /* Enough days for ratio × demand pairs (at most MAX_DAYS). */
    static struct vx_book_slot_time st[VX_BOOK_MAX_DAY_SLOTS];
    int64_t want = (int64_t)(b->o.ratio * b->npersons), have = 0;
    b->ndays = 0;
    while (have < want && b->ndays < MAX_DAYS) {
        for (int i = 0; i < nsites; i++) {
            if (region_index(b, sites[i].region) < 0)
                continue;
            int n = vx_book_day_slots(&sites[i], b->day0 + b->ndays, VX_BOOK_DEFAULT_SLOT, st,
                                      VX_BOOK_MAX_DAY_SLOTS);
            for (int k = 0; k < n && k < VX_BOOK_MAX_DAY_SLOTS; k++)
                have += st[k].capacity;
        }
        b->ndays++;
    }
    vx_day d1a = b->day0, d1b = b->day0 + b->ndays - 1;
    vx_day d2a = d1a + DOSE2_DAYS, d2b = d1b + DOSE2_DAYS;
    int cap = VX_BOOK_MAX_DAY_SLOTS * (b->ndays + 1);
    s1 = malloc((size_t)cap * sizeof *s1);
    s2 = malloc((size_t)cap * sizeof *s2);
    if (!s1 || !s2)
        goto out;
    for (int i = 0; i < nsites; i++) {
        int ri = region_index(b, sites[i].region);
        if (ri < 0)
            continue;
        int n1 = 0, n2 = 0, made = 0;
        if (vx_book_slots_generate(eng, sites[i].id, VACCINE, d1a, d1b, &made, &err) != VX_OK ||
            vx_book_slots_generate(eng, sites[i].id, VACCINE, d2a, d2b, &made, &err) != VX_OK) {
            fprintf(stderr, "bench: slots for site %s: %s\n", sites[i].code, err.msg);
            goto out;
        }
        /* Supply: everything generated, delivered in the first week (the release rule
         * adds up earlier weeks, so this covers the dose-2 weeks too). */
        if (vx_book_availability(eng, sites[i].id, d1a, d1b, s1, cap, &n1) != VX_OK ||
            vx_book_availability(eng, sites[i].id, d2a, d2b, s2, cap, &n2) != VX_OK)
            goto out;
        int total = 0;
        for (int k = 0; k < n1 && k < cap; k++)
            total += s1[k].capacity;
        for (int k = 0; k < n2 && k < cap; k++)
            total += s2[k].capacity;
        if (total == 0)
            continue;
        struct vx_supply_rec sup = {
            .site_id = sites[i].id, .week = vx_isoweek_of(d1a), .delivered = total};
        snprintf(sup.vaccine, sizeof sup.vaccine, "%s", VACCINE);
        if (vx_book_supply_set(eng, &sup, &err) != VX_OK) {
            fprintf(stderr, "bench: supply for site %s: %s\n", sites[i].code, err.msg);
            goto out;
        }
        /* Read again: `released` reflects the supply now. */
        if (vx_book_availability(eng, sites[i].id, d1a, d1b, s1, cap, &n1) != VX_OK ||
            vx_book_availability(eng, sites[i].id, d2a, d2b, s2, cap, &n2) != VX_OK)
            goto out;
        struct region *g = &b->regions[ri];
        if (!add_cells(g, s1, n1 < cap ? n1 : cap, s2, n2 < cap ? n2 : cap))
            goto out;
        int64_t *ns = realloc(g->sites, (size_t)(g->nsites + 1) * sizeof *ns);
        if (!ns)
            goto out;
        g->sites = ns;
        g->sites[g->nsites++] = sites[i].id;
    }
    b->pair_places = 0;
    for (int r = 0; r < b->nregions; r++) {
        struct region *g = &b->regions[r];
        g->live = malloc(((size_t)g->ncells + 1) * sizeof *g->live);
        if (!g->live)
            goto out;
        for (int k = 0; k < g->ncells; k++)
            b->pair_places += g->cells[k].cap;
    }
    ok = true;
out:
    vx_book_engine_close(eng);
    free(sites);
    free(s1);
    free(s2);
    free(ctext);
    free(rtext);
    vx_arena_release(&ar);
    if (ok) {
        char d0[11];
        vx_day_format(b->day0, d0);
        printf("setup: %d persons born %d or earlier in %d regions (demand), %lld pair places "
               "(%.0f %% of demand) on %d days from %s, dose 2 %d days later; %.1f s\n",
               b->npersons, b->o.born_to, b->nregions, (long long)b->pair_places,
               100.0 * (double)b->pair_places / b->npersons, b->ndays, d0, DOSE2_DAYS,
               now_s() - t0);
        fflush(stdout);
    }
    return ok;
}

/* Reset the client's view and the persons for a fresh run on a copy of the setup. */
static void reset_run_state(struct bench *b)
{
    for (int r = 0; r < b->nregions; r++) {
        struct region *g = &b->regions[r];
        g->nlive = 0;
        for (int k = 0; k < g->ncells; k++) {
            g->cells[k].left = g->cells[k].cap;
            g->cells[k].cur = g->cells[k].first;
            g->live[g->nlive++] = k;
        }
    }
    for (int i = 0; i < b->npersons; i++)
        b->persons[i].state = P_TODO;
    b->nacks = 0;
    for (int i = 0; i < b->nconns; i++) {
        struct conn *c = &b->conns[i];
        c->first = c->cur = (int)((int64_t)b->npersons * i / b->nconns);
        c->end = (int)((int64_t)b->npersons * (i + 1) / b->nconns);
        c->resend = false;
        c->attempt = 0;
    }
}

/*
 * Take a free pair of region r from the client's view; -1 when none is left. By
 * default a site (weighted by its free pairs) and its earliest free pair: what
 * people do when a cohort opens — the first free time at a site near home, so the
 * early days of every site fill first. --pick-random: any free pair, uniformly over
 * all sites and days (consecutive bookings then touch unrelated slot rows and index
 * pages: the most log per booking, docs/benchmarks.md).
 */
static int pick_cell(struct bench *b, int r)
{
    struct region *g = &b->regions[r];
    while (g->nlive > 0) {
        int k = (int)(rng_next(b) % (uint64_t)g->nlive);
        int ci = g->live[k];
        if (g->cells[ci].left > 0 && !b->o.pick_random) {
            /* ci's site, and its earliest cell with places: the cursor only passes
             * full cells, so it stops at ci at the latest */
            struct cell *f = &g->cells[g->cells[ci].first];
            while (g->cells[f->cur].left == 0)
                f->cur++;
            ci = f->cur;
            if (--g->cells[ci].left == 0 && ci == g->live[k])
                g->live[k] = g->live[--g->nlive];
            return ci; /* a full cell's other entries in `live` go when drawn */
        }
        if (g->cells[ci].left > 0) {
            if (--g->cells[ci].left == 0)
                g->live[k] = g->live[--g->nlive];
            return ci;
        }
        g->live[k] = g->live[--g->nlive];
    }
    return -1;
}

/* ------------------------------------------------------------ the load generator */

static size_t conn_write(char *p, size_t sz, size_t n, void *ud)
{
    struct conn *c = ud;
    size_t len = sz * n;
    if (c->resp_len + len + 1 > c->resp_cap) {
        size_t nc = c->resp_cap ? c->resp_cap : 4096;
        while (nc < c->resp_len + len + 1)
            nc *= 2;
        if (nc > RESP_MAX)
            return 0;
        char *np = realloc(c->resp, nc);
        if (!np)
            return 0;
        c->resp = np;
        c->resp_cap = nc;
    }
    memcpy(c->resp + c->resp_len, p, len);
    c->resp_len += len;
    c->resp[c->resp_len] = '\0';
    return len;
}

static size_t conn_header(char *p, size_t sz, size_t n, void *ud)
{
    struct conn *c = ud;
    if (c->kind == K_LOGIN)
        grab_cookie(p, sz * n, c->setcookie);
    return sz * n;
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *ud, void *socketp);
static int on_curl_timer(CURLM *multi, long timeout_ms, void *ud);
static void lean_close(struct bench *b, struct conn *c);

static bool conns_init(struct bench *b)
{
    b->nconns = b->o.conns;
    b->conns = calloc((size_t)b->nconns, sizeof *b->conns);
    b->multi = curl_multi_init();
    if (!b->conns || !b->multi)
        return false;
    curl_multi_setopt(b->multi, CURLMOPT_MAXCONNECTS, (long)b->nconns + 16);
    b->ep = epoll_create1(EPOLL_CLOEXEC);
    if (b->ep < 0)
        return false;
    curl_multi_setopt(b->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(b->multi, CURLMOPT_SOCKETDATA, b);
    curl_multi_setopt(b->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(b->multi, CURLMOPT_TIMERDATA, b);
    for (int i = 0; i < b->nconns; i++) {
        struct conn *c = &b->conns[i];
        c->id = i;
        c->fd = -1;
        c->h = curl_easy_init();
        c->sess = calloc(MAX_REGIONS, sizeof *c->sess);
        if (!c->h || !c->sess)
            return false;
        curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 60000L);
        curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, conn_write);
        curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, conn_header);
        curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
        curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
    }
    return true;
}

static void conns_free(struct bench *b)
{
    for (int i = 0; i < b->nconns; i++) {
        struct conn *c = &b->conns[i];
        if (c->busy)
            curl_multi_remove_handle(b->multi, c->h);
        curl_easy_cleanup(c->h);
        curl_slist_free_all(c->hdrs);
        lean_close(b, c);
        free(c->sess);
        free(c->resp);
        free(c->req);
    }
    free(b->conns);
    if (b->multi)
        curl_multi_cleanup(b->multi);
    if (b->ep >= 0)
        close(b->ep);
}

/* Forget every session (after a server restart). */
static void conns_forget_sessions(struct bench *b)
{
    for (int i = 0; i < b->nconns; i++)
        memset(b->conns[i].sess, 0, MAX_REGIONS * sizeof *b->conns[i].sess);
}

/* Phase parameters for the loop. */
struct phase {
    const struct server *srv;
    bool reads;     /* availability reads instead of bookings */
    double stop_at; /* stop sending new work at this time (0 = never) */
    double kill_at; /* crash: kill -9 the server at this time (0 = never) */
    bool killed;
    int busy_at_kill; /* connections waiting for an answer when it was killed */
    struct server *killsrv;
    char read_path[2][64]; /* "?from=...&to=..." */
};

/* ------------------------------------------------------------ lean client */

/*
 * The load generator's own CPU counts: client and server share the two cores, and
 * libcurl spends ~35 us of CPU per booking (a third of what the server spends). So by
 * default every request goes out as ready-made HTTP/1.1 text on one keep-alive socket
 * per connection, watched by the same epoll set as libcurl's, and of each answer only
 * the status line and three headers are looked at: Content-Length (the server sends
 * one with every answer; one without is an error), Connection: close, and Set-Cookie
 * of a login. The body is kept whole for the JSON checks of conn_done. One request per
 * connection at a time (no pipelining), as a call-centre screen works. --curl-client
 * sends everything through libcurl instead.
 */
#define LEAN_TAG (1ull << 32) /* epoll data of a lean socket: LEAN_TAG | connection id */

static void lean_close(struct bench *b, struct conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->fd_used = false;
}

static bool lean_connect(struct bench *b, struct conn *c, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0)
        return false;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LEAN_TAG | (uint64_t)c->id};
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return false;
    }
    c->fd = fd;
    c->fd_used = false;
    return true;
}

/* Send c->req whole on the connection's socket; a socket that the server has closed
 * (idle keep-alive, or a server that was killed and restarted) is replaced once. */
static bool lean_write(struct bench *b, struct conn *c, int port)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && !lean_connect(b, c, port))
            return false;
        size_t off = 0;
        while (off < c->req_len) {
            ssize_t w = send(c->fd, c->req + off, c->req_len - off, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        if (off == c->req_len)
            return true;
        lean_close(b, c);
    }
    return false;
}

/* Append to c->req (sized by lean_send for everything it writes). */
static void lean_put(struct conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->req + c->req_len, c->req_cap - c->req_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        c->req_len += (size_t)n < c->req_cap - c->req_len ? (size_t)n : 0;
}

static void lean_send(struct bench *b, struct conn *c, const struct server *s, const char *path,
                      bool post, const char *session, bool idem)
{
    size_t cap = 512 + strlen(path) + SESSION_LEN + sizeof c->key + sizeof c->qtoken + c->body_len;
    if (c->req_cap < cap) {
        char *nr = realloc(c->req, cap);
        if (!nr) {
            c->failed = c->busy = true;
            return;
        }
        c->req = nr;
        c->req_cap = cap;
    }
    c->req_len = 0;
    lean_put(c, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Requested-With: vaxchain\r\n",
             post ? "POST" : "GET", path, s->port);
    if (session && *session)
        lean_put(c, "Cookie: vx_session=%s\r\n", session);
    if (idem) {
        lean_put(c, "Idempotency-Key: %s\r\n", c->key);
        if (c->qtoken[0])
            lean_put(c, "X-Queue-Token: %s\r\n", c->qtoken);
    }
    if (post)
        lean_put(c, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%.*s",
                 c->body_len, (int)c->body_len, c->body);
    else
        lean_put(c, "\r\n");
    c->resp_len = c->need = c->hlen = 0;
    c->status = 0;
    c->close_after = false;
    c->t0 = now_s();
    c->busy = true;
    c->slow_told = false;
    c->failed = !lean_write(b, c, s->port);
}

static void conn_done(struct bench *b, struct conn *c, struct phase *ph, CURLcode cc);

/* What has arrived on the socket of `c`; conn_done once the answer is whole. */
static void lean_read(struct bench *b, struct conn *c, struct phase *ph)
{
    if (!c->busy) { /* an idle socket: the server closed it (or was killed) */
        lean_close(b, c);
        return;
    }
    if (c->resp_cap - c->resp_len < 4097) {
        size_t nc = c->resp_cap ? c->resp_cap * 2 : 16384;
        char *nr = nc <= RESP_MAX ? realloc(c->resp, nc) : NULL;
        if (!nr) {
            lean_close(b, c);
            c->busy = false;
            conn_done(b, c, ph, CURLE_OUT_OF_MEMORY);
            return;
        }
        c->resp = nr;
        c->resp_cap = nc;
    }
    ssize_t got = recv(c->fd, c->resp + c->resp_len, c->resp_cap - c->resp_len - 1, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        /* an EOF before any byte on a socket that has answered before: the server had
         * closed it while idle; the request goes once more on a new socket */
        bool stale = got == 0 && c->resp_len == 0 && c->fd_used;
        lean_close(b, c);
        if (stale && lean_write(b, c, ph->srv->port))
            return;
        c->busy = false;
        conn_done(b, c, ph, CURLE_RECV_ERROR);
        return;
    }
    c->resp_len += (size_t)got;
    c->resp[c->resp_len] = '\0';
    if (c->need == 0) {
        char *end = strstr(c->resp, "\r\n\r\n");
        if (!end)
            return;
        c->hlen = (size_t)(end + 4 - c->resp);
        c->status = strncmp(c->resp, "HTTP/1.1 ", 9) == 0 ? strtol(c->resp + 9, NULL, 10) : 0;
        long long clen = -1;
        for (char *line = strstr(c->resp, "\r\n"); line && line < end;
             line = strstr(line + 2, "\r\n")) {
            const char *h = line + 2;
            size_t len = strcspn(h, "\r\n");
            if (len >= 15 && strncasecmp(h, "content-length:", 15) == 0)
                clen = strtoll(h + 15, NULL, 10);
            else if (len >= 17 && strncasecmp(h, "connection: close", 17) == 0)
                c->close_after = true;
            else if (c->kind == K_LOGIN)
                grab_cookie(h, len, c->setcookie);
        }
        if (clen < 0 || clen > (long long)RESP_MAX) {
            lean_close(b, c);
            c->busy = false;
            conn_done(b, c, ph, CURLE_WEIRD_SERVER_REPLY);
            return;
        }
        c->need = c->hlen + (size_t)clen;
    }
    if (c->resp_len < c->need)
        return;
    size_t blen = c->need - c->hlen; /* the body, to the front, as libcurl's callback has it */
    memmove(c->resp, c->resp + c->hlen, blen);
    c->resp_len = blen;
    c->resp[blen] = '\0';
    c->busy = false;
    c->fd_used = true;
    if (c->close_after)
        lean_close(b, c);
    conn_done(b, c, ph, CURLE_OK);
}

/* Hand the prepared request of `c` to the multi handle. */
static void conn_send(struct bench *b, struct conn *c, const struct server *s, const char *path,
                      bool post, const char *session, bool idem)
{
    if (b->lean) {
        lean_send(b, c, s, path, post, session, idem);
        return;
    }
    curl_slist_free_all(c->hdrs);
    c->hdrs = NULL;
    char line[600];
    c->hdrs = curl_slist_append(c->hdrs, "X-Requested-With: vaxchain");
    c->hdrs = curl_slist_append(c->hdrs, "Expect:");
    if (post)
        c->hdrs = curl_slist_append(c->hdrs, "Content-Type: application/json");
    if (session && *session) {
        snprintf(line, sizeof line, "Cookie: vx_session=%s", session);
        c->hdrs = curl_slist_append(c->hdrs, line);
    }
    if (idem) {
        snprintf(line, sizeof line, "Idempotency-Key: %s", c->key);
        c->hdrs = curl_slist_append(c->hdrs, line);
        if (c->qtoken[0]) {
            snprintf(line, sizeof line, "X-Queue-Token: %s", c->qtoken);
            c->hdrs = curl_slist_append(c->hdrs, line);
        }
    }
    snprintf(c->url, sizeof c->url, "%s%s", s->base, path);
    curl_easy_setopt(c->h, CURLOPT_URL, c->url);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
    if (post) {
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, c->body);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)c->body_len);
    } else {
        curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    }
    c->resp_len = 0;
    if (c->resp)
        c->resp[0] = '\0';
    c->t0 = now_s();
    c->busy = true;
    c->slow_told = false;
    curl_multi_add_handle(b->multi, c->h);
}

static void conn_login(struct bench *b, struct conn *c, const struct server *s, int region)
{
    c->kind = K_LOGIN;
    c->login_region = region;
    c->setcookie[0] = '\0';
    c->body_len = (size_t)snprintf(c->body, sizeof c->body,
                                   "{\"role\":\"callcentre\",\"region\":\"%s\",\"user\":"
                                   "\"agent%d\"}",
                                   b->regions[region].code, c->id);
    b->c.logins++;
    conn_send(b, c, s, "/api/v1/session", true, NULL, false);
}

static void conn_rebuild_book(struct bench *b, struct conn *c);

/* Start the next piece of work of `c`, or mark it done. */
static void conn_next(struct bench *b, struct conn *c, struct phase *ph)
{
    double t = now_s();
    if (ph->killed || (ph->stop_at > 0 && t >= ph->stop_at)) {
        c->done = true;
        return;
    }
    if (c->wake > t)
        return; /* the loop comes back */
    if (ph->reads) {
        int r = c->first < b->npersons ? b->persons[c->first].region : 0;
        if (!c->sess[r][0]) {
            conn_login(b, c, ph->srv, r);
            return;
        }
        /* a site of the agent's region (staff see their region's sites only) */
        const struct region *g = &b->regions[r];
        if (g->nsites == 0) {
            c->wake = t + 0.001;
            return;
        }
        char path[160];
        snprintf(path, sizeof path, "/api/v1/sites/%lld/availability%s",
                 (long long)g->sites[rng_next(b) % (uint64_t)g->nsites], ph->read_path[0]);
        c->kind = K_READ;
        conn_send(b, c, ph->srv, path, false, c->sess[r], false);
        return;
    }
    if (c->resend) {
        int r = b->persons[c->person].region;
        if (!c->sess[r][0]) {
            conn_login(b, c, ph->srv, r);
            return;
        }
        c->kind = K_BOOK;
        c->resent = true;
        conn_rebuild_book(b, c); /* the body buffer may have carried a queue request */
        conn_send(b, c, ph->srv, "/api/v1/bookings", true, c->sess[r], true);
        return;
    }
    while (c->cur < c->end) {
        int p = c->cur;
        int r = b->persons[p].region;
        if (!c->sess[r][0]) {
            conn_login(b, c, ph->srv, r);
            return;
        }
        int ci = pick_cell(b, r);
        if (ci < 0) {
            b->persons[p].state = P_NOSLOT;
            b->c.noslot++;
            c->cur++;
            c->attempt = 0;
            continue;
        }
        const struct cell *cl = &b->regions[r].cells[ci];
        c->person = p;
        c->cell = ci;
        c->kind = K_BOOK;
        c->resent = false;
        snprintf(c->key, sizeof c->key, "bench-%d-%d", p, c->attempt);
        c->body_len = (size_t)snprintf(
            c->body, sizeof c->body, "{\"slot1\":%lld,\"slot2\":%lld,\"person\":\"%s\"}",
            (long long)cl->slot[0], (long long)cl->slot[1], b->persons[p].pnr);
        b->c.sent++;
        conn_send(b, c, ph->srv, "/api/v1/bookings", true, c->sess[r], true);
        return;
    }
    c->done = true;
}

/*
 * cJSON's allocations while the client reads one answer come from a bump arena of
 * its thread, emptied after each answer: the client reads ~30,000 answers a second
 * on the same two cores as the server, and malloc/free of the parse trees' nodes
 * were a fifth of its time. Outside jarena_begin/_end, and for a tree larger than
 * the arena, cJSON gets malloc; jfree tells the arena's blocks by their address.
 */
static _Thread_local struct {
    _Alignas(16) char buf[64 << 10];
    size_t used;
    bool on;
} jarena;

static void *jmalloc(size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (jarena.on && need >= n && need <= sizeof jarena.buf - jarena.used) {
        void *p = jarena.buf + jarena.used;
        jarena.used += need;
        return p;
    }
    return malloc(n);
}

static void jfree(void *p)
{
    if ((char *)p >= jarena.buf && (char *)p < jarena.buf + sizeof jarena.buf)
        return; /* emptied as a whole by jarena_end */
    free(p);
}

static void jarena_begin(void)
{
    jarena.used = 0;
    jarena.on = true;
}

static void jarena_end(void)
{
    jarena.on = false;
    jarena.used = 0;
}

static void add_ack(struct bench *b, int person, const int64_t slot[2], const char *json)
{
    if (b->nacks == b->acks_cap) {
        size_t nc = b->acks_cap ? b->acks_cap * 2 : 4096;
        struct ack *na = realloc(b->acks, nc * sizeof *na);
        if (!na)
            return; /* counted as lost at verification: never hides a problem */
        b->acks = na;
        b->acks_cap = nc;
    }
    struct ack *a = &b->acks[b->nacks++];
    *a = (struct ack){.person = person, .slot = {slot[0], slot[1]}};
    /* booking ids from {"bookings":[{"id":..},..]} when the reply has them */
    jarena_begin();
    cJSON *doc = cJSON_Parse(json);
    const cJSON *bk = cJSON_GetObjectItemCaseSensitive(doc, "bookings");
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, bk)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        if (k < 2 && cJSON_IsNumber(id))
            a->booking[k++] = (int64_t)cJSON_GetNumberValue(id);
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "replayed")))
        b->c.replayed++;
    cJSON_Delete(doc);
    jarena_end();
}

static void add_ok_time(struct bench *b, double t)
{
    if (b->nok_t == b->ok_t_cap) {
        size_t nc = b->ok_t_cap ? b->ok_t_cap * 2 : 65536;
        float *nt = realloc(b->ok_t, nc * sizeof *nt);
        if (!nt)
            return;
        b->ok_t = nt;
        b->ok_t_cap = nc;
    }
    b->ok_t[b->nok_t++] = (float)(t - b->run_t0);
}

static void add_latency(struct bench *b, double secs)
{
    if (b->nlat == b->lat_cap) {
        size_t nc = b->lat_cap ? b->lat_cap * 2 : 65536;
        uint32_t *nl = realloc(b->lat_us, nc * sizeof *nl);
        if (!nl)
            return;
        b->lat_us = nl;
        b->lat_cap = nc;
    }
    double us = secs * 1e6;
    b->lat_us[b->nlat++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

/* The waiting room refuses a booking without an admitted token with a problem that
 * names the X-Queue-Token header (403 missing/expired, 409 not admitted yet). */
static bool is_queue_problem(long status, const char *body)
{
    return status == 429 || ((status == 403 || status == 409) && strstr(body, "X-Queue-Token"));
}

/* A finished transfer of `c`: account for it and decide what comes next. */
static void conn_done(struct bench *b, struct conn *c, struct phase *ph, CURLcode cc)
{
    long status = 0;
    double t = now_s();
    if (cc == CURLE_OK && b->lean)
        status = c->status;
    else if (cc == CURLE_OK)
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    const char *body = c->resp ? c->resp : "";
    if (cc != CURLE_OK) {
        b->c.transport++;
        if (c->kind == K_BOOK) {
            /* In flight when the server died: resend with the same key next round. */
            b->persons[c->person].state = P_UNKNOWN;
            c->resend = true;
        }
        if (!ph->killed) {
            fprintf(stderr, "bench: transfer failed: %s\n", curl_easy_strerror(cc));
            c->wake = t + 0.05;
        }
        return;
    }
    switch (c->kind) {
    case K_LOGIN:
        if ((status == 200 || status == 201) && c->setcookie[0]) {
            memcpy(c->sess[c->login_region], c->setcookie, SESSION_LEN);
        } else {
            b->c.errors++;
            fprintf(stderr, "bench: agent login failed: HTTP %ld %.300s\n", status, body);
            c->wake = t + 0.2;
        }
        return;
    case K_READ:
        if (status == 200) {
            b->c.reads_ok++;
        } else if (++b->c.reads_err <= 3) {
            fprintf(stderr, "bench: availability read: HTTP %ld %.300s\n", status, body);
        }
        return;
    case K_QUEUE:
    case K_QUEUE_POLL: {
        cJSON *doc = cJSON_Parse(body);
        const char *tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "token"));
        bool admitted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "admitted"));
        double wait =
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(doc, "estimated_wait_s"));
        if (tok && strlen(tok) < sizeof c->qtoken)
            snprintf(c->qtoken, sizeof c->qtoken, "%s", tok);
        cJSON_Delete(doc);
        if (!tok) {
            b->c.errors++;
            c->wake = t + 0.1;
            return;
        }
        if (!admitted) {
            /* poll again: not before the estimate (bounded), then GET /queue/{token} */
            c->wake = t + (wait > 0 && wait < 1 ? wait : 0.05);
            c->kind = K_QUEUE_POLL;
        } else {
            c->kind = K_QUEUE; /* admitted: the loop rebuilds the booking and resends */
        }
        c->resend = true; /* the booking goes out again, now with the token */
        return;
    }
    case K_BOOK:
        break;
    default:
        return;
    }
    struct person *p = &b->persons[c->person];
    const struct cell *cl = &b->regions[p->region].cells[c->cell];
    if (status == 201) {
        b->c.ok201++;
        if (c->resent)
            b->c.resend_ok++;
        p->state = P_BOOKED;
        add_ack(b, c->person, cl->slot, body);
        add_latency(b, t - c->t0);
        add_ok_time(b, t);
        c->resend = false;
        c->attempt = 0;
        c->cur = c->person + 1;
        return;
    }
    if (is_queue_problem(status, body)) {
        b->c.queued++;
        c->kind = K_QUEUE;
        c->qtoken[0] = '\0';
        c->body[0] = '\0';
        c->body_len = 0;
        conn_send(b, c, ph->srv, "/api/v1/queue", true, NULL, false);
        c->kind = K_QUEUE;
        /* the booking body is rebuilt from the cell when resent */
        c->resend = true;
        return;
    }
    if (status == 503) {
        b->c.busy++;
        c->resend = true;
        c->wake = t + 0.02;
        return;
    }
    if (status == 401) {
        memset(c->sess[p->region], 0, SESSION_LEN);
        c->resend = true;
        return;
    }
    c->resend = false;
    if (c->resent && status == 409)
        b->c.resend_conflict++;
    if ((status == 409 || status == 403) &&
        (strstr(body, "slot_full") || strstr(body, "no_supply")) && c->attempt + 1 < MAX_ATTEMPTS) {
        b->c.slot_full++;
        b->regions[p->region].cells[c->cell].left = 0; /* our view was wrong: forget it */
        c->attempt++;
        return; /* the same person tries another pair */
    }
    b->c.refused++;
    if (b->c.refused <= 3)
        fprintf(stderr, "bench: booking refused: HTTP %ld %.300s\n", status, body);
    p->state = P_REFUSED;
    c->attempt = 0;
    c->cur = c->person + 1;
}

/* Rebuild the booking body of the current person and pair (for a resend: the body
 * buffer may have carried a queue or login request since). */
static void conn_rebuild_book(struct bench *b, struct conn *c)
{
    const struct person *p = &b->persons[c->person];
    const struct cell *cl = &b->regions[p->region].cells[c->cell];
    c->body_len = (size_t)snprintf(c->body, sizeof c->body,
                                   "{\"slot1\":%lld,\"slot2\":%lld,\"person\":\"%s\"}",
                                   (long long)cl->slot[0], (long long)cl->slot[1], p->pnr);
}

/* libcurl tells which sockets to watch (event-driven multi interface: the cost of a
 * completion does not grow with the number of connections, unlike
 * curl_multi_perform, which walks every transfer each time). */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *ud, void *socketp)
{
    struct bench *b = ud;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(b->ep, EPOLL_CTL_DEL, fd, NULL);
        curl_multi_assign(b->multi, fd, NULL);
        return 0;
    }
    struct epoll_event ev = {.data.u64 = (uint32_t)fd};
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev.events |= EPOLLOUT;
    if (socketp) {
        epoll_ctl(b->ep, EPOLL_CTL_MOD, fd, &ev);
    } else if (epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) == 0 || errno == EEXIST) {
        if (errno == EEXIST)
            epoll_ctl(b->ep, EPOLL_CTL_MOD, fd, &ev);
        curl_multi_assign(b->multi, fd, b); /* any non-NULL: registered */
    }
    (void)easy;
    return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *ud)
{
    struct bench *b = ud;
    b->curl_deadline = timeout_ms < 0 ? 0 : now_s() + (double)timeout_ms / 1000.0;
    (void)multi;
    return 0;
}

/* The first line of /proc/.../task/TID/NAME into out ("" if unreadable), without '\n'. */
static void task_line(const char *dir, const char *tid, const char *name, char *out, int n)
{
    char p[400];
    snprintf(p, sizeof p, "%s/%s/%s", dir, tid, name);
    FILE *f = fopen(p, "r");
    if (!f || !fgets(out, n, f))
        out[0] = '\0';
    if (f)
        fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* What every thread of the server is doing (state and kernel wait channel): printed
 * once per run when an answer is late, to tell a stuck server from a stuck client. */
static void dump_threads(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char comm[32], wchan[64], stat[512];
        task_line(dir, de->d_name, "comm", comm, sizeof comm);
        task_line(dir, de->d_name, "wchan", wchan, sizeof wchan);
        task_line(dir, de->d_name, "stat", stat, sizeof stat);
        const char *rp = strrchr(stat, ')');
        fprintf(stderr, "bench:   server thread %s %-16s state %c wait %s\n", de->d_name, comm,
                rp && rp[1] && rp[2] ? rp[2] : '?', wchan[0] ? wchan : "-");
    }
    closedir(d);
}

/* Sockets of the server's port with unread bytes, from /proc/net/tcp: on the server's
 * side (a request it has not read) and on the clients' (an answer we have not read). */
static void dump_queues(int port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return;
    char line[512];
    int srv_rx = 0, srv_tx = 0, cli_rx = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned lport, rport;
        unsigned long tx, rx;
        if (sscanf(line, " %*d: %*x:%x %*x:%x %*x %lx:%lx", &lport, &rport, &tx, &rx) != 4)
            continue;
        if ((int)lport == port) {
            n++;
            srv_rx += rx > 0;
            srv_tx += tx > 0;
        } else if ((int)rport == port) {
            cli_rx += rx > 0;
        }
    }
    fclose(f);
    fprintf(stderr,
            "bench:   sockets of port %d: %d on the server's side, %d with an unread request, "
            "%d with unsent answer bytes; %d client sockets with an unread answer\n",
            port, n, srv_rx, srv_tx, cli_rx);
}

/* Everything that tells where a late answer is stuck: the server's threads, the
 * socket queues, and the server's own gauges (a fresh connection: the server answers
 * it unless it is wedged as a whole). */
static void dump_stuck(const struct server *s)
{
    dump_threads(s->pid);
    if (getenv("BENCH_GDB")) { /* BENCH_GDB=1: the stacks of every server thread too */
        char cmd[200];
        snprintf(cmd, sizeof cmd,
                 "gdb -p %d -batch -ex 'thread apply all bt 12' 2>/dev/null | grep -E '^#|^Thread' "
                 ">&2",
                 (int)s->pid);
        if (system(cmd) != 0)
            fprintf(stderr, "bench:   (gdb failed)\n");
    }
    dump_queues(s->port);
    struct simple_resp r;
    if (http_simple(s, "GET", "/metrics", NULL, NULL, &r) && r.body.data) {
        for (char *line = r.body.data; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            if (!strncmp(line, "vx_http_requests_suspended", 26) ||
                !strncmp(line, "vx_http_handlers_running", 24) ||
                !strncmp(line, "vx_book_requests_", 17) || !strncmp(line, "vx_book_queue_len", 17))
                fprintf(stderr, "bench:   %s\n", line);
            line = nl ? nl + 1 : NULL;
        }
    } else {
        fprintf(stderr, "bench:   /metrics did not answer\n");
    }
    vx_buf_release(&r.body);
}

/* Run the connections until all are done. */
static void run_loop(struct bench *b, struct phase *ph)
{
    for (int i = 0; i < b->nconns; i++) {
        b->conns[i].done = false;
        b->conns[i].wake = 0;
        if (b->conns[i].kind != K_BOOK || !b->conns[i].resend)
            b->conns[i].kind = K_NONE;
    }
    int active = b->nconns;
    struct epoll_event evs[512];
    while (active > 0) {
        double t = now_s();
        /* Start work on idle connections (a flag test each: cheap). */
        active = 0;
        bool waiting = false;
        for (int i = 0; i < b->nconns; i++) {
            struct conn *c = &b->conns[i];
            if (c->busy && c->failed) { /* the lean client could not send it */
                c->busy = c->failed = false;
                conn_done(b, c, ph, CURLE_COULDNT_CONNECT);
            }
            if (c->busy) {
                active++;
                if (!c->slow_told && t - c->t0 > SLOW_ANSWER_S && !ph->killed) {
                    /* a diagnostic: an answer this late is a stuck connection somewhere */
                    c->slow_told = true;
                    if (b->c.slow++ == 0)
                        dump_stuck(ph->srv);
                    int in_set = -1, readable = -1;
                    if (b->lean && c->fd >= 0) { /* is the socket still watched, and readable? */
                        struct epoll_event ev = {.events = EPOLLIN,
                                                 .data.u64 = LEAN_TAG | (uint64_t)c->id};
                        in_set = epoll_ctl(b->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0;
                        struct pollfd pf = {.fd = c->fd, .events = POLLIN};
                        readable = poll(&pf, 1, 0) == 1;
                    }
                    fprintf(stderr,
                            "bench: connection %d has waited %.1f s for its answer (%s, %zu "
                            "bytes of it so far, socket %d %s, in the epoll set %d, readable "
                            "%d)\n",
                            c->id, t - c->t0, c->kind == K_BOOK ? "booking" : "other", c->resp_len,
                            c->fd, c->fd_used ? "reused" : "new", in_set, readable);
                }
                continue;
            }
            if (c->done)
                continue;
            if (c->kind == K_QUEUE_POLL && c->wake <= t && !ph->killed) {
                char path[600];
                snprintf(path, sizeof path, "/api/v1/queue/%s", c->qtoken);
                conn_send(b, c, ph->srv, path, false, NULL, false);
                active++;
                continue;
            }
            conn_next(b, c, ph);
            if (c->busy || !c->done)
                active++;
            if (!c->busy && !c->done)
                waiting = true;
        }
        /* The kill comes after the idle connections were given work: requests are in
         * flight then, whatever burst of answers the last wait brought in. */
        if (ph->kill_at > 0 && !ph->killed && t >= ph->kill_at) {
            kill(ph->killsrv->pid, SIGKILL);
            ph->killed = true;
            for (int i = 0; i < b->nconns; i++)
                ph->busy_at_kill += b->conns[i].busy;
        }
        int running, tmo = waiting ? 1 : 50;
        if (b->curl_deadline > 0) {
            double left = (b->curl_deadline - now_s()) * 1000.0;
            if (left < tmo)
                tmo = left <= 0 ? 0 : (int)left + 1;
        }
        int k = epoll_wait(b->ep, evs, (int)VX_ARRAY_LEN(evs), tmo);
        for (int e = 0; e < k; e++) {
            if (evs[e].data.u64 & LEAN_TAG) {
                lean_read(b, &b->conns[(uint32_t)evs[e].data.u64], ph);
                continue;
            }
            int flags = 0;
            if (evs[e].events & EPOLLIN)
                flags |= CURL_CSELECT_IN;
            if (evs[e].events & EPOLLOUT)
                flags |= CURL_CSELECT_OUT;
            if (evs[e].events & (EPOLLERR | EPOLLHUP))
                flags |= CURL_CSELECT_ERR;
            curl_multi_socket_action(b->multi, (curl_socket_t)(uint32_t)evs[e].data.u64, flags,
                                     &running);
        }
        if (b->curl_deadline > 0 && now_s() >= b->curl_deadline) {
            b->curl_deadline = 0;
            curl_multi_socket_action(b->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(b->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct conn *c;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            CURLcode cc = m->data.result;
            curl_multi_remove_handle(b->multi, c->h);
            c->busy = false;
            conn_done(b, c, ph, cc);
        }
    }
}

/* ------------------------------------------------------------ lean read client */

/*
 * For the availability reads the load generator's own cost decides the figure:
 * libcurl spends more CPU per request than the server does, and both share the
 * same two cores. So the reads are measured a second time with a lean client:
 * N keep-alive sockets under epoll, a ready-made GET per request, and of each
 * response only what is needed: the status code and Content-Length (the server
 * sends one with every reply of this route; a response without it counts as an
 * error and the connection is dropped). No pipelining: one request per
 * connection at a time, as a browser or call-centre screen would do.
 */
struct rconn {
    int fd;
    int region;
    char *buf;
    size_t len, cap;
    size_t need; /* bytes of the whole response once its headers are in, else 0 */
    int status;
};

static bool rconn_send(struct bench *b, struct rconn *rc, const struct server *s, const char *query,
                       const char *session)
{
    const struct region *g = &b->regions[rc->region];
    char req[640];
    int n =
        snprintf(req, sizeof req,
                 "GET /api/v1/sites/%lld/availability%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "Cookie: vx_session=%s\r\n\r\n",
                 (long long)g->sites[rng_next(b) % (uint64_t)g->nsites], query, s->port, session);
    rc->len = rc->need = 0;
    return n > 0 && (size_t)n < sizeof req && write(rc->fd, req, (size_t)n) == n;
}

/* Parse what has arrived; true when a whole response is in rc->buf. */
static bool rconn_complete(struct rconn *rc, bool *bad)
{
    if (rc->need == 0) {
        rc->buf[rc->len] = '\0';
        char *end = strstr(rc->buf, "\r\n\r\n");
        if (!end)
            return false;
        *end = '\0';
        const char *cl = strcasestr(rc->buf, "\r\ncontent-length:");
        rc->status = strncmp(rc->buf, "HTTP/1.1 ", 9) == 0 ? (int)strtol(rc->buf + 9, NULL, 10) : 0;
        *end = '\r';
        if (!cl) {
            *bad = true;
            return false;
        }
        rc->need = (size_t)(end + 4 - rc->buf) + strtoull(cl + 17, NULL, 10);
    }
    return rc->len >= rc->need;
}

/* Availability reads for `secs` seconds with the lean client; 200s per second. */
static double raw_reads(struct bench *b, const struct server *s, const char *query, double secs,
                        uint64_t *errors)
{
    int n = b->nconns, ep = epoll_create1(EPOLL_CLOEXEC);
    struct rconn *rc = calloc((size_t)n, sizeof *rc);
    uint64_t ok = 0;
    *errors = 0;
    if (ep < 0 || !rc) {
        free(rc);
        if (ep >= 0)
            close(ep);
        return 0;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)s->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int live = 0;
    for (int i = 0; i < n; i++) {
        struct conn *c = &b->conns[i];
        rc[i].fd = -1;
        rc[i].region = c->first < b->npersons ? b->persons[c->first].region : 0;
        if (b->regions[rc[i].region].nsites == 0)
            continue;
        if (!c->sess[rc[i].region][0]) {
            char user[32];
            snprintf(user, sizeof user, "reader%d", i);
            if (!staff_login(s, "callcentre", b->regions[rc[i].region].code, user,
                             c->sess[rc[i].region]))
                continue;
        }
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(fd);
            continue;
        }
        rc[i].fd = fd;
        rc[i].cap = 64 * 1024;
        rc[i].buf = malloc(rc[i].cap + 1);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (!rc[i].buf || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0 ||
            !rconn_send(b, &rc[i], s, query, c->sess[rc[i].region])) {
            close(fd);
            rc[i].fd = -1;
            continue;
        }
        live++;
    }
    double t0 = now_s(), stop = t0 + secs;
    struct epoll_event evs[256];
    while (live > 0) {
        int k = epoll_wait(ep, evs, 256, 100);
        bool over = now_s() >= stop;
        for (int e = 0; e < k; e++) {
            struct rconn *r = &rc[evs[e].data.u32];
            if (r->len == r->cap) {
                size_t nc = r->cap * 2;
                char *nb = nc <= RESP_MAX ? realloc(r->buf, nc + 1) : NULL;
                if (!nb) {
                    (*errors)++;
                    close(r->fd);
                    r->fd = -1;
                    live--;
                    continue;
                }
                r->buf = nb;
                r->cap = nc;
            }
            ssize_t got = read(r->fd, r->buf + r->len, r->cap - r->len);
            bool bad = got <= 0;
            if (got > 0)
                r->len += (size_t)got;
            if (!bad && !rconn_complete(r, &bad) && !bad)
                continue;
            if (!bad) {
                if (r->status == 200)
                    ok++;
                else
                    (*errors)++;
            } else {
                (*errors)++;
            }
            if (bad || over ||
                !rconn_send(b, r, s, query, b->conns[evs[e].data.u32].sess[r->region])) {
                close(r->fd);
                r->fd = -1;
                live--;
            }
        }
        if (over && k == 0)
            break; /* answers that never came: the connections close below */
    }
    double w = now_s() - t0;
    for (int i = 0; i < n; i++) {
        if (rc[i].fd >= 0)
            close(rc[i].fd);
        free(rc[i].buf);
    }
    free(rc);
    close(ep);
    return w > 0 ? (double)ok / w : 0;
}

/* ------------------------------------------------------------ verification */

struct verdict {
    int64_t overbooked, double_booked, lost, active_pairs;
    int64_t fk_broken; /* rows of the booking tables whose references do not resolve */
};

static int64_t q_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, sqlite3_errmsg(db));
        return -1;
    }
    if (sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* Check the database against everything the client was told. */
static bool verify(struct bench *b, const char *path, struct verdict *v)
{
    memset(v, 0, sizeof *v);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: cannot open %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return false;
    }
    sqlite3_busy_timeout(db, 10000);
    v->overbooked = q_count(db, "SELECT count(*) FROM (SELECT s.id FROM slots s JOIN bookings b "
                                "ON b.slot_id = s.id AND b.status IN ('booked', 'attended') "
                                "GROUP BY s.id HAVING count(*) > s.capacity)") +
                    q_count(db, "SELECT count(*) FROM slots WHERE booked > capacity");
    v->double_booked = q_count(db, "SELECT count(*) FROM (SELECT person_id FROM bookings WHERE "
                                   "status = 'booked' GROUP BY person_id HAVING count(*) > 2 OR "
                                   "count(*) <> count(DISTINCT dose_number))");
    v->active_pairs = q_count(db, "SELECT count(*) FROM bookings WHERE status = 'booked' AND "
                                  "dose_number = 1");
    /* the writer checks the references of its rows itself (foreign keys off on its
     * connection during booking batches): nothing may dangle */
    v->fk_broken =
        q_count(db, "SELECT count(*) FROM pragma_foreign_key_check('bookings')") +
        q_count(db, "SELECT count(*) FROM pragma_foreign_key_check('booking_requests')") +
        q_count(db, "SELECT count(*) FROM pragma_foreign_key_check('invitation_codes')");
    sqlite3_stmt *q;
    const char *sql = "SELECT count(*) FROM bookings b JOIN persons p ON p.id = b.person_id "
                      "WHERE p.pnr = ?1 AND b.status IN ('booked', 'attended') AND "
                      "b.slot_id IN (?2, ?3) AND (?4 = 0 OR b.id IN (?4, ?5))";
    bool ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < b->nacks; i++) {
        const struct ack *a = &b->acks[i];
        sqlite3_bind_text(q, 1, b->persons[a->person].pnr, 12, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, a->slot[0]);
        sqlite3_bind_int64(q, 3, a->slot[1]);
        sqlite3_bind_int64(q, 4, a->booking[0]);
        sqlite3_bind_int64(q, 5, a->booking[1]);
        int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        if (n != 2 && v->lost++ < 5)
            fprintf(stderr,
                    "bench: acknowledged but not in the database: person %s slots %lld, %lld "
                    "bookings %lld, %lld (found %lld)\n",
                    b->persons[a->person].pnr, (long long)a->slot[0], (long long)a->slot[1],
                    (long long)a->booking[0], (long long)a->booking[1], (long long)n);
        sqlite3_reset(q);
    }
    if (!ok)
        fprintf(stderr, "bench: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ok && v->overbooked >= 0 && v->double_booked >= 0 && v->fk_broken == 0;
}

/* ------------------------------------------------------------ runs */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(uint32_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i] / 1000.0;
}

struct storm_result {
    double per_s, p50, p99, wall, client_cpu, server_cpu, reads_per_s;
    double window_per_s; /* 201s per second in the first `window` seconds */
    uint64_t ok;
    struct verdict v;
    bool ok_run;
};

/* One storm on `db` (a server is started and stopped here). */
static bool storm(struct bench *b, const char *db, bool commit_each, double limit_s, bool reads,
                  double window, struct storm_result *res)
{
    memset(res, 0, sizeof *res);
    memset(&b->c, 0, sizeof b->c);
    b->nlat = 0;
    b->nok_t = 0;
    reset_run_state(b);
    conns_forget_sessions(b);
    struct server s;
    if (!server_start(b, db, commit_each, &s))
        return false;
    if (!wait_healthy(&s, 120) || !open_cohort(b, &s)) {
        server_stop(&s);
        return false;
    }
    printf("%s: server pid %d on %s, %d connections (call-centre agents), %s client, %s\n",
           commit_each ? "baseline --commit-each" : "group commit", (int)s.pid, s.base, b->nconns,
           b->lean ? "lean socket" : "libcurl",
           b->o.pick_random ? "pairs at random" : "earliest free pair at a site");
    fflush(stdout);
    struct phase ph = {.srv = &s, .stop_at = limit_s > 0 ? now_s() + limit_s : 0};
    struct proc_io io0, io1;
    struct vx_buf m0text = metrics_text(&s);
    proc_io(s.pid, &io0);
    double c0 = cpu_self_s(), s0 = cpu_proc_s(s.pid), m0 = cpu_machine_s(), t0 = now_s();
    b->run_t0 = t0;
    run_loop(b, &ph);
    double t1 = now_s();
    double others = cpu_machine_s() - m0;
    proc_io(s.pid, &io1);
    res->wall = t1 - t0;
    res->client_cpu = cpu_self_s() - c0;
    res->server_cpu = cpu_proc_s(s.pid) - s0;
    res->ok = b->c.ok201;
    res->per_s = res->wall > 0 ? (double)b->c.ok201 / res->wall : 0;
    qsort(b->lat_us, b->nlat, sizeof *b->lat_us, cmp_u32);
    res->p50 = pct_ms(b->lat_us, b->nlat, 0.50);
    res->p99 = pct_ms(b->lat_us, b->nlat, 0.99);
    if (window > 0) {
        size_t k = 0;
        for (size_t i = 0; i < b->nok_t; i++)
            k += b->ok_t[i] <= window;
        res->window_per_s = (double)k / window;
    }
    printf("  %llu booked (201), %llu refused, %llu slot-full retries, %llu no pair left, "
           "%llu busy (503), %llu waiting-room detours, %llu errors, %llu logins\n",
           (unsigned long long)b->c.ok201, (unsigned long long)b->c.refused,
           (unsigned long long)b->c.slot_full, (unsigned long long)b->c.noslot,
           (unsigned long long)b->c.busy, (unsigned long long)b->c.queued,
           (unsigned long long)(b->c.errors + b->c.transport), (unsigned long long)b->c.logins);
    printf("  %.2f s: %.0f bookings/s, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", res->wall,
           res->per_s, res->p50, res->p99, b->nlat ? b->lat_us[b->nlat - 1] / 1000.0 : 0.0);
    others -= res->client_cpu + res->server_cpu;
    printf("  CPU: client %.2f s (%.0f %% of a core), server %.2f s (%.0f %%), other processes "
           "%.2f s (%.0f %%); %.2f s wall x %ld cores\n",
           res->client_cpu, 100 * res->client_cpu / res->wall, res->server_cpu,
           100 * res->server_cpu / res->wall, others > 0 ? others : 0,
           others > 0 ? 100 * others / res->wall : 0, res->wall, sysconf(_SC_NPROCESSORS_ONLN));
    if (b->c.ok201 > 0)
        printf("  server I/O: %.1f MB written in %llu write calls (%.1f KB and %.1f calls per "
               "booking), %.1f MB to storage\n",
               (double)(io1.wchar - io0.wchar) / 1e6, (unsigned long long)(io1.syscw - io0.syscw),
               (double)(io1.wchar - io0.wchar) / 1e3 / (double)b->c.ok201,
               (double)(io1.syscw - io0.syscw) / (double)b->c.ok201,
               (double)(io1.write_bytes - io0.write_bytes) / 1e6);
    print_metrics(&s, &m0text);
    vx_buf_release(&m0text);
    fflush(stdout);
    if (reads && b->o.reads_s > 0) {
        struct phase rp = {.srv = &s, .reads = true, .stop_at = now_s() + b->o.reads_s};
        char d[11];
        vx_day_format(b->day0, d);
        snprintf(rp.read_path[0], sizeof rp.read_path[0], "?from=%s&to=%s", d, d);
        memset(&b->c, 0, sizeof b->c);
        bool lean = b->lean;
        b->lean = false; /* the libcurl figure first; the lean reader below */
        c0 = cpu_self_s();
        s0 = cpu_proc_s(s.pid);
        m0 = cpu_machine_s();
        t0 = now_s();
        run_loop(b, &rp);
        b->lean = lean;
        double w = now_s() - t0;
        double cc = cpu_self_s() - c0, sc = cpu_proc_s(s.pid) - s0;
        double oc = cpu_machine_s() - m0 - cc - sc;
        res->reads_per_s = (double)b->c.reads_ok / w;
        printf("  availability reads, libcurl client (a site of the agent's region, one day): "
               "%llu in %.2f s = %.0f req/s, %llu errors; CPU client %.2f s, server %.2f s, "
               "others %.2f s\n",
               (unsigned long long)b->c.reads_ok, w, res->reads_per_s,
               (unsigned long long)b->c.reads_err, cc, sc, oc > 0 ? oc : 0);
        uint64_t rerr;
        c0 = cpu_self_s();
        s0 = cpu_proc_s(s.pid);
        m0 = cpu_machine_s();
        t0 = now_s();
        double lean_rps = raw_reads(b, &s, rp.read_path[0], b->o.reads_s, &rerr);
        w = now_s() - t0;
        cc = cpu_self_s() - c0;
        sc = cpu_proc_s(s.pid) - s0;
        oc = cpu_machine_s() - m0 - cc - sc;
        printf("  availability reads, lean socket client: %.0f in %.2f s = %.0f req/s, %llu "
               "errors; CPU client %.2f s, server %.2f s (%.1f us per read), others %.2f s\n",
               lean_rps * w, w, lean_rps, (unsigned long long)rerr, cc, sc,
               lean_rps > 0 ? sc / (lean_rps * w) * 1e6 : 0.0, oc > 0 ? oc : 0);
        if (lean_rps > res->reads_per_s)
            res->reads_per_s = lean_rps;
    }
    int st = server_stop(&s);
    if (st != 0)
        printf("  note: the server exited with status %d (see %s)\n", st, s.log);
    res->ok_run = verify(b, db, &res->v);
    printf("  database: %lld active pairs, overbooked %lld, double_booked %lld, lost %lld of "
           "%zu acknowledged, %lld broken references\n",
           (long long)res->v.active_pairs, (long long)res->v.overbooked,
           (long long)res->v.double_booked, (long long)res->v.lost, b->nacks,
           (long long)res->v.fk_broken);
    fflush(stdout);
    return res->ok_run;
}

static int run_bench(struct bench *b)
{
    if (!setup(b))
        return 1;
    remove_db(b->base_db);
    char from[1100], to[1100];
    snprintf(from, sizeof from, "%s-wal", b->db);
    snprintf(to, sizeof to, "%s-wal", b->base_db);
    if (!copy_file(b->db, b->base_db) || !copy_file(from, to)) {
        fprintf(stderr, "bench: cannot copy the database\n");
        return 1;
    }
    struct storm_result g, base = {0};
    if (!storm(b, b->db, false, 0, true, b->o.baseline_s, &g))
        return 1;
    if (!b->o.no_baseline && !storm(b, b->base_db, true, b->o.baseline_s, false, 0, &base))
        fprintf(stderr, "bench: the baseline run failed (does `vaxchain serve` have "
                        "--commit-each?)\n");
    /* The same load: the whole storm, or with --baseline-s the same first seconds of
     * both runs (the tables grow during a storm, so later seconds are slower). */
    double ratio = 0;
    if (base.per_s > 0 && b->o.baseline_s > 0) {
        ratio = g.window_per_s / base.per_s;
        printf("ratio over the first %.1f s of both runs: %.0f / %.0f bookings/s\n",
               b->o.baseline_s, g.window_per_s, base.per_s);
    } else if (base.per_s > 0) {
        ratio = g.per_s / base.per_s;
    }
    int64_t ob = g.v.overbooked + base.v.overbooked, dbk = g.v.double_booked + base.v.double_booked;
    int64_t lost = g.v.lost + base.v.lost;
    if (g.v.fk_broken + base.v.fk_broken)
        printf("FAIL: %lld rows with broken references\n",
               (long long)(g.v.fk_broken + base.v.fk_broken));
    printf("targets: >= 30000 bookings/s %s, p99 < 25 ms %s, ratio >= 4 %s, reads >= 80000/s "
           "%s (%.0f), overbooked/double/lost = 0 %s\n",
           g.per_s >= 30000 ? "met" : "MISSED", g.p99 < 25 ? "met" : "MISSED",
           ratio >= 4 ? "met" : "MISSED", g.reads_per_s >= 80000 ? "met" : "MISSED", g.reads_per_s,
           ob + dbk + lost == 0 ? "met" : "MISSED");
    if (!b->o.keep) {
        remove_db(b->db);
        remove_db(b->base_db);
    }
    printf("bookings_per_s=%.0f p50_ms=%.2f p99_ms=%.2f overbooked=%lld double_booked=%lld "
           "lost=%lld baseline_per_s=%.0f ratio=%.1f\n",
           g.per_s, g.p50, g.p99, (long long)ob, (long long)dbk, (long long)lost, base.per_s,
           ratio);
    return ob + dbk + lost + g.v.fk_broken + base.v.fk_broken == 0 ? 0 : 1;
}

static int run_crash(struct bench *b)
{
    if (!setup(b))
        return 1;
    memset(&b->c, 0, sizeof b->c);
    reset_run_state(b);
    struct server s;
    if (!server_start(b, b->db, false, &s) || !wait_healthy(&s, 120) || !open_cohort(b, &s)) {
        server_kill9(&s);
        return 1;
    }
    int passed = 0;
    for (int round = 1; round <= b->o.crash_rounds; round++) {
        uint64_t ok0 = b->c.ok201, tr0 = b->c.transport;
        int span = b->o.kill_max_ms - b->o.kill_min_ms;
        int kill_ms = b->o.kill_min_ms + (span > 0 ? (int)(rng_next(b) % (uint64_t)span) : 0);
        struct phase ph = {.srv = &s, .kill_at = now_s() + kill_ms / 1000.0, .killsrv = &s};
        run_loop(b, &ph);
        if (!ph.killed)
            kill(s.pid, SIGKILL); /* the demand ran out before the kill moment */
        waitpid(s.pid, NULL, 0);
        s.pid = 0;
        conns_forget_sessions(b);
        double t0 = now_s();
        if (!server_start(b, b->db, false, &s) || !wait_healthy(&s, 120)) {
            printf("crash round %d: the server did not come back\n", round);
            break;
        }
        double restart = now_s() - t0;
        struct verdict v;
        bool ok = verify(b, b->db, &v);
        int remaining = 0;
        for (int i = 0; i < b->nconns; i++)
            remaining += b->conns[i].end - b->conns[i].cur;
        bool pass =
            ok && v.lost == 0 && v.overbooked == 0 && v.double_booked == 0 && v.fk_broken == 0;
        printf("crash round %2d: kill -9 at %4d ms after %5llu new 201s (%d requests in flight, "
               "%llu cut), restart %.2f s; acknowledged %zu, in db %lld pairs; lost %lld, "
               "overbooked %lld, double_booked %lld: %s%s\n",
               round, kill_ms, (unsigned long long)(b->c.ok201 - ok0), ph.busy_at_kill,
               (unsigned long long)(b->c.transport - tr0), restart, b->nacks,
               (long long)v.active_pairs, (long long)v.lost, (long long)v.overbooked,
               (long long)v.double_booked, pass ? "ok" : "FAIL",
               remaining == 0 ? " (demand exhausted)" : "");
        fflush(stdout);
        if (pass)
            passed++;
    }
    /* A last short storm: every resend (same key) must be answered, then a clean stop. */
    struct phase fin = {.srv = &s, .stop_at = now_s() + 0.5};
    if (s.pid > 0)
        run_loop(b, &fin);
    int st = server_stop(&s);
    struct verdict v;
    bool ok = verify(b, b->db, &v) && v.lost == 0 && v.overbooked == 0 && v.double_booked == 0;
    printf("crash test: %d/%d rounds passed; final check %s (acknowledged %zu, lost %lld, "
           "overbooked %lld, double_booked %lld; replays after a crash %llu, resent and then "
           "refused %llu; server exit %d)\n",
           passed, b->o.crash_rounds, ok ? "ok" : "FAIL", b->nacks, (long long)v.lost,
           (long long)v.overbooked, (long long)v.double_booked, (unsigned long long)b->c.replayed,
           (unsigned long long)b->c.resend_conflict, st);
    if (!b->o.keep)
        remove_db(b->db);
    return passed == b->o.crash_rounds && ok ? 0 : 1;
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_booking [options]   (benchmark)\n"
               "       bench_booking --crash N [options]   (kill -9 crash test)\n");
    for (size_t i = 0; i < VX_ARRAY_LEN(opt_defs); i++)
        fprintf(f, "  --%-12s %s\n", opt_defs[i].name, opt_defs[i].help);
}

static bool parse_opts(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        const struct opt_def *d = NULL;
        for (size_t k = 0; k < VX_ARRAY_LEN(opt_defs); k++)
            if (strncmp(a, "--", 2) == 0 && strcmp(a + 2, opt_defs[k].name) == 0)
                d = &opt_defs[k];
        if (!d) {
            fprintf(stderr, "bench_booking: unknown option %s\n", a);
            return false;
        }
        char *field = (char *)o + d->off;
        if (d->kind == O_FLAG) {
            *(bool *)field = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench_booking: %s needs a value\n", a);
            return false;
        }
        const char *v = argv[++i];
        char *end;
        errno = 0;
        switch (d->kind) {
        case O_STR:
            *(const char **)field = v;
            break;
        case O_INT: {
            long n = strtol(v, &end, 10);
            if (errno || *end || n < 0 || n > 1000000000) {
                fprintf(stderr, "bench_booking: %s: not a number: %s\n", a, v);
                return false;
            }
            if (strcmp(d->name, "rng") == 0)
                *(unsigned *)field = (unsigned)n;
            else
                *(int *)field = (int)n;
            break;
        }
        case O_DBL: {
            double x = strtod(v, &end);
            if (errno || *end || x < 0) {
                fprintf(stderr, "bench_booking: %s: not a number: %s\n", a, v);
                return false;
            }
            *(double *)field = x;
            break;
        }
        default:
            break;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    static struct bench b;
    cJSON_InitHooks(&(cJSON_Hooks){.malloc_fn = jmalloc, .free_fn = jfree});
    b.o = (struct opts){.scale = -1,
                        .seed = 1,
                        .born_to = 1961,
                        .ratio = 0.75,
                        .conns = 256,
                        .baseline_s = -1,
                        .reads_s = -1,
                        .kill_min_ms = 200,
                        .kill_max_ms = 1500,
                        .rng_seed = 42};
    if (!parse_opts(argc, argv, &b.o)) {
        usage(stderr);
        return 2;
    }
    if (b.o.scale < 0)
        b.o.scale = b.o.quick ? 0.03 : (b.o.crash_rounds ? 0.2 : 0.1);
    if (b.o.baseline_s < 0)
        b.o.baseline_s = b.o.quick ? 2 : 0;
    if (b.o.reads_s < 0)
        b.o.reads_s = b.o.quick ? 2 : 4;
    if (b.o.conns < 1 || b.o.conns > 4096 || b.o.ratio <= 0 || b.o.scale <= 0 ||
        b.o.kill_max_ms < b.o.kill_min_ms) {
        fprintf(stderr, "bench_booking: bad option values\n");
        return 2;
    }
    /* The server binary: --vaxchain, else `vaxchain` next to this program. */
    static char self[1024], vx[1100], dir[1100];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
    } else {
        snprintf(self, sizeof self, ".");
    }
    if (!b.o.vaxchain) {
        snprintf(vx, sizeof vx, "%s/vaxchain", self);
        b.o.vaxchain = vx;
    }
    if (!b.o.dir) {
        snprintf(dir, sizeof dir, "%s/tmp/bench-booking%s", self, b.o.crash_rounds ? "-crash" : "");
        b.o.dir = dir;
    }
    char mk[1200];
    snprintf(mk, sizeof mk, "%s", b.o.dir);
    for (char *p = mk + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(mk, 0755);
            *p = '/';
        }
    mkdir(mk, 0755);
    snprintf(b.db, sizeof b.db, "%s/storm.db", b.o.dir);
    snprintf(b.base_db, sizeof b.base_db, "%s/baseline.db", b.o.dir);
    b.rng = b.o.rng_seed;
    b.ep = -1;
    b.lean = !b.o.curl_client;
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    int rc = 1;
    if (conns_init(&b))
        rc = b.o.crash_rounds ? run_crash(&b) : run_bench(&b);
    conns_free(&b);
    curl_global_cleanup();
    for (int r = 0; r < b.nregions; r++) {
        free(b.regions[r].cells);
        free(b.regions[r].live);
        free(b.regions[r].sites);
    }
    free(b.persons);
    free(b.acks);
    free(b.lat_us);
    free(b.ok_t);
    return rc;
}

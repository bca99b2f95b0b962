/*
 * main.c — `vaxchain` entry point: finds the command in the table, parses its
 * options with getopt_long (built from the table) and runs the handler.
 *
 * The longest matching word sequence wins ("pnr check" before "pnr"). `--help`
 * anywhere prints the command's generated help; no command prints the overview.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_int.h"

static int words_match(const char *words, int argc, char **argv, int *used)
{
    int n = 0;
    const char *w = words;
    while (*w) {
        const char *sp = strchr(w, ' ');
        size_t len = sp ? (size_t)(sp - w) : strlen(w);
        if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], w, len) != 0)
            return 0;
        n++;
        w += len;
        while (*w == ' ')
            w++;
    }
    *used = n;
    return 1;
}

static void print_overview(FILE *f)
{
    fputs("vaxchain — vaccination campaign system (delivery → allocation → booking → dose →\n"
          "register → certificate → situational picture)\n\n"
          "Usage: vaxchain <command> [options] [arguments]\n\nCommands:\n",
          f);
    for (int g = 0; cli_groups[g]; g++)
        for (const struct cli_command *c = cli_groups[g]; c->words; c++)
            fprintf(f, "  %-20s %s\n", c->words, c->summary);
    fputs("\nRun `vaxchain <command> --help` for a command's options.\n", f);
}

static void print_help(FILE *f, const struct cli_command *c)
{
    fprintf(f, "Usage: vaxchain %s [options]%s%s\n\n%s\n", c->words, c->synopsis ? " " : "",
            c->synopsis ? c->synopsis : "", c->summary);
    if (c->details)
        fprintf(f, "\n%s\n", c->details);
    fputs("\nOptions:\n", f);
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].name; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", c->opts[i].name, c->opts[i].arg ? " " : "",
                 c->opts[i].arg ? c->opts[i].arg : "");
        fprintf(f, "  %-26s %s\n", left, c->opts[i].help);
    }
    fprintf(f, "  %-26s %s\n", "--help", "show this help");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        print_overview(stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const struct cli_command *cmd = NULL;
    int used = 0;
    for (int g = 0; cli_groups[g]; g++) {
        for (const struct cli_command *c = cli_groups[g]; c->words; c++) {
            int u;
            if (words_match(c->words, argc - 1, argv + 1, &u) && u > used) {
                cmd = c;
                used = u;
            }
        }
    }
    if (!cmd) {
        fprintf(stderr, "vaxchain: unknown command '%s'\n\n", argv[1]);
        print_overview(stderr);
        return CLI_EXIT_USAGE;
    }

    struct option lopts[CLI_MAX_OPTS + 2];
    int nopt = 0;
    for (; nopt < CLI_MAX_OPTS && cmd->opts[nopt].name; nopt++) {
        lopts[nopt] =
            (struct option){cmd->opts[nopt].name,
                            cmd->opts[nopt].arg ? required_argument : no_argument, NULL, nopt};
    }
    lopts[nopt] = (struct option){"help", no_argument, NULL, 'h'};
    lopts[nopt + 1] = (struct option){0, 0, 0, 0};

    struct cli_ctx ctx = {.cmd = cmd, .out = stdout, .err = stderr, .tty = isatty(2)};
    int sub_argc = argc - used;
    char **sub_argv = argv + used; /* sub_argv[0] = last command word */
    optind = 1;
    opterr = 0;
    for (;;) {
        int li = 0;
        int c = getopt_long(sub_argc, sub_argv, "", lopts, &li);
        if (c == -1)
            break;
        if (c == 'h') {
            print_help(stdout, cmd);
            return CLI_EXIT_OK;
        }
        if (c == '?' || c == ':') {
            fprintf(stderr, "vaxchain %s: unknown option or missing argument: %s\n\n", cmd->words,
                    sub_argv[optind - 1]);
            print_help(stderr, cmd);
            return CLI_EXIT_USAGE;
        }
        ctx.values[c] = optarg ? optarg : "1";
    }
    ctx.argc = sub_argc - optind;
    ctx.argv = sub_argv + optind;
    for (int i = 0; i < ctx.argc; i++) {
        if (!strcmp(ctx.argv[i], "--help")) {
            print_help(stdout, cmd);
            return CLI_EXIT_OK;
        }
    }
    if (ctx.argc < cmd->min_args || (cmd->max_args >= 0 && ctx.argc > cmd->max_args)) {
        fprintf(stderr, "vaxchain %s: expected %s%s\n\n", cmd->words,
                cmd->synopsis ? cmd->synopsis : "no arguments",
                cmd->max_args >= 0 && ctx.argc > cmd->max_args ? " (too many arguments)" : "");
        print_help(stderr, cmd);
        return CLI_EXIT_USAGE;
    }
    return cmd->run(&ctx);
}

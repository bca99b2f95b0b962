/*
 * commands.c — the table of `vaxchain` subcommands.
 *
 * The single source for dispatch, option parsing and --help (see cli_int.h). Options
 * common to commands that touch the database are repeated per entry on purpose: a
 * command's help shows exactly what it accepts.
 */
#include <string.h>
#include "cli_int.h"

const struct cli_command cli_commands[] = {
    {
        .words = "init",
        .summary = "create (or upgrade) a database and load regions, municipalities and vaccines",
        .details = "Runs the schema migrations, loads the 21 regions and 290 municipalities from\n"
                   "the shared SCB data and the vaccine catalogue from data/vaccines.json.",
        .max_args = 0,
        .opts = {OPT_DB, OPT_DATA},
        .run = cmd_init,
    },
    {
        .words = "pnr check",
        .summary = "validate personnummer/samordningsnummer read one per line from stdin",
        .details = "Prints <input>\\t<ok|invalid>\\t<12-digit normalised form | reason> per line.\n"
                   "Exit status 1 when any line is invalid.",
        .max_args = 0,
        .opts = {OPT_DATE,
                 {"no-interim", NULL, "reject interim numbers (letter in the serial)"},
                 {"no-samordning", NULL, "reject samordningsnummer (coordination numbers)"}},
        .run = cmd_pnr_check,
    },
    {
        .words = "person eligibility",
        .synopsis = "<pnr>",
        .summary = "is a person eligible for vaccination on a date, by which rule, and why",
        .details = "Looks the person up in the database when present (the read is audited);\n"
                   "otherwise evaluates the number alone with the attributes given as options.",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB,
                 OPT_DATA,
                 OPT_DATE,
                 {"residence", "CODE",
                  "own_home|special_housing|home_care|home_health_care|lss_home"},
                 {"risk", "CODES", "comma-separated risk codes (see `vaxchain rules list`)"},
                 {"care-staff", NULL, "works in elderly care close to phase-1 persons"},
                 {"household", NULL, "adult in the household of a home-care recipient"},
                 {"lss", NULL, "has LSS support or personal assistance"},
                 {"lang", "sv|en", "language of the reason (default sv)"},
                 {"json", NULL, "print JSON"}},
        .run = cmd_person_eligibility,
    },
    {
        .words = "person show",
        .synopsis = "<pnr>",
        .summary = "show a person's record (audited read)",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB,
                 OPT_DATA,
                 {"actor", "ID", "who is reading (recorded in the audit log)"},
                 {"lang", "sv|en", "language of the labels (default sv)"},
                 {"json", NULL, "print JSON"}},
        .run = cmd_person_show,
    },
    {
        .words = "catalog list",
        .summary = "list the vaccine catalogue (products, vials, schedules, restrictions)",
        .max_args = 0,
        .opts = {OPT_DATA,
                 {"json", NULL, "print JSON"},
                 {"lang", "sv|en", "language of the table (default sv)"}},
        .run = cmd_catalog_list,
    },
    {
        .words = "rules list",
        .summary = "list the eligibility rule table (phases, sub-steps, opening dates)",
        .max_args = 0,
        .opts = {OPT_DATA,
                 {"lang", "sv|en", "language (default sv)"},
                 {"json", NULL, "print JSON"}},
        .run = cmd_rules_list,
    },
    {
        .words = "import persons",
        .synopsis = "FILE.csv",
        .summary = "import persons from CSV: all rows or nothing (unless --skip-bad)",
        .details = "Columns (any order, by name): pnr, given_name, family_name, kommun_code;\n"
                   "optional residence, risk, care_staff, deso, household_contact,\n"
                   "lss_assistance, health_staff, synthetic (see docs/import.md). Each bad\n"
                   "row is reported as `line N, column X: reason`; exit 1 if any is bad.",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB,
                 OPT_DATA,
                 OPT_DATE,
                 {"skip-bad", NULL, "import the good rows and report the bad ones"},
                 {"quiet", NULL, "no progress bar"}},
        .run = cmd_import_persons,
    },
    {
        .words = "import sites",
        .synopsis = "FILE.csv",
        .summary = "import vaccination sites from CSV (all or nothing unless --skip-bad)",
        .details = "Columns: code, name, kommun_code, kind, address, stations, minutes_per_dose,\n"
                   "open, close (HH:MM), weekdays (mon-fri, 1-5, mon,wed,sat). See docs/import.md.",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB,
                 {"skip-bad", NULL, "import the good rows and report the bad ones"},
                 {"quiet", NULL, "no progress bar"}},
        .run = cmd_import_sites,
    },
    {
        .words = "import premises",
        .synopsis = "FILE.csv",
        .summary = "import premises offered by municipalities (all or nothing unless --skip-bad)",
        .details = "Columns: code, kommun_code, name, address, capacity_per_day, accessible,\n"
                   "available_from, available_to (YYYY-MM-DD). See docs/import.md.",
        .min_args = 1,
        .max_args = 1,
        .opts = {OPT_DB,
                 {"skip-bad", NULL, "import the good rows and report the bad ones"},
                 {"quiet", NULL, "no progress bar"}},
        .run = cmd_import_premises,
    },
    {
        .words = "demo-data",
        .summary = "generate the synthetic Swedish demo population and sites",
        .details = "Age x municipality counts follow SCB 2020-12-31 (scale 1.0 = 10.4 M persons);\n"
                   "deterministic for a seed. See docs/demo-data.md for the scheme.",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 {"scale", "F", "fraction of the real population (default 0.01)"},
                 {"seed", "N", "random seed (default 1)"},
                 {"csv", "FILE", "write import CSVs (FILE, FILE-sites.csv) instead of a database"},
                 {"date", "YYYY-MM-DD", "reference date for ages (default 2020-12-31)"},
                 {"quiet", NULL, "no progress bar"}},
        .run = cmd_demo_data,
    },
    {
        .words = "demo-setup",
        .summary = "make a demo database bookable: slots, supply and released cohorts",
        .details = "For every site: --vaccine slots on --days days from --date and a weekly\n"
                   "supply of --supply x capacity; cohorts for the rules open on --date (or\n"
                   "--rules). Then `vaxchain serve --dev-login --date DATE` lets a demo person\n"
                   "book. Phase 1 (special housing, home care, care staff) gets the Comirnaty\n"
                   "doses given up to --date the way 2021 went (see docs/cert.md).",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 {"date", "YYYY-MM-DD", "first day of slots and cohort release (default today)"},
                 {"days", "N", "days of slots (default 56: room for dose 2)"},
                 {"vaccine", "CODE", "product code (default COM)"},
                 {"supply", "F", "weekly supply as a fraction of slot capacity (default 1.0)"},
                 {"region", "CODE", "only this region's sites and cohorts (default all)"},
                 {"rules", "IDS", "release these rule ids (comma-separated) instead"},
                 {"no-doses", NULL,
                  "do not record phase-1 doses of Dec 2020-Mar 2021 (recorded by default)"},
                 {"no-stock", NULL, "do not receive demo lots and vials at the sites"}},
        .run = cmd_demo_setup,
    },
    {
        .words = "summary",
        .summary = "per-region summary of persons, care groups and sites",
        .max_args = 0,
        .opts = {OPT_DB, OPT_DATE},
        .run = cmd_summary,
    },
    {
        .words = "serve",
        .summary = "run the HTTP API and web UI (default http://127.0.0.1:8080)",
        .max_args = 0,
        .opts = {OPT_DB,
                 OPT_DATA,
                 {"listen", "ADDR:PORT", "address to listen on (default 127.0.0.1:8080)"},
                 {"threads", "N", "HTTP worker threads (default: number of cores)"},
                 {"web-dir", "DIR", "folder of the static web UI (default: web/)"},
                 {"dev-login", NULL, "enable the demo login (choose a person or a staff role)"},
                 {"secure-cookies", NULL, "mark the session cookie Secure (behind HTTPS)"},
                 {"date", "YYYY-MM-DD",
                  "pin the server's date (ages, bookings; time of day follows the clock)"},
                 {"admit-rate", "N", "waiting room: admit N bookers per second (default 0 = off)"},
                 {"queue-ttl", "S", "waiting room: token lifetime after admission (default 1800)"},
                 {"commit-each", NULL, "one transaction per booking (benchmark baseline)"},
                 {"sync-inline", NULL,
                  "each booking commit waits for the disk on the writer (no sync thread)"},
                 {"keys", "DIR",
                  "issue certificates with the signer in DIR (made there when it has none)"},
                 {"trust", "PATH", "extra trusted DCC signer certificates (PEM file or folder)"}},
        .run = cmd_serve,
    },
    {
        .words = "cert testdata",
        .synopsis = "DIR",
        .summary =
            "run the EU DCC conformance cases (dgc-testdata layout) and report disagreements",
        .min_args = 1,
        .max_args = 1,
        .opts = {{"verbose", NULL, "print every case, not only disagreements"}},
        .run = cmd_cert_testdata,
    },
    {
        .words = "cert keygen",
        .summary = "make a demo CSCA, document signer certificate and key (files 0600)",
        .max_args = 0,
        .opts = {{"dir", "DIR", "where to write the key files (default: keys/)"},
                 {"country", "CC", "country code (default SE)"}},
        .run = cmd_cert_keygen,
    },
    {
        .words = "cert issue",
        .summary = "issue a vaccination certificate (HC1 text; --out adds PNG, SVG and PDF)",
        .details = "Builds the EU DCC from one dose record, signs it with the newest document\n"
                   "signer in --keys and prints the HC1 text, or writes PREFIX.txt/.png/.svg/.pdf.",
        .max_args = 0,
        .opts = {OPT_DATA,
                 {"keys", "DIR", "key folder made by `cert keygen` (default: keys/)"},
                 {"family", "NAME", "family name (UTF-8)"},
                 {"given", "NAME", "given name (UTF-8)"},
                 {"dob", "DATE", "date of birth YYYY-MM-DD (or YYYY, YYYY-MM)"},
                 {"product", "CODE", "catalogue product code (COM, MOD, AZ, JANSS, NVX)"},
                 {"dose", "N/M", "dose number of total (default 1/1)"},
                 {"date", "YYYY-MM-DD", "vaccination date (default: today)"},
                 {"issuer", "TEXT", "certificate issuer (is)"},
                 {"time", "TIME", "issued-at time, RFC 3339 (default now)"},
                 {"days", "N", "validity in days (default 365, capped by the signer)"},
                 {"translit", "MODE", "icao (Å->AA, default) or plain (Å->A)"},
                 {"out", "PREFIX", "write PREFIX.txt, .png, .svg and .pdf"}},
        .run = cmd_cert_issue,
    },
    {
        .words = "cert verify",
        .synopsis = "[HC1-STRING]",
        .summary = "verify an HC1: certificate (argument or stdin), step by step",
        .max_args = 1,
        .opts = {{"trust", "FILE", "trust list: PEM certificates of signers (default keys/)"},
                 {"clock", "TIME", "validation time, RFC 3339 (default now)"},
                 {"json", NULL, "print JSON"}},
        .run = cmd_cert_verify,
    },
    {
        .words = "register check-vxu",
        .synopsis = "FILE...",
        .summary = "validate HL7 v2.5.1 VXU^V04 messages (per file: valid/invalid with reasons)",
        .min_args = 1,
        .max_args = -1,
        .opts = {{"expect", "DIR", "compare with expected results in DIR and count agreements"},
                 {"today", "DATE", "reference date of the no-future-date rules (default today)"},
                 {"defaults", "MODE",
                  "CDC default conversion rules: auto (when MSH-8 is empty), on, off"}},
        .run = cmd_register_check_vxu,
    },
    {
        .words = "register check-fhir",
        .synopsis = "FILE...",
        .summary = "parse and re-emit FHIR R4 Immunization resources; report differences",
        .min_args = 1,
        .max_args = -1,
        .opts = {{"print", NULL, "print the re-emitted JSON"}},
        .run = cmd_register_check_fhir,
    },
    {0}, /* end */
};

/* Every command table, in the order `vaxchain --help` lists them. Each module's
 * commands live beside their handlers in src/cli/cmd_<module>.c. */
const struct cli_command *const cli_groups[] = {
    cli_commands,  cli_cmds_care,   cli_cmds_regx, cli_cmds_stats, cli_cmds_report,
    cli_cmds_muni, cli_cmds_ledger, cli_cmds_plan, NULL,
};

const struct cli_command *cli_find(const char *words)
{
    for (int g = 0; cli_groups[g]; g++)
        for (const struct cli_command *c = cli_groups[g]; c->words; c++)
            if (!strcmp(c->words, words))
                return c;
    return NULL;
}

/*
 * tables.c — every assumption of the demo builder, as data.
 *
 * The real figures (SCB population, Socialstyrelsen care counts) are read from the
 * shared data folder at run time; what those files do not say — the sex split, the
 * spread of a national count over ages, risk prevalences, names, site sizes — is
 * written here once, and docs/demo-data.md mirrors these tables (keep them in step).
 * Profile bands for all age-dependent tables: 0-17, 18-49, 50-64, 65-69, 70-79,
 * 80-89, 90+.
 */
#include <math.h>
#include "demo_int.h"

const char *const vx_demo_age_group_names[VX_DEMO_AGE_GROUPS] = {
    "0-17", "18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+"};

int vx_demo_age_group(int age)
{
    if (age < 18)
        return 0;
    if (age < 30)
        return 1;
    if (age >= 90)
        return 8;
    return age / 10 - 1;
}

int demo_band_of_age(int age)
{
    static const struct {
        int below;
        int band;
    } cut[] = {{18, 0}, {50, 1}, {65, 2}, {70, 3}, {80, 4}, {90, 5}};
    for (size_t i = 0; i < VX_ARRAY_LEN(cut); i++)
        if (age < cut[i].below)
            return cut[i].band;
    return 6;
}

const char *const demo_param_names[DP_COUNT] = {
    [DP_SAEBO_65PLUS] = "persons_65plus_special_housing",
    [DP_HOME_CARE_65PLUS] = "persons_65plus_home_care_ordinary_housing",
    [DP_SHARE_80_SAEBO] = "share_80plus_in_special_housing",
    [DP_SHARE_80_HC_OR_SAEBO] = "share_80plus_home_care_or_special_housing",
    [DP_HOME_CARE_UNDER65] = "persons_under65_home_care_ordinary_housing",
    [DP_SAEBO_UNDER65] = "persons_0_64_special_housing",
    [DP_LSS_SUPPORT] = "persons_with_lss_support",
    [DP_LSS_HOUSING_ADULTS] = "persons_lss_housing_adults",
    [DP_LSS_PERSONAL_ASSIST] = "persons_lss_personal_assistance",
    [DP_LSS_TOTAL_2021] = "persons_lss_total_2021",
};

/* Approximation of SCB's population by sex and age 2020-12-31 (Folkmängd efter ålder
 * och kön), rounded to whole per mille: men are the majority up to about 60, women
 * above, and about a third of the 90+ are men. */
const int demo_male_permille[VX_DEMO_AGE_GROUPS] = {514, 524, 515, 509, 507, 497, 477, 424, 320};

/* Within 90+, each further year has 0.68 times the persons of the year before (about
 * 2 % of the 90+ are 100 or older, as in SCB 2020); ages stop at 105. */
double demo_weight_90plus(int age)
{
    if (age < 90 || age > VX_DEMO_MAX_AGE)
        return 0;
    return pow(0.68, age - 90);
}

#define NONE -1
/* weight[] by profile band: 0-17, 18-49, 50-64, 65-69, 70-79, 80-89, 90+ */
const struct demo_measure demo_measures[] = {
    {DT_RES_SAEBO,
     DC_SHARE_80,
     DP_SHARE_80_SAEBO,
     NONE,
     NONE,
     0,
     80,
     VX_DEMO_MAX_AGE,
     {0, 0, 0, 0, 0, 1, 3.3},
     -1,
     "13 % of 80+ in SÄBO, 90+ 3.3× as often as 80-89"},
    {DT_RES_SAEBO,
     DC_PARAM_MINUS_S80,
     DP_SAEBO_65PLUS,
     DP_SHARE_80_SAEBO,
     NONE,
     0,
     65,
     79,
     {0, 0, 0, 1, 3, 0, 0},
     -1,
     "SÄBO 65+ minus the 80+ share, 70-79 3× as often as 65-69"},
    {DT_RES_SAEBO,
     DC_PARAM,
     DP_SAEBO_UNDER65,
     NONE,
     NONE,
     0,
     18,
     64,
     {0, 1, 4, 0, 0, 0, 0},
     -1,
     "SÄBO under 65, 50-64 4× as often as 18-49"},
    {DT_RES_HOME_CARE,
     DC_SHARE_80,
     DP_SHARE_80_HC_OR_SAEBO,
     DP_SHARE_80_SAEBO,
     NONE,
     0,
     80,
     VX_DEMO_MAX_AGE,
     {0, 0, 0, 0, 0, 1, 1.5},
     -1,
     "37 % of 80+ home care or SÄBO minus 13 % SÄBO, 90+ 1.5× as often"},
    {DT_RES_HOME_CARE,
     DC_PARAM_MINUS_S80,
     DP_HOME_CARE_65PLUS,
     DP_SHARE_80_HC_OR_SAEBO,
     DP_SHARE_80_SAEBO,
     0,
     65,
     79,
     {0, 0, 0, 1, 3, 0, 0},
     -1,
     "home care 65+ minus the 80+ share, 70-79 3× as often as 65-69"},
    {DT_RES_HOME_CARE,
     DC_PARAM,
     DP_HOME_CARE_UNDER65,
     NONE,
     NONE,
     0,
     18,
     64,
     {0, 1, 3, 0, 0, 0, 0},
     -1,
     "home care under 65, 50-64 3× as often"},
    {DT_RES_HOME_HEALTH,
     DC_ASSUMED,
     NONE,
     NONE,
     NONE,
     60000,
     65,
     VX_DEMO_MAX_AGE,
     {0, 0, 0, 1, 2, 4, 5},
     -1,
     "ASSUMED: 60,000 65+ with home health care but no home care"},
    {DT_RES_LSS_HOME,
     DC_PARAM,
     DP_LSS_HOUSING_ADULTS,
     NONE,
     NONE,
     0,
     18,
     79,
     {0, 1, 1, 0.6, 0.3, 0, 0},
     0.587,
     "LSS group homes (17,356 of 29,551 men)"},
    {DT_FLAG_LSS_ASSIST,
     DC_PARAM_MINUS,
     DP_LSS_TOTAL_2021,
     DP_LSS_HOUSING_ADULTS,
     NONE,
     0,
     0,
     64,
     {1, 1, 0.8, 0, 0, 0, 0},
     0.594,
     "other LSS support or personal assistance"},
    {DT_FLAG_CARE_STAFF,
     DC_ASSUMED,
     NONE,
     NONE,
     NONE,
     250000,
     18,
     64,
     {0, 1, 1, 0, 0, 0, 0},
     0.15,
     "ASSUMED: 250,000 elderly-care workers, 85 % women"},
    {DT_FLAG_HEALTH_STAFF,
     DC_ASSUMED,
     NONE,
     NONE,
     NONE,
     100000,
     20,
     64,
     {0, 1, 1, 0, 0, 0, 0},
     0.20,
     "ASSUMED: 100,000 health staff close to risk patients, 80 % women"},
};
const int demo_measure_count = (int)VX_ARRAY_LEN(demo_measures);

const double demo_household_factor = 0.45;

/* Per 100,000 by profile band; the codes and their order (= bits) are those of
 * data/eligibility.json. Approximations of Swedish prevalence orders of magnitude
 * (see docs/demo-data.md); one independent draw per code. */
const struct demo_risk demo_risks[] = {
    {"dialysis", {2, 15, 60, 100, 120, 90, 40}},
    {"transplant", {20, 80, 150, 150, 100, 30, 0}},
    {"cardiovascular", {50, 3000, 15000, 30000, 40000, 50000, 55000}},
    {"chronic_lung", {1000, 2500, 4000, 6000, 7000, 7000, 6000}},
    {"reduced_lung_function", {200, 1500, 1500, 1200, 900, 600, 400}},
    {"liver_kidney_failure", {50, 300, 1000, 2000, 3000, 4000, 4500}},
    {"diabetes", {100, 1500, 6000, 10000, 13000, 13000, 10000}},
    {"immunosuppression", {200, 1000, 1500, 2000, 2000, 1500, 1000}},
    {"down_syndrome", {60, 50, 30, 10, 5, 0, 0}},
    {"follow_advice_difficulty", {300, 800, 800, 1500, 4000, 15000, 30000}},
};
const int demo_risk_count = (int)VX_ARRAY_LEN(demo_risks);

const char *const demo_default_risk_order[] = {"dialysis",
                                               "transplant",
                                               "cardiovascular",
                                               "chronic_lung",
                                               "reduced_lung_function",
                                               "liver_kidney_failure",
                                               "diabetes",
                                               "immunosuppression",
                                               "down_syndrome",
                                               "follow_advice_difficulty"};
const int demo_default_risk_count = (int)VX_ARRAY_LEN(demo_default_risk_order);

/* Common given names (SCB name statistics) by birth era: before 1950, 1950-1984, 1985+. */
const char *const demo_given_names[2][3][DEMO_NAMES_PER_ERA] = {
    {
        {"Karl",   "Erik", "Lars",    "Nils",  "Sven", "Bengt", "Gunnar", "Olof",
         "Bertil", "Rolf", "Lennart", "Gösta", "Åke",  "Stig",  "Ingvar", "Sture",
         "Kurt",   "Arne", "Tage",    "Allan", "Hans", "Göran", "Bo",     "Kjell"},
        {"Anders",  "Mikael", "Johan",  "Per",   "Peter",    "Thomas", "Jan",    "Daniel",
         "Fredrik", "Stefan", "Magnus", "Mats",  "Andreas",  "Jonas",  "Martin", "Patrik",
         "Henrik",  "Niklas", "Ulf",    "Björn", "Mohammad", "Joakim", "Tobias", "Mattias"},
        {"Oscar",     "William", "Lucas",  "Liam",  "Elias",  "Hugo", "Noah",      "Adam",
         "Alexander", "Oliver",  "Filip",  "Emil",  "Viktor", "Axel", "Ludvig",    "Leo",
         "Isak",      "Anton",   "Gustav", "Albin", "Simon",  "Ali",  "Sebastian", "Jakob"},
    },
    {
        {"Anna",   "Maria",  "Margareta", "Elisabeth", "Eva",      "Birgitta", "Kristina", "Karin",
         "Ingrid", "Gunnel", "Ulla",      "Inger",     "Marianne", "Kerstin",  "Gun",      "Barbro",
         "Astrid", "Elsa",   "Ingegerd",  "Britt",     "Solveig",  "Majken",   "Gunhild",  "Märta"},
        {"Anna",   "Maria", "Karin",  "Sara",    "Lena",    "Helena",  "Annika", "Susanne",
         "Linda",  "Malin", "Jenny",  "Camilla", "Johanna", "Sofia",   "Monica", "Anneli",
         "Carina", "Åsa",   "Ulrika", "Jessica", "Emma",    "Therese", "Fatima", "Cecilia"},
        {"Emma",  "Elsa",  "Alice",  "Maja",  "Ella",   "Ebba",  "Wilma",  "Astrid",
         "Agnes", "Saga",  "Olivia", "Julia", "Alva",   "Freja", "Linnea", "Klara",
         "Ida",   "Hanna", "Elin",   "Moa",   "Amanda", "Lova",  "Selma",  "Nora"},
    },
};

/* The 60 most common family names in Sweden (SCB), in rank order. */
const char *const demo_family_names[DEMO_FAMILY_NAMES] = {
    "Andersson",  "Johansson", "Karlsson",    "Nilsson",    "Eriksson",   "Larsson",
    "Olsson",     "Persson",   "Svensson",    "Gustafsson", "Pettersson", "Jonsson",
    "Jansson",    "Hansson",   "Bengtsson",   "Jönsson",    "Lindberg",   "Jakobsson",
    "Magnusson",  "Olofsson",  "Lindström",   "Lindqvist",  "Lindgren",   "Berg",
    "Axelsson",   "Bergström", "Lundberg",    "Lind",       "Lundgren",   "Lundqvist",
    "Mattsson",   "Berglund",  "Fredriksson", "Sandberg",   "Henriksson", "Forsberg",
    "Sjöberg",    "Ali",       "Wallin",      "Mohammed",   "Engström",   "Eklund",
    "Danielsson", "Lundin",    "Håkansson",   "Björk",      "Bergman",    "Gunnarsson",
    "Holm",       "Wikström",  "Samuelsson",  "Isaksson",   "Fransson",   "Bergqvist",
    "Nyström",    "Holmberg",  "Arvidsson",   "Löfgren",    "Söderberg",  "Nyberg",
};

const char *const demo_streets[] = {"Storgatan", "Kyrkogatan", "Drottninggatan",  "Järnvägsgatan",
                                    "Skolgatan", "Torggatan",  "Hantverkargatan", "Sjögatan",
                                    "Nygatan",   "Parkvägen",  "Östra vägen",     "Västra vägen"};
const int demo_street_count = (int)VX_ARRAY_LEN(demo_streets);

/* Site sizes at scale 1. Capacity per day = stations × (close − open) / minutes. */
const struct demo_site_kind demo_site_kinds[3] = {
    {VX_SITE_HEALTH_CENTRE, "VC", "Vårdcentralen", 10000, 2, 10, 8 * 60, 17 * 60, 0x1f},
    {VX_SITE_MASS_CENTRE, "MC", "Vaccinationscentralen", 100000, 12, 4, 8 * 60, 20 * 60, 0x7f},
    {VX_SITE_MOBILE, "MB", "Vaccinationsbussen", 200000, 2, 8, 10 * 60, 16 * 60, 0x3e},
};
const int64_t demo_mass_min_pop = 80000;

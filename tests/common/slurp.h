/*
 * slurp.h — read a whole file in a cmocka test (tests/unit, tests/store, tests/http).
 *
 * Include after <cmocka.h> (it uses its assertions), with <stdio.h> and <stdlib.h>;
 * every test file is its own executable, so the function is static:
 *
 *     #include "../common/slurp.h"
 *     size_t len;
 *     char *text = slurp(VX_SOURCE_DIR "/data/vaccines.json", &len);
 *     ...
 *     free(text);
 *
 * A file that cannot be opened or read fails the test with its path.
 */
#ifndef VX_TEST_COMMON_SLURP_H
#define VX_TEST_COMMON_SLURP_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file at `path`, NUL-terminated (caller frees); its length to *len unless
 * `len` is NULL. Never returns NULL: fails the test instead. */
__attribute__((unused)) static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

#endif

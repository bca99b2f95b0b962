/*
 * test_core.c — the small core utilities: status names, arena, buffer, CSV splitting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "vx/arena.h"
#include "vx/buf.h"
#include "vx/csv.h"
#include "vx/person.h"
#include "vx/status.h"

static void test_status(void **state)
{
    (void)state;
    assert_string_equal(vx_strerror(VX_OK), "ok");
    assert_string_equal(vx_strerror(VX_ENOTFOUND), "not found");
    assert_string_equal(vx_strerror((enum vx_status) - 999), "unknown status");
    assert_string_equal(vx_strerror((enum vx_status)5), "unknown status");
    struct vx_err e;
    assert_int_equal(vx_err_set(&e, VX_EINVAL, "field %s", "pnr"), VX_EINVAL);
    assert_string_equal(e.msg, "field pnr");
    assert_int_equal(vx_err_set(NULL, VX_EIO, "x"), VX_EIO);
}

static void test_arena(void **state)
{
    (void)state;
    struct vx_arena a;
    vx_arena_init(&a, 200 * 1024);
    char *s = vx_arena_strdup(&a, "Comirnaty");
    assert_string_equal(s, "Comirnaty");
    assert_true(((uintptr_t)vx_arena_alloc(&a, 3) & 15) == 0);
    void *big = vx_arena_alloc(&a, 100 * 1024); /* larger than a block */
    assert_non_null(big);
    assert_null(vx_arena_alloc(&a, 150 * 1024));   /* over the hard maximum */
    assert_null(vx_arena_alloc(&a, SIZE_MAX - 4)); /* overflow */
    vx_arena_release(&a);
}

static void test_buf(void **state)
{
    (void)state;
    struct vx_buf b;
    vx_buf_init(&b, 16);
    assert_int_equal(vx_buf_puts(&b, "abc"), VX_OK);
    assert_int_equal(vx_buf_printf(&b, "-%d", 42), VX_OK);
    assert_string_equal(b.data, "abc-42");
    assert_int_equal(vx_buf_puts(&b, "0123456789"), VX_OK); /* exactly 16 */
    assert_int_equal(vx_buf_puts(&b, "x"), VX_ENOMEM);
    assert_int_equal(vx_buf_printf(&b, "%d", 1), VX_ENOMEM);
    assert_int_equal(b.len, 16);
    vx_buf_clear(&b);
    assert_string_equal(b.data, "");
    char *d = vx_buf_detach(&b);
    assert_string_equal(d, "");
    free(d);
    vx_buf_release(&b);
}

static void test_i64_text(void **state)
{
    static const struct {
        int64_t v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {-1, "-1"},
        {1234567890123, "1234567890123"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[21];
        assert_ptr_equal(vx_i64_text(cases[i].v, buf), buf);
        assert_string_equal(buf, cases[i].text);
    }
}

static void test_csv(void **state)
{
    (void)state;
    char *f[8];
    int n;
    struct vx_err e;
    char r1[] = "a,\"b,c\",\"say \"\"hi\"\"\",,\r\n";
    assert_int_equal(vx_csv_split(r1, strlen(r1), ',', f, 8, &n, &e), VX_OK);
    assert_int_equal(n, 5);
    assert_string_equal(f[0], "a");
    assert_string_equal(f[1], "b,c");
    assert_string_equal(f[2], "say \"hi\"");
    assert_string_equal(f[3], "");
    assert_string_equal(f[4], "");
    char r2[] = "x,\"line1\nline2\",y";
    assert_false(vx_csv_needs_more(r2, strlen(r2)));
    assert_true(vx_csv_needs_more("x,\"open", 7));
    assert_int_equal(vx_csv_split(r2, strlen(r2), ',', f, 8, &n, &e), VX_OK);
    assert_string_equal(f[1], "line1\nline2");
    char r3[] = "a,\"b\"c";
    assert_int_equal(vx_csv_split(r3, strlen(r3), ',', f, 8, &n, &e), VX_EINVAL);
    assert_string_equal(e.msg, "column 2: unexpected character after closing quote");
    char r4[] = "a,b\"c";
    assert_int_equal(vx_csv_split(r4, strlen(r4), ',', f, 8, &n, &e), VX_EINVAL);
    char r5[] = "\"abc";
    assert_int_equal(vx_csv_split(r5, strlen(r5), ',', f, 8, &n, &e), VX_EINVAL);
    char r6[] = "1;2;3";
    assert_int_equal(vx_csv_split(r6, strlen(r6), ';', f, 2, &n, &e), VX_ERANGE);
    char r7[] = "";
    assert_int_equal(vx_csv_split(r7, 0, ',', f, 8, &n, &e), VX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(f[0], "");
}

static void test_residence_codes(void **state)
{
    (void)state;
    for (int i = 0; i < VX_RES_COUNT; i++) {
        enum vx_residence r;
        assert_int_equal(vx_residence_parse(vx_residence_code((enum vx_residence)i), &r), VX_OK);
        assert_int_equal(r, i);
    }
    enum vx_residence r;
    assert_int_equal(vx_residence_parse("castle", &r), VX_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status), cmocka_unit_test(test_arena),
        cmocka_unit_test(test_buf),    cmocka_unit_test(test_i64_text),
        cmocka_unit_test(test_csv),    cmocka_unit_test(test_residence_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

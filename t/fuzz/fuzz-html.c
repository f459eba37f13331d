/*
 * fuzz-html - libFuzzer harness: HTML bytes -> gumbo walk (styles, hidden text), renderer
 *
 * DESCRIPTION
 *     HTML bodies are attacker-written; lurewatch parses them with gumbo
 *     and reads their inline styles and style sheets itself
 *     (analyzers/model/html.c). Each input goes through lw_html_walk()
 *     with handlers that read every name, attribute and text run, visible
 *     or hidden (so ASan sees any bad pointer handed out), and through
 *     lw_html_to_text(). The rendered text must be valid UTF-8: analyzers
 *     and JSON rely on it.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "model/html.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_setup();
    return 0;
}

/* touch - read every byte of a string handed out by the tokenizer */
static void touch(const char *s, size_t *sum)
{
    *sum += strlen(s);
}

static void on_start(void *ud, const char *name, const struct lw_html_attr *attrs, int hidden)
{
    touch(name, ud);
    for (const struct lw_html_attr *a = attrs; a && a->name; a++) {
        touch(a->name, ud);
        touch(a->value, ud);
    }
}

static void on_end(void *ud, const char *name, int hidden)
{
    touch(name, ud);
}

static void on_text(void *ud, const char *text, size_t len)
{
    size_t *sum = ud;

    for (size_t i = 0; i < len; i++)
        *sum += (unsigned char) text[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct lw_html_handler h = { on_start, on_end, on_text, on_text };
    const char *html = (const char *) data;
    size_t sum = 0;
    char *text;

    lw_html_walk(html, size, &h, &sum);
    text = lw_html_to_text(html, size);
    /* message.c hands the renderer UTF-8; from UTF-8 it must make UTF-8 */
    if (text != NULL && g_utf8_validate(html, (gssize) size, NULL) && !g_utf8_validate(text, -1, NULL))
        abort();
    g_free(text);
    return 0;
}

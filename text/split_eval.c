/*
 * split_eval.c -- the sentence-split metric of the Kiwi and Kss benchmarks
 * (EM, F1, normalised F1; kiwipiepy benchmark/sentence_split, Kss README
 * "Normalized F1"), as described in tests/data/text/SOURCES.md: whitespace
 * removed, code-point intervals, Dice overlap credited to the best gold
 * sentence (later one on ties), per-paragraph penalty min(1, gold/pred).
 */
#include <stdlib.h>
#include <string.h>

#include "text_int.h"

/* Append the non-whitespace code points of s[0..n) to v. */
static mm_rc strip(const char *s, size_t n, uint32_t **v, size_t *len, size_t *cap, struct mm_err *err) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t b = 0; b < n;) {
        uint32_t c;
        int k = mm_utf8_decode(u + b, n - b, &c);
        if (k == 0)
            return mm_err_set(err, MM_ECHARSET, "split metric: invalid UTF-8 at byte %zu of a sentence", b);
        b += (size_t)k;
        if (text_is_space(c))
            continue;
        if (*len == *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            uint32_t *nv = realloc(*v, nc * sizeof *nv);
            if (nv == NULL)
                return mm_err_set(err, MM_ENOMEM, "split metric: out of memory");
            *v = nv;
            *cap = nc;
        }
        (*v)[(*len)++] = c;
    }
    return MM_OK;
}

mm_rc text_eval_paragraph(struct text_eval *ev, const char *const *gold, const size_t *gold_len, size_t n_gold,
                          const char *const *pred, const size_t *pred_len, size_t n_pred, struct mm_err *err) {
    mm_rc rc = MM_OK;
    uint32_t *g = NULL, *p = NULL;
    size_t gl = 0, gc = 0, pl = 0, pc = 0;
    size_t *gb = calloc(n_gold + 1, sizeof *gb); /* gold sentence i = [gb[i], gb[i+1]) */
    double *score = calloc(n_gold + 1, sizeof *score);
    unsigned char *exact = calloc(n_gold + 1, 1);
    if (!gb || !score || !exact) {
        rc = mm_err_set(err, MM_ENOMEM, "split metric: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_gold; i++) {
        gb[i] = gl;
        if ((rc = strip(gold[i], gold_len[i], &g, &gl, &gc, err)) != MM_OK)
            goto done;
    }
    gb[n_gold] = gl;
    size_t at = 0;
    for (size_t j = 0; j < n_pred; j++) {
        pl = 0;
        if ((rc = strip(pred[j], pred_len[j], &p, &pl, &pc, err)) != MM_OK)
            goto done;
        if (pl == 0)
            continue;
        size_t a = at;
        for (; a + pl <= gl; a++)
            if (memcmp(g + a, p, pl * sizeof *p) == 0)
                break;
        if (a + pl > gl) {
            rc = mm_err_set(err, MM_EINVAL,
                            "split metric: predicted sentence %zu is not in the gold text after the previous one; "
                            "the splitter must only cut, not change characters",
                            j + 1);
            goto done;
        }
        size_t b = a + pl;
        at = b;
        int hit = 0;
        for (size_t i = 0; i < n_gold; i++) {
            if (gb[i] == a && gb[i + 1] == b && b > a) {
                score[i] = 1.0;
                exact[i] = 1;
                hit = 1;
            }
        }
        if (hit)
            continue;
        double best = -1.0;
        size_t bi = n_gold;
        for (size_t i = 0; i < n_gold; i++) {
            size_t lo = gb[i] > a ? gb[i] : a, hi = gb[i + 1] < b ? gb[i + 1] : b;
            if (hi <= lo)
                continue;
            double r = 2.0 * (double)(hi - lo) / (double)((gb[i + 1] - gb[i]) + (b - a));
            if (r >= best) { /* ties go to the later gold sentence */
                best = r;
                bi = i;
            }
        }
        if (bi < n_gold && best > score[bi])
            score[bi] = best;
    }
    double pen = n_pred > n_gold ? (double)n_gold / (double)n_pred : 1.0;
    for (size_t i = 0; i < n_gold; i++) {
        ev->em += exact[i];
        ev->f1 += score[i];
        ev->nf1 += score[i] * pen;
    }
    ev->gold += n_gold;
    ev->system += n_pred;
done:
    free(g);
    free(p);
    free(gb);
    free(score);
    free(exact);
    return rc;
}

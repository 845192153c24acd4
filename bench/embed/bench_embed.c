/*
 * bench_embed.c -- throughput of the embed/ forward pass on a real sentence
 * mix and on fixed 8x128 batches, with OpenBLAS's own sgemm peak measured in
 * the same run, so GFLOP/s can be read against the ceiling.
 *   bench_embed MODEL_DIR IDS.npy MASK.npy THREADS REPS OUT.npy
 * Prints one line per case: name, seconds, sentences/s, GFLOP/s, and a
 * checksum of the outputs (a fast wrong answer shows up there and in the
 * comparison run.sh makes with PyTorch).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "embed.h"

/* BERT-base FLOPs of one sequence of S tokens (multiply-add = 2):
 * per layer 24*S*H^2 (QKV, output, FFN with I = 4H) + 4*S^2*H (QK^T, PV). */
static double seq_flops(double S, double H, double FF, double L) {
    return L * (6 * S * H * H + 2 * S * H * H + 4 * S * H * FF + 4 * S * S * H);
}

static double sgemm_peak(int threads) {
    int M = 1024, N = 3072, K = 768;
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N), *c = malloc(sizeof(float) * M * N);
    for (int i = 0; i < M * K; i++) a[i] = (float)(i % 7) * 0.1f;
    for (int i = 0; i < K * N; i++) b[i] = (float)(i % 5) * 0.1f;
    openblas_set_num_threads(threads);
    double best = 1e9;
    for (int r = 0; r < 7; r++) {
        double t = mm_now_monotonic();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, a, K, b, N, 0, c, N);
        t = mm_now_monotonic() - t;
        if (t < best) best = t;
    }
    free(a); free(b); free(c);
    return 2.0 * M * N * K / best / 1e9;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double checksum(const float *v, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += v[i] * (double)((i % 13) + 1);
    return s;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: bench_embed MODEL_DIR IDS.npy MASK.npy THREADS REPS OUT.npy\n");
        return 2;
    }
    struct mm_err err = {0};
    struct emb_model *m = NULL;
    int32_t *ids = NULL, *mask = NULL;
    size_t n, T, n2, T2;
    if (emb_model_open(argv[1], &m, &err) || emb_npy_read_i32(argv[2], &ids, &n, &T, &err) ||
        emb_npy_read_i32(argv[3], &mask, &n2, &T2, &err)) {
        fprintf(stderr, "bench_embed: %s\n", err.msg);
        return 1;
    }
    int threads = atoi(argv[4]), reps = atoi(argv[5]);
    size_t H = (size_t)emb_model_dim(m);
    double FF = 4.0 * H, L = 12; /* BERT-base shape, as run.sh writes it */
    double flops = 0, tokens = 0;
    for (size_t i = 0; i < n; i++) {
        double S = 0;
        for (size_t t = 0; t < T; t++) S += mask[i * T + t] != 0;
        flops += seq_flops(S, (double)H, FF, L);
        tokens += S;
    }
    double peak1 = sgemm_peak(1), peakn = sgemm_peak(threads);
    printf("sgemm 1024x768x3072 OpenBLAS peak: %.1f GF/s (1 thread), %.1f GF/s (%d threads)\n", peak1, peakn, threads);
    float *out = malloc(n * H * sizeof(float));
    struct emb_input in = {n, T, ids, NULL, mask};
    struct emb_run run = {threads, getenv("BENCH_BATCH_TOKENS") ? (size_t)atol(getenv("BENCH_BATCH_TOKENS")) : 0, 0};
    static const enum emb_pooling pools[2] = {EMB_POOLED, EMB_MEAN};
    for (int p = 0; p < 2; p++) {
        double best = 1e9, cpu0 = cpu_seconds();
        for (int r = 0; r < reps; r++) {
            double t = mm_now_monotonic();
            if (emb_encode(m, &in, pools[p], &run, out, &err)) {
                fprintf(stderr, "bench_embed: %s\n", err.msg);
                return 1;
            }
            t = mm_now_monotonic() - t;
            if (t < best) best = t;
        }
        double cpu = (cpu_seconds() - cpu0) / reps;
        printf("malmoi mix %-6s n=%zu tokens=%.0f: %.3f s, %.1f sentences/s, %.1f GF/s (%.0f%% of sgemm peak), %.1f ms CPU/sentence, checksum %.6e\n",
               emb_pooling_name(pools[p]), n, tokens, best, n / best, flops / best / 1e9, 100 * flops / best / 1e9 / peakn,
               1000 * cpu / n, checksum(out, n * H));
        if (p == 0 && emb_npy_write_f32(argv[6], out, n, H, &err)) {
            fprintf(stderr, "bench_embed: %s\n", err.msg);
            return 1;
        }
    }
    /* fixed 8x128: the first 8 rows' ids, every position real */
    if (T >= 128 && n >= 8) {
        int32_t *fid = malloc(8 * 128 * sizeof *fid);
        for (size_t i = 0; i < 8; i++)
            for (size_t t = 0; t < 128; t++) fid[i * 128 + t] = ids[(i * 7 + t) % n * T + t % 20] ;
        for (size_t i = 0; i < 8; i++) fid[i * 128] = 2, fid[i * 128 + 127] = 3;
        struct emb_input fin = {8, 128, fid, NULL, NULL};
        double f8 = 8 * seq_flops(128, (double)H, FF, L);
        for (int p = 0; p < 2; p++) {
            double best = 1e9;
            for (int r = 0; r < reps + 1; r++) {
                double t = mm_now_monotonic();
                emb_encode(m, &fin, pools[p], &run, out, &err);
                t = mm_now_monotonic() - t;
                if (t < best) best = t;
            }
            printf("malmoi 8x128 %-6s: %.3f s per batch, %.1f sentences/s, %.1f GF/s (%.0f%% of sgemm peak)\n",
                   emb_pooling_name(pools[p]), best, 8 / best, f8 / best / 1e9, 100 * f8 / best / 1e9 / peakn);
        }
        free(fid);
    }
    free(out);
    free(ids);
    free(mask);
    emb_model_close(m);
    return 0;
}

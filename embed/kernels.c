/*
 * kernels.c -- the non-GEMM parts of the BERT forward pass: bias adds,
 * residual + LayerNorm, GELU (erf or tanh form) and row softmax. Each has a
 * plain C version and an AVX2+FMA version picked at run time, so the binary
 * runs on any x86-64 and uses 8-wide vectors where the CPU has them.
 * exp: Cephes expf range reduction + degree-6 polynomial; erf: Abramowitz &
 * Stegun 7.1.26 (|error| < 1.5e-7), the same form PyTorch vectorises.
 */
#include <math.h>
#include <string.h>

#include "embed_int.h"

#if defined(__x86_64__) || defined(__i386__)
#define EMB_X86 1
#include <immintrin.h>
#endif

/* ---- plain C ---- */

static void add_ln_c(float *x, const float *y, const float *bias, const float *g, const float *b, size_t n,
                     size_t h, float eps) {
    for (size_t r = 0; r < n; r++) {
        float *v = x + r * h;
        const float *w = y ? y + r * h : NULL;
        double s = 0;
        for (size_t j = 0; j < h; j++) {
            v[j] += (w ? w[j] : 0.0f) + (bias ? bias[j] : 0.0f);
            s += v[j];
        }
        float mean = (float)(s / (double)h);
        double q = 0;
        for (size_t j = 0; j < h; j++)
            q += (double)(v[j] - mean) * (v[j] - mean);
        float inv = 1.0f / sqrtf((float)(q / (double)h) + eps);
        for (size_t j = 0; j < h; j++)
            v[j] = (v[j] - mean) * inv * g[j] + b[j];
    }
}

static void gelu_c(float *x, const float *bias, size_t n, size_t h, enum emb_act act) {
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < h; j++) {
            float v = x[r * h + j] + bias[j];
            if (act == EMB_GELU_ERF)
                x[r * h + j] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
            else
                x[r * h + j] = 0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
        }
}

static void softmax_c(float *s, size_t n, size_t m, size_t ld) {
    for (size_t r = 0; r < n; r++) {
        float *v = s + r * ld, mx = v[0], sum = 0;
        for (size_t j = 1; j < m; j++)
            mx = v[j] > mx ? v[j] : mx;
        for (size_t j = 0; j < m; j++) {
            v[j] = expf(v[j] - mx);
            sum += v[j];
        }
        float inv = 1.0f / sum;
        for (size_t j = 0; j < m; j++)
            v[j] *= inv;
    }
}

/* ---- AVX2 + FMA ---- */
#ifdef EMB_X86
#define AVX __attribute__((target("avx2,fma")))

AVX static inline float hsum(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

AVX static inline float hmax(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

AVX static inline __m256 vexp(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

AVX static inline __m256 vgelu_erf(__m256 v) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 z = _mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f));
    __m256 az = _mm256_andnot_ps(sign, z);
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(az, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 e = vexp(_mm256_mul_ps(_mm256_xor_ps(az, sign), az));      /* exp(-z^2) */
    __m256 erf = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0f));       /* erf(|z|) */
    erf = _mm256_or_ps(erf, _mm256_and_ps(z, sign));                 /* sign(z) */
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(_mm256_set1_ps(1.0f), erf));
}

AVX static inline __m256 vgelu_tanh(__m256 v) {
    __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.79788456080286536f),
                             _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(0.044715f), v), _mm256_mul_ps(v, v), v));
    /* tanh(u) = 1 - 2/(exp(2u)+1) */
    __m256 e = vexp(_mm256_add_ps(u, u));
    __m256 th = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(_mm256_set1_ps(1.0f), th));
}

AVX static void gelu_avx(float *x, const float *bias, size_t n, size_t h, enum emb_act act) {
    size_t h8 = h & ~(size_t)7;
    for (size_t r = 0; r < n; r++) {
        float *v = x + r * h;
        for (size_t j = 0; j < h8; j += 8) {
            __m256 a = _mm256_add_ps(_mm256_loadu_ps(v + j), _mm256_loadu_ps(bias + j));
            _mm256_storeu_ps(v + j, act == EMB_GELU_ERF ? vgelu_erf(a) : vgelu_tanh(a));
        }
        if (h8 < h)
            gelu_c(v + h8, bias + h8, 1, h - h8, act);
    }
}

AVX static void add_ln_avx(float *x, const float *y, const float *bias, const float *g, const float *b, size_t n,
                           size_t h, float eps) {
    if (h & 7) {
        add_ln_c(x, y, bias, g, b, n, h, eps);
        return;
    }
    for (size_t r = 0; r < n; r++) {
        float *v = x + r * h;
        const float *w = y ? y + r * h : NULL;
        __m256 s = _mm256_setzero_ps();
        for (size_t j = 0; j < h; j += 8) {
            __m256 a = _mm256_loadu_ps(v + j);
            if (w)
                a = _mm256_add_ps(a, _mm256_loadu_ps(w + j));
            if (bias)
                a = _mm256_add_ps(a, _mm256_loadu_ps(bias + j));
            _mm256_storeu_ps(v + j, a);
            s = _mm256_add_ps(s, a);
        }
        __m256 mean = _mm256_set1_ps(hsum(s) / (float)h), q = _mm256_setzero_ps();
        for (size_t j = 0; j < h; j += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(v + j), mean);
            q = _mm256_fmadd_ps(d, d, q);
        }
        __m256 inv = _mm256_set1_ps(1.0f / sqrtf(hsum(q) / (float)h + eps));
        for (size_t j = 0; j < h; j += 8) {
            __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(v + j), mean), inv);
            _mm256_storeu_ps(v + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(g + j), _mm256_loadu_ps(b + j)));
        }
    }
}

AVX static void softmax_avx(float *s, size_t n, size_t m, size_t ld) {
    size_t m8 = m & ~(size_t)7;
    for (size_t r = 0; r < n; r++) {
        float *v = s + r * ld;
        float mx = v[0];
        if (m8) {
            __m256 vm = _mm256_loadu_ps(v);
            for (size_t j = 8; j < m8; j += 8)
                vm = _mm256_max_ps(vm, _mm256_loadu_ps(v + j));
            mx = hmax(vm);
        }
        for (size_t j = m8; j < m; j++)
            mx = v[j] > mx ? v[j] : mx;
        __m256 vmx = _mm256_set1_ps(mx), vs = _mm256_setzero_ps();
        for (size_t j = 0; j < m8; j += 8) {
            __m256 e = vexp(_mm256_sub_ps(_mm256_loadu_ps(v + j), vmx));
            _mm256_storeu_ps(v + j, e);
            vs = _mm256_add_ps(vs, e);
        }
        float sum = hsum(vs);
        for (size_t j = m8; j < m; j++) {
            v[j] = expf(v[j] - mx);
            sum += v[j];
        }
        float inv = 1.0f / sum;
        __m256 vi = _mm256_set1_ps(inv);
        for (size_t j = 0; j < m8; j += 8)
            _mm256_storeu_ps(v + j, _mm256_mul_ps(_mm256_loadu_ps(v + j), vi));
        for (size_t j = m8; j < m; j++)
            v[j] *= inv;
    }
}

static int have_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static int have_avx2(void) { return 0; }
#endif

void emb_add_layernorm(float *x, const float *y, const float *bias, const float *g, const float *b, size_t n,
                       size_t h, float eps) {
#ifdef EMB_X86
    if (have_avx2()) {
        add_ln_avx(x, y, bias, g, b, n, h, eps);
        return;
    }
#endif
    add_ln_c(x, y, bias, g, b, n, h, eps);
}

void emb_add_bias(float *x, const float *bias, size_t n, size_t h) {
    for (size_t r = 0; r < n; r++) {
        float *v = x + r * h;
        for (size_t j = 0; j < h; j++) /* simple enough for the compiler to vectorise */
            v[j] += bias[j];
    }
}

void emb_bias_gelu(float *x, const float *bias, size_t n, size_t h, enum emb_act act) {
#ifdef EMB_X86
    if (have_avx2()) {
        gelu_avx(x, bias, n, h, act);
        return;
    }
#endif
    gelu_c(x, bias, n, h, act);
}

void emb_softmax_rows(float *s, size_t n, size_t m, size_t ld) {
#ifdef EMB_X86
    if (have_avx2()) {
        softmax_avx(s, n, m, ld);
        return;
    }
#endif
    softmax_c(s, n, m, ld);
}

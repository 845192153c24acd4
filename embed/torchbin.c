/*
 * torchbin.c -- reader for PyTorch `pytorch_model.bin` (torch.save zip
 * format, PyTorch >= 1.6): a stored (uncompressed) ZIP holding data.pkl, a
 * pickle of the state dict, and one raw little-endian storage per key in
 * data/<key>. The pickle is read by a small stack machine that knows only
 * the opcodes and the handful of globals a state dict needs
 * (OrderedDict, _rebuild_tensor_v2, _rebuild_parameter, *Storage); any other
 * global or opcode is refused, so nothing in the file is ever executed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_int.h"

#define ZIP_MAX_ENTRIES 1000000
#define PK_MAX_NODES (1u << 22)
#define PK_MAX_STACK (1u << 20)
#define PK_MAX_MEMO (1u << 22)

/* ---- ZIP (APPNOTE.TXT 4.3: central directory, local headers, zip64) ---- */

struct zentry {
    const char *name;
    size_t name_len;
    const unsigned char *data;
    uint64_t size;
};

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static mm_rc zip_read(const char *path, const unsigned char *f, size_t len, struct zentry **out, size_t *nout,
                      struct mm_err *err) {
    *out = NULL;
    *nout = 0;
    if (len < 22)
        return mm_err_set(err, MM_EMODEL, "%s: %zu bytes, too short for a zip archive; download the file again", path, len);
    size_t eocd = (size_t)-1;
    size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
    for (size_t i = len - 22 + 1; i-- > lo;)
        if (rd32(f + i) == 0x06054b50u) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1)
        return mm_err_set(err, MM_EMODEL, "%s: no zip end record; the file is truncated or a pre-1.6 torch.save file (re-save it with a current PyTorch or use safetensors)", path);
    uint64_t n = rd16(f + eocd + 10), cd_size = rd32(f + eocd + 12), cd_off = rd32(f + eocd + 16);
    if ((n == 0xFFFF || cd_off == 0xFFFFFFFFu || cd_size == 0xFFFFFFFFu) && eocd >= 20 &&
        rd32(f + eocd - 20) == 0x07064b50u) {
        uint64_t z = rd64(f + eocd - 20 + 8);
        if (len < 56 || z > len - 56 || rd32(f + z) != 0x06064b50u)
            return mm_err_set(err, MM_EMODEL, "%s: bad zip64 end record; the file is damaged", path);
        n = rd64(f + z + 32);
        cd_size = rd64(f + z + 40);
        cd_off = rd64(f + z + 48);
    }
    if (cd_off > len || cd_size > len - cd_off || n > ZIP_MAX_ENTRIES)
        return mm_err_set(err, MM_EMODEL, "%s: zip central directory outside the file; the file is truncated", path);
    struct zentry *e = calloc(n ? n : 1, sizeof *e);
    if (!e)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    const unsigned char *p = f + cd_off, *end = f + cd_off + cd_size;
    for (uint64_t i = 0; i < n; i++) {
        if (end - p < 46 || rd32(p) != 0x02014b50u)
            goto bad;
        unsigned method = rd16(p + 10);
        uint64_t csize = rd32(p + 20), usize = rd32(p + 24), loff = rd32(p + 42);
        size_t nl = rd16(p + 28), xl = rd16(p + 30), cl = rd16(p + 32);
        if ((size_t)(end - p) < 46 + nl + xl + cl)
            goto bad;
        const unsigned char *x = p + 46 + nl, *xe = x + xl;
        while (xe - x >= 4) { /* zip64 extended information: only the fields that overflowed */
            unsigned id = rd16(x), sz = rd16(x + 2);
            if ((size_t)(xe - x - 4) < sz)
                break;
            if (id == 1) {
                const unsigned char *q = x + 4, *qe = x + 4 + sz;
                if (usize == 0xFFFFFFFFu && qe - q >= 8) { usize = rd64(q); q += 8; }
                if (csize == 0xFFFFFFFFu && qe - q >= 8) { csize = rd64(q); q += 8; }
                if (loff == 0xFFFFFFFFu && qe - q >= 8) { loff = rd64(q); q += 8; }
            }
            x += 4 + sz;
        }
        e[i].name = (const char *)p + 46;
        e[i].name_len = nl;
        if (method != 0 || csize != usize) {
            mm_err_set(err, MM_EMODEL, "%s: zip entry %.*s is compressed (method %u); torch.save writes stored entries, re-save the checkpoint",
                       path, (int)nl, e[i].name, method);
            free(e);
            return MM_EMODEL;
        }
        if (len < 30 || loff > len - 30 || rd32(f + loff) != 0x04034b50u)
            goto bad;
        uint64_t doff = loff + 30 + rd16(f + loff + 26) + rd16(f + loff + 28);
        if (doff > len || usize > len - doff) {
            mm_err_set(err, MM_EMODEL, "%s: zip entry %.*s runs past the end of the file; the file is truncated, download it again",
                       path, (int)nl, e[i].name);
            free(e);
            return MM_EMODEL;
        }
        e[i].data = f + doff;
        e[i].size = usize;
        p += 46 + nl + xl + cl;
    }
    *out = e;
    *nout = (size_t)n;
    return MM_OK;
bad:
    free(e);
    return mm_err_set(err, MM_EMODEL, "%s: damaged zip central directory; download the file again", path);
}

static const struct zentry *zip_find(const struct zentry *e, size_t n, const char *prefix, size_t plen,
                                     const char *name, size_t nlen) {
    for (size_t i = 0; i < n; i++)
        if (e[i].name_len == plen + nlen && memcmp(e[i].name, prefix, plen) == 0 &&
            memcmp(e[i].name + plen, name, nlen) == 0)
            return &e[i];
    return NULL;
}

/* ---- restricted pickle machine (Lib/pickletools.py opcode list) ---- */

enum ptype { P_NONE, P_BOOL, P_INT, P_STR, P_TUPLE, P_LIST, P_DICT, P_GLOBAL, P_STORAGE, P_TENSOR };
enum pglobal { G_ODICT, G_REBUILD, G_PARAM, G_STORAGE };

struct pnode {
    uint8_t type;
    uint8_t g;           /* P_GLOBAL: which; P_STORAGE: the dtype */
    int64_t i;           /* P_INT, P_BOOL; P_STORAGE: numel; P_TENSOR: storage offset */
    const char *s;       /* P_STR; P_STORAGE: key */
    uint32_t slen;
    int32_t *kid;        /* P_TUPLE/P_LIST/P_DICT children (dict: k,v,k,v...) */
    uint32_t nkid, ckid;
    int32_t storage;     /* P_TENSOR */
    int ndim;
    int64_t shape[EMB_MAX_DIMS], stride[EMB_MAX_DIMS];
};

struct pvm {
    const char *path;
    struct pnode *node;
    uint32_t nnode, cnode;
    int32_t *stack;
    uint32_t sp, cstack;
    uint32_t *marks;
    uint32_t nmark, cmark;
    int32_t *memo;
    uint32_t cmemo;
    struct mm_err *err;
};

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem, uint32_t max) {
    if (need <= *cap)
        return 0;
    if (need > max)
        return -1;
    uint32_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc = nc > max / 2 ? max : nc * 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static int32_t new_node(struct pvm *vm, uint8_t type) {
    if (grow((void **)&vm->node, &vm->cnode, vm->nnode + 1, sizeof *vm->node, PK_MAX_NODES))
        return -1;
    struct pnode *n = &vm->node[vm->nnode];
    memset(n, 0, sizeof *n);
    n->type = type;
    return (int32_t)vm->nnode++;
}

static int add_kid(struct pvm *vm, int32_t parent, int32_t kid) {
    struct pnode *n = &vm->node[parent];
    if (grow((void **)&n->kid, &n->ckid, n->nkid + 1, sizeof *n->kid, PK_MAX_NODES))
        return -1;
    n->kid[n->nkid++] = kid;
    return 0;
}

static int push(struct pvm *vm, int32_t v) {
    if (v < 0 || grow((void **)&vm->stack, &vm->cstack, vm->sp + 1, sizeof *vm->stack, PK_MAX_STACK))
        return -1;
    vm->stack[vm->sp++] = v;
    return 0;
}

static void pvm_free(struct pvm *vm) {
    for (uint32_t i = 0; i < vm->nnode; i++)
        free(vm->node[i].kid);
    free(vm->node);
    free(vm->stack);
    free(vm->marks);
    free(vm->memo);
}

static int parse_global(const char *s, size_t n, uint8_t *g, uint8_t *dt) {
    static const struct { const char *name; uint8_t g, dt; } ok[] = {
        {"collections\nOrderedDict", G_ODICT, 0},
        {"torch._utils\n_rebuild_tensor_v2", G_REBUILD, 0},
        {"torch._utils\n_rebuild_parameter", G_PARAM, 0},
        {"torch\nFloatStorage", G_STORAGE, EMB_F32},
        {"torch\nHalfStorage", G_STORAGE, EMB_F16},
        {"torch\nBFloat16Storage", G_STORAGE, EMB_BF16},
        {"torch\nLongStorage", G_STORAGE, EMB_I64},
        {"torch\nIntStorage", G_STORAGE, EMB_I32},
        {"torch\nDoubleStorage", G_STORAGE, EMB_F64},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i].name) == n && memcmp(ok[i].name, s, n) == 0) {
            *g = ok[i].g;
            *dt = ok[i].dt;
            return 0;
        }
    return -1;
}

static int get_int_tuple(struct pvm *vm, int32_t t, int64_t *out, int *nd) {
    struct pnode *n = &vm->node[t];
    if (n->type != P_TUPLE || n->nkid > EMB_MAX_DIMS)
        return -1;
    for (uint32_t i = 0; i < n->nkid; i++) {
        struct pnode *k = &vm->node[n->kid[i]];
        if (k->type != P_INT || k->i < 0)
            return -1;
        out[i] = k->i;
    }
    *nd = (int)n->nkid;
    return 0;
}

#define PK_FAIL(...) do { mm_err_set(vm->err, MM_EMODEL, __VA_ARGS__); return -1; } while (0)
#define NEED(k) do { if ((size_t)(end - p) < (size_t)(k)) PK_FAIL("%s: data.pkl ends inside an opcode at byte %zu; the file is truncated", vm->path, (size_t)(p - start)); } while (0)
#define POP(v) do { if (vm->sp == 0 || (vm->nmark && vm->sp <= vm->marks[vm->nmark - 1])) PK_FAIL("%s: data.pkl: stack underflow at byte %zu; not a state dict", vm->path, off); (v) = vm->stack[--vm->sp]; } while (0)
#define OOM() PK_FAIL("%s: data.pkl: out of memory or over the %u-value limit at byte %zu", vm->path, PK_MAX_NODES, off)

/* Run the pickle; on success *result is the node left by STOP. */
static int pvm_run(struct pvm *vm, const unsigned char *start, size_t len, int32_t *result) {
    const unsigned char *p = start, *end = start + len;
    while (p < end) {
        size_t off = (size_t)(p - start);
        unsigned op = *p++;
        int32_t a, b, c;
        switch (op) {
        case 0x80: NEED(1); p++; break; /* PROTO */
        case 0x95: NEED(8); p += 8; break; /* FRAME */
        case '.': /* STOP */
            POP(a);
            *result = a;
            return 0;
        case '(': /* MARK */
            if (grow((void **)&vm->marks, &vm->cmark, vm->nmark + 1, sizeof *vm->marks, PK_MAX_STACK)) OOM();
            vm->marks[vm->nmark++] = vm->sp;
            break;
        case 'N': if (push(vm, new_node(vm, P_NONE))) OOM(); break;
        case 0x88: case 0x89: /* NEWTRUE, NEWFALSE */
            a = new_node(vm, P_BOOL);
            if (a < 0) OOM();
            vm->node[a].i = op == 0x88;
            if (push(vm, a)) OOM();
            break;
        case 'J': case 'K': case 'M': { /* BININT, BININT1, BININT2 */
            int64_t v;
            if (op == 'J') { NEED(4); v = (int32_t)rd32(p); p += 4; }
            else if (op == 'K') { NEED(1); v = *p++; }
            else { NEED(2); v = rd16(p); p += 2; }
            a = new_node(vm, P_INT);
            if (a < 0) OOM();
            vm->node[a].i = v;
            if (push(vm, a)) OOM();
            break;
        }
        case 0x8a: { /* LONG1: little-endian two's complement, up to 8 bytes here */
            NEED(1);
            unsigned nb = *p++;
            NEED(nb);
            if (nb > 8) PK_FAIL("%s: data.pkl: integer of %u bytes at byte %zu; not a state dict", vm->path, nb, off);
            uint64_t u = 0;
            for (unsigned i = 0; i < nb; i++) u |= (uint64_t)p[i] << (8 * i);
            if (nb && nb < 8 && (p[nb - 1] & 0x80)) u |= ~0ull << (8 * nb);
            p += nb;
            a = new_node(vm, P_INT);
            if (a < 0) OOM();
            vm->node[a].i = (int64_t)u;
            if (push(vm, a)) OOM();
            break;
        }
        case 'X': case 0x8c: { /* BINUNICODE, SHORT_BINUNICODE */
            uint32_t n;
            if (op == 'X') { NEED(4); n = rd32(p); p += 4; } else { NEED(1); n = *p++; }
            NEED(n);
            a = new_node(vm, P_STR);
            if (a < 0) OOM();
            vm->node[a].s = (const char *)p;
            vm->node[a].slen = n;
            p += n;
            if (push(vm, a)) OOM();
            break;
        }
        case 'c': { /* GLOBAL "module\nname\n" */
            const unsigned char *nl1 = memchr(p, '\n', (size_t)(end - p));
            const unsigned char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1)) : NULL;
            if (!nl2) PK_FAIL("%s: data.pkl: unterminated GLOBAL at byte %zu", vm->path, off);
            uint8_t g, dt;
            if (parse_global((const char *)p, (size_t)(nl2 - p), &g, &dt)) {
                char what[128];
                snprintf(what, sizeof what, "%.*s", (int)(nl2 - p), (const char *)p);
                for (char *q = what; *q; q++)
                    if (*q == '\n' || (unsigned char)*q < 32)
                        *q = '.'; /* messages are one line */
                PK_FAIL("%s: data.pkl refers to %s (byte %zu); only plain state dicts of tensors are accepted, save the weights with save_pretrained or as safetensors",
                        vm->path, what, off);
            }
            a = new_node(vm, P_GLOBAL);
            if (a < 0) OOM();
            vm->node[a].g = g;
            vm->node[a].i = dt;
            p = nl2 + 1;
            if (push(vm, a)) OOM();
            break;
        }
        case 'q': case 'r': { /* BINPUT, LONG_BINPUT */
            uint32_t id;
            if (op == 'q') { NEED(1); id = *p++; } else { NEED(4); id = rd32(p); p += 4; }
            if (vm->sp == 0) PK_FAIL("%s: data.pkl: PUT on an empty stack at byte %zu", vm->path, off);
            uint32_t old = vm->cmemo;
            if (grow((void **)&vm->memo, &vm->cmemo, id + 1, sizeof *vm->memo, PK_MAX_MEMO)) OOM();
            for (uint32_t i = old; i < vm->cmemo; i++) vm->memo[i] = -1;
            vm->memo[id] = vm->stack[vm->sp - 1];
            break;
        }
        case 'h': case 'j': { /* BINGET, LONG_BINGET */
            uint32_t id;
            if (op == 'h') { NEED(1); id = *p++; } else { NEED(4); id = rd32(p); p += 4; }
            if (id >= vm->cmemo || vm->memo[id] < 0) PK_FAIL("%s: data.pkl: GET of unknown memo %u at byte %zu", vm->path, id, off);
            if (push(vm, vm->memo[id])) OOM();
            break;
        }
        case ')': if (push(vm, new_node(vm, P_TUPLE))) OOM(); break;
        case '}': if (push(vm, new_node(vm, P_DICT))) OOM(); break;
        case ']': if (push(vm, new_node(vm, P_LIST))) OOM(); break;
        case 't': case 'e': case 'u': case 'l': case 'd': { /* TUPLE, APPENDS, SETITEMS, LIST, DICT */
            if (!vm->nmark) PK_FAIL("%s: data.pkl: no MARK at byte %zu", vm->path, off);
            uint32_t m = vm->marks[--vm->nmark];
            if (op == 'e' || op == 'u') {
                if (m == 0) PK_FAIL("%s: data.pkl: nothing to add items to at byte %zu", vm->path, off);
                a = vm->stack[m - 1];
                uint8_t want = op == 'e' ? P_LIST : P_DICT;
                if (vm->node[a].type != want || (op == 'u' && (vm->sp - m) % 2))
                    PK_FAIL("%s: data.pkl: %s on the wrong kind of value at byte %zu", vm->path, op == 'e' ? "APPENDS" : "SETITEMS", off);
            } else {
                a = new_node(vm, op == 't' ? P_TUPLE : op == 'l' ? P_LIST : P_DICT);
                if (a < 0) OOM();
            }
            for (uint32_t i = m; i < vm->sp; i++)
                if (add_kid(vm, a, vm->stack[i])) OOM();
            vm->sp = m;
            if (op != 'e' && op != 'u' && push(vm, a)) OOM();
            break;
        }
        case 0x85: case 0x86: case 0x87: { /* TUPLE1..3 */
            int k = (int)op - 0x84;
            int32_t v[3];
            for (int i = k - 1; i >= 0; i--) POP(v[i]);
            a = new_node(vm, P_TUPLE);
            if (a < 0) OOM();
            for (int i = 0; i < k; i++) if (add_kid(vm, a, v[i])) OOM();
            if (push(vm, a)) OOM();
            break;
        }
        case 'a': /* APPEND */
            POP(b); POP(a);
            if (vm->node[a].type != P_LIST) PK_FAIL("%s: data.pkl: APPEND to a non-list at byte %zu", vm->path, off);
            if (add_kid(vm, a, b) || push(vm, a)) OOM();
            break;
        case 's': /* SETITEM */
            POP(c); POP(b); POP(a);
            if (vm->node[a].type != P_DICT) PK_FAIL("%s: data.pkl: SETITEM on a non-dict at byte %zu", vm->path, off);
            if (add_kid(vm, a, b) || add_kid(vm, a, c) || push(vm, a)) OOM();
            break;
        case 'b': /* BUILD: object state (OrderedDict._metadata): ignored */
            POP(b); POP(a);
            if (vm->node[a].type != P_DICT && vm->node[a].type != P_TENSOR)
                PK_FAIL("%s: data.pkl: BUILD on an unexpected value at byte %zu", vm->path, off);
            if (push(vm, a)) OOM();
            break;
        case 'Q': { /* BINPERSID: ('storage', StorageType, key, location, numel) */
            POP(a);
            struct pnode *t = &vm->node[a];
            if (t->type != P_TUPLE || t->nkid != 5 || vm->node[t->kid[0]].type != P_STR ||
                vm->node[t->kid[1]].type != P_GLOBAL || vm->node[t->kid[1]].g != G_STORAGE ||
                vm->node[t->kid[2]].type != P_STR || vm->node[t->kid[4]].type != P_INT || vm->node[t->kid[4]].i < 0)
                PK_FAIL("%s: data.pkl: unexpected persistent id at byte %zu; not a torch.save state dict", vm->path, off);
            b = new_node(vm, P_STORAGE);
            if (b < 0) OOM();
            t = &vm->node[a];
            vm->node[b].g = (uint8_t)vm->node[t->kid[1]].i;
            vm->node[b].s = vm->node[t->kid[2]].s;
            vm->node[b].slen = vm->node[t->kid[2]].slen;
            vm->node[b].i = vm->node[t->kid[4]].i;
            if (push(vm, b)) OOM();
            break;
        }
        case 'R': { /* REDUCE: only the allowed callables */
            POP(b); POP(a);
            struct pnode *f = &vm->node[a], *args = &vm->node[b];
            if (f->type != P_GLOBAL || args->type != P_TUPLE)
                PK_FAIL("%s: data.pkl: call of a non-global at byte %zu; refused", vm->path, off);
            if (f->g == G_ODICT) {
                if (args->nkid) PK_FAIL("%s: data.pkl: OrderedDict with arguments at byte %zu", vm->path, off);
                c = new_node(vm, P_DICT);
            } else if (f->g == G_PARAM) {
                if (args->nkid < 1 || vm->node[args->kid[0]].type != P_TENSOR)
                    PK_FAIL("%s: data.pkl: _rebuild_parameter without a tensor at byte %zu", vm->path, off);
                c = args->kid[0];
            } else if (f->g == G_REBUILD) {
                if (args->nkid < 4 || vm->node[args->kid[0]].type != P_STORAGE || vm->node[args->kid[1]].type != P_INT)
                    PK_FAIL("%s: data.pkl: malformed _rebuild_tensor_v2 at byte %zu", vm->path, off);
                int64_t shape[EMB_MAX_DIMS], stride[EMB_MAX_DIMS];
                int nd1, nd2;
                if (get_int_tuple(vm, args->kid[2], shape, &nd1) || get_int_tuple(vm, args->kid[3], stride, &nd2) || nd1 != nd2)
                    PK_FAIL("%s: data.pkl: tensor size/stride at byte %zu are not small tuples of integers", vm->path, off);
                int32_t st = args->kid[0];
                int64_t o = vm->node[args->kid[1]].i;
                c = new_node(vm, P_TENSOR);
                if (c < 0) OOM();
                vm->node[c].storage = st;
                vm->node[c].i = o;
                vm->node[c].ndim = nd1;
                memcpy(vm->node[c].shape, shape, sizeof shape);
                memcpy(vm->node[c].stride, stride, sizeof stride);
            } else {
                PK_FAIL("%s: data.pkl: storage type called at byte %zu; refused", vm->path, off);
            }
            if (push(vm, c)) OOM();
            break;
        }
        default:
            PK_FAIL("%s: data.pkl: pickle opcode 0x%02x at byte %zu is not allowed in a state dict; refused (save the weights as safetensors)",
                    vm->path, op, off);
        }
    }
    PK_FAIL("%s: data.pkl has no STOP; the file is truncated", vm->path);
}

mm_rc emb_load_torchbin(const char *path, struct emb_tensors *ts, struct mm_err *err) {
    mm_rc rc = emb_tensors_map(ts, path, err);
    if (rc)
        return rc;
    struct zentry *ze = NULL;
    size_t nz = 0;
    rc = zip_read(path, ts->map, ts->map_len, &ze, &nz, err);
    if (rc)
        return rc;
    const struct zentry *pkl = NULL;
    for (size_t i = 0; i < nz; i++)
        if (ze[i].name_len >= 8 && memcmp(ze[i].name + ze[i].name_len - 8, "data.pkl", 8) == 0 &&
            (ze[i].name_len == 8 || ze[i].name[ze[i].name_len - 9] == '/')) {
            pkl = &ze[i];
            break;
        }
    if (!pkl) {
        free(ze);
        return mm_err_set(err, MM_EMODEL, "%s: zip has no data.pkl; not a torch.save file", path);
    }
    const char *prefix = pkl->name;
    size_t plen = pkl->name_len - 8;
    const struct zentry *bo = zip_find(ze, nz, prefix, plen, "byteorder", 9);
    if (bo && !(bo->size == 6 && memcmp(bo->data, "little", 6) == 0)) {
        free(ze);
        return mm_err_set(err, MM_EMODEL, "%s: big-endian checkpoint; re-save it on a little-endian machine", path);
    }

    struct pvm vm = {.path = path, .err = err};
    int32_t top = -1;
    if (pvm_run(&vm, pkl->data, (size_t)pkl->size, &top)) {
        rc = err ? err->code : MM_EMODEL;
        goto out;
    }
    if (vm.node[top].type != P_DICT) {
        rc = mm_err_set(err, MM_EMODEL, "%s: data.pkl holds no dict of tensors; save model.state_dict()", path);
        goto out;
    }
    struct pnode *d = &vm.node[top];
    for (uint32_t i = 0; i + 1 < d->nkid; i += 2) {
        struct pnode *k = &vm.node[d->kid[i]], *v = &vm.node[d->kid[i + 1]];
        if (k->type != P_STR || v->type != P_TENSOR)
            continue; /* non-tensor entries are not weights */
        struct pnode *s = &vm.node[v->storage];
        char key[64];
        if (s->slen >= sizeof key - 5) {
            rc = mm_err_set(err, MM_EMODEL, "%s: tensor %.*s: storage key too long", path, (int)k->slen, k->s);
            goto out;
        }
        int kl = snprintf(key, sizeof key, "data/%.*s", (int)s->slen, s->s);
        const struct zentry *se = zip_find(ze, nz, prefix, plen, key, (size_t)kl);
        size_t es = emb_dtype_size((enum emb_dtype)s->g);
        uint64_t numel = 1;
        int contiguous = 1;
        int64_t want = 1;
        for (int j = v->ndim - 1; j >= 0; j--) {
            if (v->shape[j] != 1 && v->stride[j] != want)
                contiguous = 0;
            want *= v->shape[j];
            numel *= (uint64_t)v->shape[j];
            if (numel > (1ull << 40))
                contiguous = 0;
        }
        if (!se) {
            rc = mm_err_set(err, MM_EMODEL, "%s: tensor %.*s: storage %s missing from the archive; the file is damaged",
                            path, (int)k->slen, k->s, key);
            goto out;
        }
        if (!contiguous) {
            rc = mm_err_set(err, MM_EMODEL, "%s: tensor %.*s is not contiguous; save a state dict of contiguous tensors",
                            path, (int)k->slen, k->s);
            goto out;
        }
        /* one unit in each message: bytes for the archive entry, elements
         * (with their size) for what the pickle declares */
        if (es && (uint64_t)s->i > se->size / es) {
            rc = mm_err_set(err, MM_EMODEL,
                            "%s: tensor %.*s: storage %s declares %lld elements of %s (%llu bytes) but holds %llu "
                            "bytes; the file is truncated",
                            path, (int)k->slen, k->s, key, (long long)s->i, emb_dtype_name((enum emb_dtype)s->g),
                            (unsigned long long)((uint64_t)s->i * es), (unsigned long long)se->size);
            goto out;
        }
        if ((uint64_t)v->i > (uint64_t)s->i || numel > (uint64_t)s->i - (uint64_t)v->i) {
            rc = mm_err_set(err, MM_EMODEL,
                            "%s: tensor %.*s needs elements %lld to %llu of storage %s, which holds %lld elements "
                            "of %s (%llu bytes); the file is damaged",
                            path, (int)k->slen, k->s, (long long)v->i, (unsigned long long)((uint64_t)v->i + numel),
                            key, (long long)s->i, emb_dtype_name((enum emb_dtype)s->g),
                            (unsigned long long)((uint64_t)s->i * es));
            goto out;
        }
        rc = emb_tensors_add(ts, k->s, k->slen, (enum emb_dtype)s->g, v->ndim, v->shape,
                             se->data + (size_t)v->i * es, (size_t)numel * es, err);
        if (rc)
            goto out;
    }
out:
    pvm_free(&vm);
    free(ze);
    return rc;
}

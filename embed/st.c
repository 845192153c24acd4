/*
 * st.c -- sentence-transformers folders: modules.json names the modules in
 * order; a Transformer module (a Hugging Face model folder, its
 * sentence_bert_config.json giving max_seq_length), a Pooling module
 * (1_Pooling/config.json: which pooling) and optionally a Normalize module.
 * What SentenceTransformer(dir).encode() computes from them is what
 * malmoi embed gives by default for such a folder.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_int.h"

/* "sentence_transformers.models.Pooling" ends in ".Pooling". */
static int type_is(const char *type, const char *cls) {
    size_t n = strlen(type), k = strlen(cls);
    return n >= k && strcmp(type + n - k, cls) == 0 && (n == k || type[n - k - 1] == '.');
}

static int bool_key(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return v && json_is_true(v);
}

static mm_rc read_pooling(struct emb_model *m, const char *mdir, struct mm_err *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", mdir);
    json_t *c;
    mm_rc lrc = emb_json_load(path, "", &c, err);
    if (lrc != MM_OK)
        return lrc == MM_ENOTFOUND ? MM_EMODEL : MM_EPARSE;
    static const struct {
        const char *key;
        int pool;
    } modes[] = {
        {"pooling_mode_cls_token", EMB_CLS},
        {"pooling_mode_max_tokens", EMB_MAX},
        {"pooling_mode_mean_tokens", EMB_MEAN},
        {"pooling_mode_mean_sqrt_len_tokens", EMB_MEAN_SQRT_LEN},
        {"pooling_mode_weightedmean_tokens", -1},
        {"pooling_mode_lasttoken", -1},
    };
    mm_rc rc = MM_OK;
    int n_on = 0;
    if (!json_is_object(c)) {
        rc = mm_err_set(err, MM_EPARSE, "%s: not a JSON object", path);
        goto out;
    }
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (!bool_key(c, modes[i].key))
            continue;
        if (modes[i].pool < 0) {
            rc = mm_err_set(err, MM_EMODEL, "%s: %s is not supported (cls, mean, max and mean_sqrt_len are)", path,
                            modes[i].key);
            goto out;
        }
        m->default_pool = (enum emb_pooling)modes[i].pool;
        n_on++;
    }
    if (n_on != 1) {
        rc = mm_err_set(err, MM_EMODEL,
                        "%s: %s pooling modes are on; malmoi takes exactly one (cls, mean, max or mean_sqrt_len)", path,
                        n_on ? "several" : "no");
        goto out;
    }
    json_t *dim = json_object_get(c, "word_embedding_dimension");
    if (dim && (!json_is_integer(dim) || json_integer_value(dim) != m->cfg.hidden)) {
        rc = mm_err_set(err, MM_EMODEL, "%s: word_embedding_dimension is not the encoder's hidden_size %d", path,
                        m->cfg.hidden);
        goto out;
    }
out:
    json_decref(c);
    return rc;
}

/* Before the weights are read: modules.json, the Transformer's folder and
 * its sentence_bert_config.json. The Pooling config is read after the
 * config (emb_st_read_pooling), as it is checked against hidden_size. */
mm_rc emb_st_read(struct emb_model *m, const char *dir, struct mm_err *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/modules.json", dir);
    struct mm_err e2 = {0};
    json_t *mods;
    mm_rc lrc = emb_json_load(path, "", &mods, &e2);
    if (lrc == MM_ENOTFOUND)
        return MM_OK; /* a plain Hugging Face folder */
    if (lrc != MM_OK) {
        *err = e2;
        return MM_EPARSE;
    }
    mm_rc rc = MM_OK;
    const char *tdir = NULL;
    if (!json_is_array(mods) || json_array_size(mods) == 0) {
        rc = mm_err_set(err, MM_EPARSE, "%s: not a list of modules", path);
        goto out;
    }
    m->st = 1;
    for (size_t i = 0; i < json_array_size(mods); i++) {
        json_t *mod = json_array_get(mods, i);
        json_t *jt = json_object_get(mod, "type"), *jp = json_object_get(mod, "path");
        if (!json_is_string(jt) || (jp && !json_is_string(jp))) {
            rc = mm_err_set(err, MM_EPARSE, "%s: module %zu has no \"type\" string", path, i);
            goto out;
        }
        const char *type = json_string_value(jt), *mp = jp ? json_string_value(jp) : "";
        if (strstr(mp, "..")) {
            rc = mm_err_set(err, MM_EPARSE, "%s: module path \"%s\" leaves the folder", path, mp);
            goto out;
        }
        char mdir[4096];
        snprintf(mdir, sizeof mdir, "%s%s%s", dir, *mp ? "/" : "", mp);
        if (type_is(type, "Transformer") && i == 0) {
            tdir = mp;
            free(m->encoder_dir);
            if (!(m->encoder_dir = strdup(mdir))) {
                rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
                goto out;
            }
        } else if (type_is(type, "Pooling") && i == 1 && tdir) {
            m->st_pool_dir = strdup(mdir);
            if (!m->st_pool_dir) {
                rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
                goto out;
            }
        } else if (type_is(type, "Normalize") && i == 2 && m->st_pool_dir) {
            m->normalize = 1;
        } else {
            rc = mm_err_set(err, MM_EMODEL,
                            "%s: module %zu (%s) is not supported; malmoi runs Transformer, Pooling and optionally "
                            "Normalize, in that order",
                            path, i, type);
            goto out;
        }
    }
    if (!m->st_pool_dir) {
        rc = mm_err_set(err, MM_EMODEL, "%s: no Transformer and Pooling modules; malmoi needs both", path);
        goto out;
    }
    /* sentence_bert_config.json sits in the Transformer's folder. */
    snprintf(path, sizeof path, "%s/sentence_bert_config.json", m->encoder_dir);
    json_t *sb;
    if ((lrc = emb_json_load(path, "", &sb, &e2)) != MM_OK) {
        if (lrc != MM_ENOTFOUND) {
            *err = e2;
            rc = MM_EPARSE;
        }
        goto out;
    }
    json_t *msl = json_object_get(sb, "max_seq_length");
    if (msl && !json_is_null(msl)) {
        if (!json_is_integer(msl) || json_integer_value(msl) < 2 || json_integer_value(msl) > 65536)
            rc = mm_err_set(err, MM_EPARSE, "%s: max_seq_length must be an integer in [2, 65536]", path);
        else
            m->st_max_seq_length = (int)json_integer_value(msl);
    }
    if (rc == MM_OK && bool_key(sb, "do_lower_case"))
        rc = mm_err_set(err, MM_EMODEL,
                        "%s: do_lower_case true is not supported (sentence-transformers lowercases the text with "
                        "Python's str.lower before tokenizing)",
                        path);
    json_decref(sb);
out:
    json_decref(mods);
    return rc;
}

mm_rc emb_st_read_pooling(struct emb_model *m, struct mm_err *err) {
    return m->st ? read_pooling(m, m->st_pool_dir, err) : MM_OK;
}

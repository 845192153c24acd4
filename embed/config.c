/*
 * config.c -- reads the fields of a Hugging Face BertConfig or RobertaConfig
 * (config.json) that the encoder needs (transformers configuration_bert.py
 * defaults; RoBERTa's pad_token_id defaults to 1).
 */
#include <jansson.h>
#include <string.h>

#include "embed_int.h"

static mm_rc get_int(const char *path, json_t *root, const char *key, int def, int lo, int hi, int *out,
                     struct mm_err *err) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        if (def < 0)
            return mm_err_set(err, MM_EPARSE, "%s: \"%s\" is missing; a BERT or RoBERTa config.json needs it", path, key);
        *out = def;
        return MM_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return mm_err_set(err, MM_EPARSE, "%s: \"%s\" must be an integer in [%d, %d]", path, key, lo, hi);
    *out = (int)json_integer_value(v);
    return MM_OK;
}

mm_rc emb_json_load(const char *path, const char *hint, json_t **out, struct mm_err *err) {
    json_error_t je;
    *out = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (*out)
        return MM_OK;
    if (je.line < 0 || strstr(je.text, "unable to open"))
        return mm_err_set(err, MM_ENOTFOUND, "%s: cannot read: %s%s", path, je.text, hint);
    return mm_err_set(err, MM_EPARSE, "%s:%d: bad JSON: %s", path, je.line, je.text);
}

mm_rc emb_config_read(const char *path, struct emb_config *cfg, struct mm_err *err) {
    memset(cfg, 0, sizeof *cfg);
    json_t *root;
    mm_rc rc = emb_json_load(path, "; give a Hugging Face model folder", &root, err);
    if (rc != MM_OK)
        return rc;
    if (!json_is_object(root)) {
        rc = mm_err_set(err, MM_EPARSE, "%s: not a JSON object", path);
        goto out;
    }
    json_t *mt = json_object_get(root, "model_type");
    const char *type = mt && json_is_string(mt) ? json_string_value(mt) : "bert";
    if (mt && !json_is_string(mt)) {
        rc = mm_err_set(err, MM_EPARSE, "%s: model_type must be a string", path);
        goto out;
    }
    if (strcmp(type, "bert") == 0) {
        cfg->family = EMB_FAMILY_BERT;
    } else if (strcmp(type, "roberta") == 0 || strcmp(type, "xlm-roberta") == 0) {
        cfg->family = EMB_FAMILY_ROBERTA;
    } else {
        rc = mm_err_set(err, MM_EMODEL, "%s: model_type \"%s\" is not supported (bert, roberta, xlm-roberta)", path,
                        type);
        goto out;
    }
    json_t *pe = json_object_get(root, "position_embedding_type");
    if (pe && json_is_string(pe) && strcmp(json_string_value(pe), "absolute") != 0) {
        rc = mm_err_set(err, MM_EMODEL, "%s: position_embedding_type \"%s\" is not supported (only \"absolute\")", path,
                        json_string_value(pe));
        goto out;
    }
    if ((rc = get_int(path, root, "vocab_size", -1, 1, 10000000, &cfg->vocab, err)) ||
        (rc = get_int(path, root, "hidden_size", 768, 1, 65536, &cfg->hidden, err)) ||
        (rc = get_int(path, root, "num_hidden_layers", 12, 1, 1000, &cfg->layers, err)) ||
        (rc = get_int(path, root, "num_attention_heads", 12, 1, 65536, &cfg->heads, err)) ||
        (rc = get_int(path, root, "intermediate_size", 3072, 1, 1 << 20, &cfg->inter, err)) ||
        (rc = get_int(path, root, "max_position_embeddings", 512, 1, 1 << 16, &cfg->max_pos, err)) ||
        (rc = get_int(path, root, "type_vocab_size", 2, 1, 1 << 16, &cfg->type_vocab, err)) ||
        (rc = get_int(path, root, "pad_token_id", cfg->family == EMB_FAMILY_ROBERTA ? 1 : 0, 0, 10000000, &cfg->pad_id,
                      err)))
        goto out;
    /* RoBERTa's first position is pad_token_id + 1: a config whose table
     * cannot hold even one token is broken. */
    if (cfg->family == EMB_FAMILY_ROBERTA && cfg->pad_id + 1 >= cfg->max_pos) {
        rc = mm_err_set(err, MM_EPARSE, "%s: max_position_embeddings %d leaves no position after pad_token_id %d", path,
                        cfg->max_pos, cfg->pad_id);
        goto out;
    }
    if (cfg->hidden % cfg->heads != 0) {
        rc = mm_err_set(err, MM_EPARSE, "%s: hidden_size %d is not a multiple of num_attention_heads %d", path,
                        cfg->hidden, cfg->heads);
        goto out;
    }
    json_t *eps = json_object_get(root, "layer_norm_eps");
    cfg->ln_eps = 1e-12f;
    if (eps) {
        if (!json_is_number(eps) || json_number_value(eps) < 0) {
            rc = mm_err_set(err, MM_EPARSE, "%s: layer_norm_eps must be a non-negative number", path);
            goto out;
        }
        cfg->ln_eps = (float)json_number_value(eps);
    }
    json_t *act = json_object_get(root, "hidden_act");
    const char *a = act && json_is_string(act) ? json_string_value(act) : "gelu";
    if (strcmp(a, "gelu") == 0) {
        cfg->act = EMB_GELU_ERF;
    } else if (strcmp(a, "gelu_new") == 0 || strcmp(a, "gelu_pytorch_tanh") == 0) {
        cfg->act = EMB_GELU_TANH;
    } else {
        rc = mm_err_set(err, MM_EMODEL, "%s: hidden_act \"%s\" is not supported (gelu, gelu_new, gelu_pytorch_tanh)", path, a);
        goto out;
    }
    json_t *nm = json_object_get(root, "_name_or_path");
    if (nm && json_is_string(nm))
        snprintf(cfg->name, sizeof cfg->name, "%s", json_string_value(nm));
out:
    json_decref(root);
    return rc;
}

// hf_make.js -- tokenizer.json files for malmoi's parity tests, made by the
// reference library itself (npm `tokenizers`, the Rust code):
//  - bytebpe*.json: a byte-level BPE trained on the test text, laid out as
//    RoBERTa's (<s> <pad> </s> <unk> first, the full byte alphabet, <mask>
//    last with lstrip, RobertaProcessing), and variants (add_prefix_space,
//    no regex, a Sequence post-processor);
//  - bpe-*.json: a Metaspace BPE trained on the same text, and variants of
//    each BPE option (unk_token, fuse_unk, byte_fallback, ignore_merges,
//    continuing_subword_prefix, end_of_word_suffix, prepend_scheme, split,
//    added tokens with lstrip/rstrip/single_word/normalized, KoGPT2 v1's
//    added_tokens that disagree with the vocab, TemplateProcessing);
//  - unigram*.json: a Unigram trained on the same text in XLM-R's layout
//    (<s> <pad> </s> <unk> first, <mask> last, SentencePiece's nmt_nfkc
//    charsmap as a Precompiled normalizer, RobertaProcessing), and one with
//    byte_fallback;
//  - wp-*.json: the KLUE WordPiece file with each normalizer and
//    pre-tokenizer in turn.
// Every file is loaded by the reference and saved again by it, so what the
// test reads is what the library writes.
//
// usage: node hf_make.js OUTDIR TRAIN_TEXT [KLUE_TOKENIZER_JSON]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const tk = require('tokenizers');

const [outDir, trainText] = process.argv.slice(2);
const klueJson = process.argv[4] ||
  path.join(__dirname, '../../data/tokenize/hf/klue/tokenizer.json');
fs.mkdirSync(outDir, { recursive: true });

function save(name, obj) {
  const t = tk.Tokenizer.fromString(JSON.stringify(obj));
  t.save(path.join(outDir, name), false);
}

function train(pre) {
  const t = new tk.Tokenizer(tk.BPE.empty());
  t.setPreTokenizer(pre);
  t.train([trainText]);
  const f = path.join(os.tmpdir(), `hf_make_${process.pid}.json`);
  t.save(f, false);
  const j = JSON.parse(fs.readFileSync(f, 'utf8'));
  fs.unlinkSync(f);
  return j;
}

function mergePair(m) {
  if (Array.isArray(m)) return m;
  const k = m.indexOf(' ');
  return [m.slice(0, k), m.slice(k + 1)];
}

function added(content, id, opts = {}) {
  return Object.assign({ id, content, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special: true }, opts);
}

// vocab: given tokens first, then the trained ones in id order
function relayout(first, trained) {
  const vocab = {};
  let n = 0;
  for (const t of first) if (!(t in vocab)) vocab[t] = n++;
  const order = Object.entries(trained).sort((a, b) => a[1] - b[1]);
  for (const [t] of order) if (!(t in vocab)) vocab[t] = n++;
  return vocab;
}

const clone = (o) => JSON.parse(JSON.stringify(o));

// ---- byte-level BPE, RoBERTa layout ----
{
  const j = train(tk.byteLevelPreTokenizer(false, true));
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = relayout(specials.concat(tk.byteLevelAlphabet().sort()), j.model.vocab);
  const mask = Object.keys(vocab).length;
  vocab['<mask>'] = mask;
  const base = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t, i) => added(t, i))
      .concat([added('<mask>', mask, { lstrip: true })]),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0],
      trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '',
      end_of_word_suffix: '', fuse_unk: false, byte_fallback: false,
      vocab, merges: j.model.merges.map(mergePair) },
  };
  save('bytebpe.json', base);
  let v = clone(base);
  v.pre_tokenizer.add_prefix_space = true;
  save('bytebpe-prefix-space.json', v);
  v = clone(base);
  v.pre_tokenizer.use_regex = false;
  save('bytebpe-noregex.json', v);
  v = clone(base);
  v.post_processor = { type: 'Sequence', processors: [
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '</s>', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } }] };
  v.normalizer = { type: 'NFKC' };
  save('bytebpe-seqpost.json', v);
  // a Llama-3 / GPT-4 style Split regex in front of a ByteLevel without regex
  v = clone(base);
  v.pre_tokenizer = { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
      behavior: 'Isolated', invert: false },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] };
  save('bytebpe-split-regex.json', v);
}

// ---- Metaspace BPE (KoBART / KoGPT2 style) and its options ----
{
  const j = train(tk.metaspacePreTokenizer('\u2581', 'always', true));
  const specials = ['<s>', '</s>', '<usr>', '<pad>', '<sys>', '<unk>', '<mask>'];
  const vocab = relayout(specials, j.model.vocab);
  const merges = j.model.merges.map(mergePair);
  const base = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t, i) => added(t, i)),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'BertNormalizer',
      clean_text: false, handle_chinese_chars: false, strip_accents: false, lowercase: false }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: null, decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  save('bpe.json', base);
  let v = clone(base);
  v.model.fuse_unk = true;
  v.pre_tokenizer.prepend_scheme = 'first';
  save('bpe-fuse-first.json', v);
  v = clone(base);
  v.model.unk_token = null;
  v.pre_tokenizer.prepend_scheme = 'never';
  v.pre_tokenizer.split = false;
  save('bpe-nounk-never-nosplit.json', v);
  v = clone(base);
  v.model.ignore_merges = true;
  v.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' },
    { type: 'StripAccents' }, { type: 'Replace', pattern: { String: '  ' }, content: ' ' }] };
  save('bpe-ignore-merges.json', v);
  v = clone(base);
  v.normalizer = { type: 'Replace', pattern: { Regex: '[0-9]+|\\p{Han}' }, content: '#' };
  save('bpe-replace-regex.json', v);
  // byte fallback: the 256 <0xXX> tokens in the vocab, no unk
  v = clone(base);
  let n = Object.keys(v.model.vocab).length;
  for (let b = 0; b < 256; b++) {
    const t = '<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>';
    if (!(t in v.model.vocab)) v.model.vocab[t] = n++;
  }
  v.model.byte_fallback = true;
  v.model.unk_token = null;
  save('bpe-byte-fallback.json', v);
  v.model.unk_token = '<unk>';
  v.model.fuse_unk = true;
  v.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFKD' },
    { type: 'Strip', strip_left: true, strip_right: false }] };
  save('bpe-byte-fallback-unk.json', v);
  // continuing_subword_prefix and end_of_word_suffix: every token also with
  // the prefix (suffix), merges of (a, ##b) -> ab and (##a, ##b) -> ##ab
  for (const [mode, name] of [['prefix', 'bpe-prefix.json'], ['suffix', 'bpe-suffix.json']]) {
    v = clone(base);
    const vc = {};
    let k = 0;
    const aff = (t) => (mode === 'prefix' ? '##' + t : t + '</w>');
    for (const [t] of Object.entries(base.model.vocab).sort((a, b) => a[1] - b[1])) {
      if (!(t in vc)) vc[t] = k++;
      if (!(aff(t) in vc)) vc[aff(t)] = k++;
    }
    const ms = [];
    for (const [a, b] of merges) {
      if (mode === 'prefix') {
        ms.push([a, '##' + b]);
        ms.push(['##' + a, '##' + b]);
      } else {
        ms.push([a, b]);
        ms.push([a, b + '</w>']);
      }
    }
    v.model.vocab = vc;
    v.model.merges = ms;
    if (mode === 'prefix') v.model.continuing_subword_prefix = '##';
    else v.model.end_of_word_suffix = '</w>';
    save(name, v);
  }
  // added tokens of every kind; KoGPT2 v1's ids that disagree with the vocab
  v = clone(base);
  v.added_tokens = [added('<s>', 0), added('</s>', 1), added('<pad>', 3),
    added('<mask>', 6, { lstrip: true, rstrip: true }),  // claims 6, vocab says otherwise
    added('<new1>', 5), added('<new2>', 5),                // not in vocab: new ids
    added('한국', 100, { special: false, normalized: true, single_word: true }),
    added('ＡＢＣ', 101, { special: false, normalized: true }),
    added('xyz', 102, { special: false, normalized: false, lstrip: true }),
    added('..', 103, { special: false, normalized: false, rstrip: true }),
    added('<usr>', 2, { normalized: true })];
  delete v.model.vocab['<mask>'];
  v.post_processor = { type: 'TemplateProcessing',
    single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: '</s>', type_id: 1 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] },
      '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } } };
  save('bpe-added-tokens.json', v);
}

// ---- WordPiece with each normalizer and pre-tokenizer ----
{
  const base = JSON.parse(fs.readFileSync(klueJson, 'utf8'));
  base.truncation = null;
  base.padding = null;
  const bn = (o) => Object.assign({ type: 'BertNormalizer', clean_text: true,
    handle_chinese_chars: true, strip_accents: null, lowercase: false }, o);
  const variants = {
    'wp-lower': [bn({ lowercase: true }), { type: 'BertPreTokenizer' }],
    'wp-lower-keep-accents': [bn({ lowercase: true, strip_accents: false, clean_text: false,
      handle_chinese_chars: false }), { type: 'BertPreTokenizer' }],
    'wp-strip-accents': [bn({ strip_accents: true }), { type: 'Whitespace' }],
    'wp-nfkc-wssplit': [{ type: 'NFKC' }, { type: 'WhitespaceSplit' }],
    'wp-nfc-chardelim': [{ type: 'NFC' }, { type: 'CharDelimiterSplit', delimiter: ' ' }],
    'wp-nfkd-digits': [{ type: 'NFKD' }, { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: true }] }],
    'wp-digits-contiguous': [{ type: 'Sequence', normalizers: [{ type: 'Strip', strip_left: true,
      strip_right: true }, { type: 'Prepend', prepend: '▁' }] }, { type: 'Sequence',
      pretokenizers: [{ type: 'Whitespace' }, { type: 'Digits', individual_digits: false }] }],
  };
  for (const beh of ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']) {
    variants['wp-punct-' + beh] = [bn({}), { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: beh }] }];
    variants['wp-split-' + beh] = [{ type: 'Replace', pattern: { String: '\t' }, content: ' ' },
      { type: 'Split', pattern: { String: ' ' }, behavior: beh, invert: false }];
    variants['wp-split-regex-' + beh] = [bn({}), { type: 'Split',
      pattern: { Regex: '\\s+|[.,!?]|\\p{Hangul}+' }, behavior: beh, invert: beh === 'Removed' }];
    variants['wp-split-inv-' + beh] = [bn({}), { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { String: '다' }, behavior: beh, invert: true },
      { type: 'BertPreTokenizer' }] }];
  }
  for (const [name, [norm, pre]] of Object.entries(variants)) {
    const v = clone(base);
    v.normalizer = norm;
    v.pre_tokenizer = pre;
    if (name === 'wp-lower') v.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 3],
      cls: ['[CLS]', 2] };
    save(name + '.json', v);
  }
}

// ---- Unigram, XLM-R layout: <s> <pad> </s> <unk> first, <mask> last,
// SentencePiece's nmt_nfkc charsmap (from KoBERT's spiece.model) ----
function charsmapOf(modelPath) {
  const b = fs.readFileSync(modelPath);
  const varint = (buf, at) => {
    let v = 0, mul = 1, q = at;
    for (;;) {
      const c = buf[q++];
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (c < 0x80) return [v, q];
    }
  };
  const fields = (buf) => {
    const out = [];
    let q = 0;
    while (q < buf.length) {
      let key;
      [key, q] = varint(buf, q);
      const f = Math.floor(key / 8), w = key & 7;
      if (w === 0) { let v; [v, q] = varint(buf, q); out.push([f, v]); }
      else if (w === 2) { let l; [l, q] = varint(buf, q); out.push([f, buf.subarray(q, q + l)]); q += l; }
      else if (w === 5) { q += 4; } else if (w === 1) { q += 8; } else throw new Error('wire ' + w);
    }
    return out;
  };
  const norm = fields(b).find(([f]) => f === 3)[1];
  return Buffer.from(fields(norm).find(([f]) => f === 2)[1]);
}
{
  const t = new tk.Tokenizer(tk.Unigram.empty());
  t.setPreTokenizer(tk.metaspacePreTokenizer('\u2581', 'always', true));
  t.train([trainText]);
  const f = path.join(os.tmpdir(), `hf_make_u_${process.pid}.json`);
  t.save(f, false);
  const j = JSON.parse(fs.readFileSync(f, 'utf8'));
  fs.unlinkSync(f);
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const seen = new Set(specials);
  const vocab = specials.map((s) => [s, 0.0]);
  for (const [piece, score] of j.model.vocab) {
    if (!seen.has(piece)) { seen.add(piece); vocab.push([piece, score]); }
  }
  vocab.push(['<mask>', 0.0]);
  const mask = vocab.length - 1;
  const kobert = path.join(__dirname, '../../../config/models/kobert/spiece.model');
  const charsmap = charsmapOf(kobert).toString('base64');
  const base = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((s, i) => added(s, i)).concat([added('<mask>', mask, { lstrip: true })]),
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Precompiled', precompiled_charsmap: charsmap },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0],
      trim_offsets: true, add_prefix_space: true },
    decoder: null,
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
  save('unigram.json', base);
  const v = clone(base);
  v.normalizer = { type: 'Precompiled', precompiled_charsmap: charsmap };
  const m = v.model.vocab.pop();
  for (let b = 0; b < 256; b++) {
    const tkn = '<0x' + b.toString(16).toUpperCase().padStart(2, '0') + '>';
    if (!seen.has(tkn)) v.model.vocab.push([tkn, 0.0]);
  }
  v.model.vocab.push(m);
  v.added_tokens[4].id = v.model.vocab.length - 1;
  v.model.byte_fallback = true;
  v.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  save('unigram-byte-fallback.json', v);
}

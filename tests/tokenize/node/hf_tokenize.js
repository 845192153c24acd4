// hf_tokenize.js -- the reference WordPiece tokenizer for malmoi's tests and
// bench: Hugging Face `tokenizers` (the Rust code, Node binding). One output
// line per input line: tokens (default) or ids (--ids), space-separated, no
// [CLS]/[SEP]; or, with --encode, the post-processed model inputs as JSON
// Lines ({"input_ids","token_type_ids","attention_mask"}; --pair: each line
// is A<TAB>B). The file's own truncation and padding are switched off.
//
// usage: node hf_tokenize.js --json TOKENIZER.json[.gz] INPUT [--ids|--encode [--pair]] [--time]
//        node hf_tokenize.js --json TOKENIZER.json INPUT --all PREFIX
//            (writes PREFIX.tokens, PREFIX.ids and PREFIX.encode in one run)
//        node hf_tokenize.js --vocab vocab.txt [--lowercase] INPUT [--ids] [--time]
//
// --vocab builds the tokenizer.json that BertTokenizerFast writes for a BERT
// vocab (BertNormalizer with clean_text and handle_chinese_chars,
// BertPreTokenizer, WordPiece with "##" and max_input_chars_per_word 100, the
// five special tokens as added tokens) -- the same settings as mBERT's
// tokenizer.json, so the test data needs only vocab.txt.
// --time prints the seconds spent encoding (not loading) on stderr.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { Tokenizer } = require('tokenizers');

function fromVocab(path, lowercase) {
  const lines = fs.readFileSync(path, 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const vocab = {};
  lines.forEach((t, i) => {
    if (!(t in vocab)) vocab[t] = i;
  });
  const added = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    .filter((t) => t in vocab)
    .map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false,
      normalized: false, special: true }));
  return JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
      strip_accents: null, lowercase: lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
      max_input_chars_per_word: 100, vocab: vocab },
  });
}

async function main() {
  const args = process.argv.slice(2);
  let json = null, input = null, ids = false, timing = false, lowercase = false, vocab = null;
  let encode = false, pair = false, all = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') {
      let b = fs.readFileSync(args[++i]);
      if (args[i].endsWith('.gz')) b = zlib.gunzipSync(b);
      json = b.toString('utf8');
    } else if (a === '--vocab') vocab = args[++i];
    else if (a === '--lowercase') lowercase = true;
    else if (a === '--ids') ids = true;
    else if (a === '--encode') encode = true;
    else if (a === '--pair') pair = true;
    else if (a === '--all') all = args[++i];
    else if (a === '--time') timing = true;
    else input = a;
  }
  if (vocab) json = fromVocab(vocab, lowercase);
  if (!json || !input) {
    console.error('usage: node hf_tokenize.js (--json T.json[.gz] | --vocab vocab.txt [--lowercase]) INPUT [--ids] [--time]');
    process.exit(2);
  }
  const tok = Tokenizer.fromString(json);
  tok.disableTruncation();
  tok.disablePadding();
  const text = fs.readFileSync(input, 'utf8');
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const t0 = process.hrtime.bigint();
  const out = [], outIds = [], outEnc = [];
  const B = 1024;
  for (let i = 0; i < lines.length; i += B) {
    const batch = lines.slice(i, i + B);
    if (all) {
      for (const e of await tok.encodeBatch(batch, { addSpecialTokens: false })) {
        out.push(e.getTokens().join(' '));
        outIds.push(e.getIds().join(' '));
      }
      for (const e of await tok.encodeBatch(batch, { addSpecialTokens: true })) {
        outEnc.push(JSON.stringify({ input_ids: e.getIds(), token_type_ids: e.getTypeIds(),
          attention_mask: e.getAttentionMask() }));
      }
      continue;
    }
    let encs;
    if (pair) { // this binding's encodeBatch takes single texts only
      encs = await Promise.all(batch.map((l) => {
        const k = l.indexOf('\t');
        return tok.encode(l.slice(0, k), l.slice(k + 1), { addSpecialTokens: encode });
      }));
    } else encs = await tok.encodeBatch(batch, { addSpecialTokens: encode });
    for (const e of encs) {
      if (encode) {
        out.push(JSON.stringify({ input_ids: e.getIds(), token_type_ids: e.getTypeIds(),
          attention_mask: e.getAttentionMask() }));
      } else out.push((ids ? e.getIds() : e.getTokens()).join(' '));
    }
  }
  const t1 = process.hrtime.bigint();
  if (timing) console.error(`seconds ${Number(t1 - t0) / 1e9}`);
  const joined = (a) => (a.length ? a.join('\n') + '\n' : '');
  if (all) {
    fs.writeFileSync(all + '.tokens', joined(out));
    fs.writeFileSync(all + '.ids', joined(outIds));
    fs.writeFileSync(all + '.encode', joined(outEnc));
  } else process.stdout.write(joined(out));
}
main().catch((e) => {
  console.error(String(e));
  process.exit(1);
});

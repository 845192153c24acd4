// hf_tokenize.js -- the reference WordPiece tokenizer for malmoi's tests and
// bench: Hugging Face `tokenizers` (the Rust code, Node binding). One output
// line per input line: tokens (default) or ids (--ids), space-separated, no
// [CLS]/[SEP].
//
// usage: node hf_tokenize.js --json TOKENIZER.json[.gz] INPUT [--ids] [--time]
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
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') {
      let b = fs.readFileSync(args[++i]);
      if (args[i].endsWith('.gz')) b = zlib.gunzipSync(b);
      json = b.toString('utf8');
    } else if (a === '--vocab') vocab = args[++i];
    else if (a === '--lowercase') lowercase = true;
    else if (a === '--ids') ids = true;
    else if (a === '--time') timing = true;
    else input = a;
  }
  if (vocab) json = fromVocab(vocab, lowercase);
  if (!json || !input) {
    console.error('usage: node hf_tokenize.js (--json T.json[.gz] | --vocab vocab.txt [--lowercase]) INPUT [--ids] [--time]');
    process.exit(2);
  }
  const tok = Tokenizer.fromString(json);
  const text = fs.readFileSync(input, 'utf8');
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const t0 = process.hrtime.bigint();
  const out = [];
  const B = 1024;
  for (let i = 0; i < lines.length; i += B) {
    const encs = await tok.encodeBatch(lines.slice(i, i + B), { addSpecialTokens: false });
    for (const e of encs) out.push((ids ? e.getIds() : e.getTokens()).join(' '));
  }
  const t1 = process.hrtime.bigint();
  if (timing) console.error(`seconds ${Number(t1 - t0) / 1e9}`);
  process.stdout.write(out.length ? out.join('\n') + '\n' : '');
}
main().catch((e) => {
  console.error(String(e));
  process.exit(1);
});

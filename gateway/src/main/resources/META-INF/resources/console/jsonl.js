// MetaICL's JSONL, one example a line: {"input": "...", "output": "...", "options": ["...", ...]}.

/**
 * The examples and options of pasted JSONL: every non-blank line must be a JSON object with a string input and
 * output; options come from the first line that has them (MetaICL repeats them on every line). Throws an Error
 * naming the line for anything else.
 */
export function parseJsonl(text) {
  const examples = [];
  let options = null;
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) {
      return;
    }
    let row;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(`line ${i + 1} is not JSON: ${e.message}`);
    }
    if (!row || typeof row !== 'object' || typeof row.input !== 'string' || typeof row.output !== 'string') {
      throw new Error(`line ${i + 1} needs a string "input" and a string "output"`);
    }
    examples.push({input: row.input, output: row.output});
    if (options === null && Array.isArray(row.options) && row.options.every((o) => typeof o === 'string')) {
      options = row.options;
    }
  });
  if (examples.length === 0) {
    throw new Error('no examples: paste one JSON line per example');
  }
  return {examples, options};
}

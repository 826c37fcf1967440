// The console builds every piece of the page from data with createElement and text nodes: nothing it shows is ever
// parsed as HTML, so a task's examples, options or a problem's detail cannot inject markup or script. (The page's
// Content-Security-Policy also requires Trusted Types, so an innerHTML assignment would throw.)

/** An element with attributes (strings), listeners (on...) and children (nodes, or anything else as text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on')) {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      node.className = value;
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

export function show(node, visible = true) {
  node.hidden = !visible;
}

/** Sets a note's text and shows it; an empty text hides it. */
export function note(node, text) {
  node.textContent = text || '';
  show(node, Boolean(text));
}

/** A number with three decimals, or a dash when absent. */
export function decimal(x) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—';
}

/** An ISO-8601 time in the reader's locale, or the text as it came, or a dash. */
export function time(iso) {
  if (!iso) {
    return '—';
  }
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? String(iso) : t.toLocaleString();
}

/** A value that may be absent: the value, or a dash. */
export function orDash(x) {
  return x === undefined || x === null || x === '' ? '—' : x;
}

/** Shows a problem (from api.js) in a section's alert box; null hides it. */
export function showProblem(section, problem) {
  const box = section.querySelector('.problem');
  if (!problem) {
    box.replaceChildren();
    show(box, false);
    return;
  }
  const head = [problem.title || 'Error', problem.status ? ` (${problem.status})` : ''].join('');
  box.replaceChildren(
    el('strong', {}, head),
    problem.detail ? el('span', {class: 'detail'}, ': ' + problem.detail) : null,
    problem.retryAfter ? el('span', {class: 'retry'}, ` Try again in ${problem.retryAfter} s.`) : null,
    problem.type && problem.type !== 'about:blank' ? el('code', {class: 'type'}, problem.type) : null);
  show(box, true);
}
